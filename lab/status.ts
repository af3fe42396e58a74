import { existsSync } from "node:fs";
import { LabModel } from "../model/lab";
import { NodeBootstrap, parseBootstrapLog } from "./bootstrap-log";
import { ClusterApi, connect, httpStatus } from "./cluster-api";
import { gcloud } from "./gcloud";
import { formatDuration, labInstances, secondsLeft } from "./instances";
import { readOutputs, statePath } from "./state";

export interface NodeStatus {
  readonly name: string;
  readonly role: string;
  readonly zone: string;
  readonly state: string;
  readonly secondsLeft?: number;
  readonly bootstrap?: NodeBootstrap;
}

export interface LabStatus {
  readonly lab: string;
  readonly project: string;
  readonly nodes: NodeStatus[];
  /** Each in-cluster part: one line, or undefined when it cannot be known yet. */
  readonly cluster: { apiServer: string; nodes?: string; cilium?: string; probes?: string; check?: string };
  readonly verdict: "ready" | "failed" | "in progress" | "not deployed";
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

/** Where the lab stands: each node's bootstrap from its serial console, then the cluster's parts. */
export async function readStatus(model: LabModel, project: string, now = new Date()): Promise<LabStatus> {
  const lab = model.name;
  const deployed = existsSync(statePath(model.stacks.infrastructure));
  const nodes: NodeStatus[] = labInstances(lab, project).map((instance) => ({
    name: instance.name,
    role: instance.role,
    zone: instance.zone,
    state: instance.status,
    secondsLeft: secondsLeft(instance, now),
    bootstrap:
      instance.status === "RUNNING"
        ? parseBootstrapLog(gcloud(["compute", "instances", "get-serial-port-output", instance.name, `--zone=${instance.zone}`], project))
        : undefined,
  }));
  if (!deployed && nodes.length === 0) return { lab, project, nodes, cluster: { apiServer: "none" }, verdict: "not deployed" };
  const kubeconfig = deployed ? String(readOutputs(model.stacks.infrastructure).kubeconfig ?? "") : "";
  const cluster = kubeconfig && nodes.length > 0 ? await clusterParts(await connect(kubeconfig), model) : { apiServer: "none (no VMs)" };
  const bootFailed = nodes.some((n) => n.bootstrap?.failure);
  const allBooted = nodes.length === model.nodes.length && nodes.every((n) => n.bootstrap?.complete);
  const checkDone = model.check ? cluster.check?.startsWith("passed") : cluster.probes !== undefined && !/ 0\/| not there/.test(cluster.probes);
  const verdict = bootFailed || cluster.check?.startsWith("FAILED") ? "failed" : allBooted && checkDone ? "ready" : "in progress";
  return { lab, project, nodes, cluster, verdict };
}

function bootstrapText(b: NodeBootstrap | undefined, now: Date): string {
  if (!b || !b.startedAt) return "no bootstrap output yet";
  const elapsed = formatDuration(Math.round((now.getTime() - b.startedAt.getTime()) / 1000));
  const last = b.phases[b.phases.length - 1];
  if (b.complete) return `bootstrap complete in ${formatDuration(b.phases.reduce((sum, p) => sum + (p.seconds ?? 0), 0))}`;
  if (b.failure) return `FAILED at ${last?.name}: ${b.failure}`;
  return last ? `${last.name} for ${formatDuration(Math.round((now.getTime() - last.startedAt.getTime()) / 1000))}, ${elapsed} in all` : `started ${elapsed} ago`;
}

export function renderStatus(status: LabStatus, now = new Date()): string {
  if (status.verdict === "not deployed") return `lab ${status.lab}: not deployed in ${status.project} (npm run deploy builds it)`;
  const lines = [`lab ${status.lab} in ${status.project}: ${status.verdict}`];
  if (status.nodes.length === 0) lines.push("  no VMs: they expired or were reclaimed (npm run deploy makes them again; npm run destroy removes the rest)");
  for (const node of status.nodes) {
    const left = node.secondsLeft === undefined ? "no expiry" : `deleted in ${formatDuration(node.secondsLeft)}`;
    lines.push(`  ${node.name.padEnd(20)} ${node.role.padEnd(13)} ${node.state.padEnd(10)} ${left.padEnd(18)} ${bootstrapText(node.bootstrap, now)}`);
    if (node.bootstrap?.failure) lines.push(...node.bootstrap.lastLines.map((l) => `      ${l}`));
  }
  const c = status.cluster;
  lines.push(`  API server    ${c.apiServer}`);
  if (c.nodes) lines.push(`  nodes         ${c.nodes}`);
  if (c.cilium) lines.push(`  Cilium        ${c.cilium}`);
  if (c.probes) lines.push(`  probes        ${c.probes}`);
  if (c.check) lines.push(`  check         ${c.check}`);
  return lines.join("\n");
}
