import { existsSync } from "node:fs";
import { LabModel } from "../model/lab";
import { NodeBootstrap, parseBootstrapLog } from "./bootstrap-log";
import { ClusterApi, connect, httpStatus } from "./cluster-api";
import { gcloud } from "./gcloud";
import { LabInstance, labInstances, secondsLeft } from "./instances";
import { madeInstances, readOutputs, statePath } from "./state";

export interface NodeStatus {
  readonly name: string;
  readonly role: string;
  readonly zone?: string;
  /** The VM's status (RUNNING, STAGING, TERMINATED…), or MISSING for a node that has no VM. */
  readonly state: string;
  /** For a node with no VM: whether the deploy made it (so it was lost since), or has still to. */
  readonly made?: boolean;
  readonly secondsLeft?: number;
  readonly bootstrap?: NodeBootstrap;
}

/** "expired": no VM of the lab is left; "incomplete": some node's VM is gone (a reclaimed Spot worker). */
export type Verdict = "ready" | "failed" | "in progress" | "expired" | "incomplete" | "not deployed";

export interface LabStatus {
  readonly lab: string;
  readonly project: string;
  readonly nodes: NodeStatus[];
  /** Each in-cluster part: one line, or undefined when it cannot be known yet. */
  readonly cluster: { apiServer: string; nodes?: string; cilium?: string; probes?: string; check?: string };
  readonly verdict: Verdict;
}

async function part(what: () => Promise<string>): Promise<string> {
  try {
    return await what();
  } catch (error) {
    return httpStatus(error) === 404 ? "not there yet" : `unknown (${error instanceof Error ? error.message.split("\n")[0] : error})`;
  }
}

async function clusterParts(api: ClusterApi, model: LabModel): Promise<LabStatus["cluster"]> {
  const ready = await api.ready().catch(() => false);
  const apiServer = `${api.server} ${ready ? "ready" : "not ready"}`;
  if (!ready) return { apiServer };
  const nodes = await part(async () => {
    const list = (await api.core.listNode()).items;
    const isReady = (n: (typeof list)[number]) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const waiting = list.filter((n) => !isReady(n)).map((n) => n.metadata?.name);
    return `${list.length - waiting.length}/${model.nodes.length} Ready${waiting.length ? ` (not yet: ${waiting.join(", ")})` : ""}`;
  });
  const cilium = await part(async () => {
    const ds = await api.apps.readNamespacedDaemonSet({ name: "cilium", namespace: "kube-system" });
    return `${ds.status?.numberReady ?? 0}/${ds.status?.desiredNumberScheduled ?? 0} agents ready`;
  });
  const probes = await part(async () => {
    const states: string[] = [];
    for (const { namespace, app } of model.probes.all) {
      const d = await api.apps.readNamespacedDeployment({ name: app, namespace }).catch((e) => (httpStatus(e) === 404 ? undefined : Promise.reject(e)));
      states.push(`${namespace} ${d ? `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}` : "not there yet"}`);
    }
    return states.join(", ");
  });
  const { check: job } = model;
  const check = job
    ? await part(async () => {
        const found = await api.batch.readNamespacedJob({ name: job.job, namespace: job.namespace });
        const failed = found.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True");
        const logs = `kubectl -n ${job.namespace} logs job/${job.job}`;
        if ((found.status?.succeeded ?? 0) > 0) return `passed (${logs})`;
        return failed ? `FAILED: ${logs}` : "running";
      })
    : "off (LABYRINTH_PROBE_LISTENER=false)";
  return { apiServer, nodes, cilium, probes, check };
}

/** Each node of the lab, whether it has a VM or not, then any other VM with the lab's label. */
function nodeStatuses(model: LabModel, project: string, now: Date): NodeStatus[] {
  const instances = labInstances(model.name, project);
  const made = madeInstances(model.stacks.infrastructure);
  const withVm = (instance: LabInstance): NodeStatus => ({
    name: instance.name,
    role: instance.role,
    zone: instance.zone,
    state: instance.status,
    secondsLeft: secondsLeft(instance, now),
    bootstrap:
      instance.status === "RUNNING"
        ? parseBootstrapLog(gcloud(["compute", "instances", "get-serial-port-output", instance.name, `--zone=${instance.zone}`], project))
        : undefined,
  });
  const known = new Set(model.nodes.map((n) => n.name));
  return [
    ...model.nodes.map((node) => {
      const instance = instances.find((i) => i.name === node.name);
      return instance ? withVm(instance) : { name: node.name, role: node.role, state: "MISSING", made: made.has(node.name) };
    }),
    ...instances.filter((i) => !known.has(i.name)).map(withVm),
  ];
}

/** Where the lab stands: each node's bootstrap from its serial console, then the cluster's parts. */
export async function readStatus(model: LabModel, project: string, now = new Date()): Promise<LabStatus> {
  const lab = model.name;
  const deployed = existsSync(statePath(model.stacks.infrastructure));
  const nodes = nodeStatuses(model, project, now);
  const running = nodes.filter((n) => n.state !== "MISSING");
  const lost = nodes.filter((n) => n.made);
  if (!deployed && running.length === 0) return { lab, project, nodes: [], cluster: { apiServer: "none" }, verdict: "not deployed" };
  if (running.length === 0 && lost.length > 0) return { lab, project, nodes: [], cluster: { apiServer: "none (no VMs)" }, verdict: "expired" };
  const kubeconfig = deployed ? String(readOutputs(model.stacks.infrastructure).kubeconfig ?? "") : "";
  const cluster = kubeconfig && running.length > 0 ? await clusterParts(await connect(kubeconfig), model) : { apiServer: "none (no VMs)" };
  // A failure that systemd will retry is not one yet (see NodeBootstrap.retryAt).
  const bootFailed = nodes.some((n) => n.bootstrap?.failure && !n.bootstrap.retryAt);
  const allBooted = nodes.every((n) => n.bootstrap?.complete);
  const checkDone = model.check ? cluster.check?.startsWith("passed") : cluster.probes !== undefined && !/ 0\/| not there/.test(cluster.probes);
  const verdict =
    bootFailed || cluster.check?.startsWith("FAILED") ? "failed" : lost.length > 0 ? "incomplete" : allBooted && checkDone ? "ready" : "in progress";
  return { lab, project, nodes, cluster, verdict };
}
