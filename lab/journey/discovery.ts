import type { V1Pod } from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { Executor, expectSuccess } from "../../journey/executor";
import { hostSideOf, nodeLinkFacts } from "../../journey/interfaces";
import { CapturePlan, makePlan, Protocol } from "../../journey/plan";
import { LabModel } from "../../model/lab";
import { ClusterApi, httpStatus } from "../cluster-api";

/** A Running, Ready pod, as discovery reports it. */
export interface FoundPod {
  /** `namespace/name`. */
  readonly pod: string;
  readonly address: string;
  readonly node: string;
}

/** What the Kubernetes API says about the lab's journey, before anything runs on a node. */
export interface LabDiscovery {
  readonly client: FoundPod;
  readonly server: FoundPod;
  readonly target: { readonly name: string; readonly service: { address: string; port: number }; readonly port: number };
  readonly dns: { readonly service: { address: string; port: number }; readonly backends: FoundPod[] };
  /** Every node's name and internal address. */
  readonly nodes: { readonly name: string; readonly address: string }[];
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function found(pod: V1Pod): FoundPod {
  return {
    pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
    address: pod.status?.podIP ?? "",
    node: pod.spec?.nodeName ?? "",
  };
}

/** Why a probe pod is not usable, in one line. */
function notReady(pods: V1Pod[], namespace: string, app: string): string {
  const pod = pods[0];
  if (!pod) return `no probe pod in ${namespace} (app=${app}): is the lab's in-cluster stack deployed? (npm run status)`;
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  const unschedulable = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  const why = waiting?.reason ?? unschedulable?.message ?? pod.status?.phase ?? "unknown";
  return `the probe pod ${namespace}/${pod.metadata?.name} is not Ready (${why}): kubectl -n ${namespace} describe pod -l app=${app}`;
}

async function readyPod(api: ClusterApi, namespace: string, app: string): Promise<FoundPod> {
  const pods = (await api.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
  const ready = pods.find(isReady);
  if (!ready) throw new Error(notReady(pods, namespace, app));
  return found(ready);
}

/** The lab's client and server probes, the server's Service, cluster DNS and the nodes. */
export async function discover(api: ClusterApi, model: LabModel): Promise<LabDiscovery> {
  if (!(await api.ready().catch(() => false))) {
    throw new Error(`the cluster at ${api.server} does not answer: is the lab up? (npm run status)`);
  }
  const { client: clientNames, server: serverNames } = model.probes;
  const client = await readyPod(api, clientNames.namespace, clientNames.app);
  const server = await readyPod(api, serverNames.namespace, serverNames.app);
  const service = await api.core.readNamespacedService({ name: serverNames.app, namespace: serverNames.namespace }).catch((error) => {
    throw new Error(httpStatus(error) === 404 ? `no Service ${serverNames.namespace}/${serverNames.app}` : String(error));
  });
  const tcp = service.spec?.ports?.find((p) => p.protocol === "TCP");
  if (!service.spec?.clusterIP || !tcp) throw new Error(`the Service ${serverNames.namespace}/${serverNames.app} has no ClusterIP or TCP port`);
  const dnsService = await api.core.readNamespacedService({ name: "kube-dns", namespace: "kube-system" });
  const dnsPort = dnsService.spec?.ports?.find((p) => p.protocol === "UDP")?.port ?? 53;
  const dnsPods = (await api.core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=kube-dns" })).items.filter(isReady).map(found);
  if (dnsPods.length === 0) throw new Error("no cluster DNS pod is Ready: kubectl -n kube-system get pods -l k8s-app=kube-dns");
  const nodes = (await api.core.listNode()).items.map((n) => ({
    name: n.metadata?.name ?? "",
    address: n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "",
  }));
  return {
    client,
    server,
    target: { name: `${serverNames.app}.${serverNames.namespace}`, service: { address: service.spec.clusterIP, port: tcp.port }, port: Number(tcp.targetPort ?? tcp.port) },
    dns: { service: { address: dnsService.spec?.clusterIP ?? "", port: dnsPort }, backends: dnsPods },
    nodes,
  };
}

/** The interface that holds a node's internal address: ens4 on Google Cloud, whatever its name elsewhere. */
async function underlayOf(executor: Executor, node: string, address: string): Promise<string> {
  const addresses = JSON.parse(expectSuccess(`listing ${node}'s addresses`, await executor.onNode(node, ["ip", "-j", "-4", "address", "show"])).stdout) as {
    ifname: string;
    addr_info: { local: string }[];
  }[];
  const link = addresses.find((l) => l.addr_info.some((a) => a.local === address));
  if (!link) throw new Error(`no interface of ${node} holds its internal address ${address}`);
  return link.ifname;
}

/** The lab's capture plan: discovery, then the interfaces found on the two probes' nodes. */
export async function planForLab(executor: Executor, found: LabDiscovery, model: LabModel, protocols: Protocol[]): Promise<CapturePlan> {
  const traced = [...new Set([found.client.node, found.server.node])];
  const nodes = [];
  for (const name of traced) {
    const address = found.nodes.find((n) => n.name === name)?.address ?? "";
    const underlay = await underlayOf(executor, name, address);
    nodes.push({ name, address, underlay, ...(await nodeLinkFacts(executor, name, "cilium_vxlan", underlay)) });
  }
  // The DNS pods' node is known only when they all run on one.
  const dnsNodes = [...new Set(found.dns.backends.map((b) => b.node))];
  const dnsNode = dnsNodes.length === 1 ? dnsNodes[0] : undefined;
  const nodeAddress = (name: string) => found.nodes.find((n) => n.name === name)?.address ?? name;
  const dnsNote =
    dnsNode === undefined
      ? `cluster DNS runs on ${dnsNodes.join(" and ")}: the query may go to either, so the DNS exchange is followed at the client pod's lxc only`
      : traced.includes(dnsNode)
        ? `cluster DNS runs on ${dnsNode}, which is traced`
        : `cluster DNS runs on ${dnsNode} (${nodeAddress(dnsNode)}), which is not traced: the DNS query is followed to the client node's ens4 only`;
  const notes = ["Cilium's VNI carries the source's security identity, so it differs by direction", dnsNote];
  const pod = async (p: FoundPod) => ({ pod: p.pod, address: p.address, node: p.node, lxc: await hostSideOf(executor, p.pod, p.node) });
  return makePlan({
    client: await pod(found.client),
    server: await pod(found.server),
    nodes,
    target: found.target,
    dns: { service: found.dns.service, backend: { name: found.dns.backends[0].pod, address: found.dns.backends[0].address, node: dnsNode, port: found.dns.service.port } },
    tunnelPort: model.tunnelPort,
    protocols,
    notes,
  });
}
