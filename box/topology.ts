import { createHash } from "node:crypto";
import { PORTS, VXLAN_OVERHEAD } from "../model/defaults";
import { addressAt, parseCidr } from "../model/ipv4";
import { LabModel, nodePodRange, ProbeModel } from "../model/lab";
import { DEFAULT_SETTINGS, ENV_SETTINGS, LabSettings } from "../model/settings";

/**
 * The box: the article's datapath out of network namespaces, built from the lab's model. One
 * description, from which the build, the teardown and the journey's capture plan all derive.
 */
export interface BoxNode {
  /** The node's name in the journey, e.g. node-1. */
  readonly name: string;
  /** Its network namespace. */
  readonly netns: string;
  /** Its address on the underlay (`ens4`). */
  readonly address: string;
  /** Its pods' range; routes to the other node's range go through the tunnel. */
  readonly podCidr: string;
  /** The gateway address the node's pods route through (Cilium's cilium_host). */
  readonly gateway: string;
}

export interface BoxPod {
  /** Kubernetes-style name and namespace: what the journey calls it. */
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly address: string;
  /** Its own network namespace. */
  readonly netns: string;
  /** The host side of its veth, `lxc` + a hash, as Cilium names them. */
  readonly lxc: string;
  readonly role: "client" | "server" | "dns";
}

export interface BoxServicePort {
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  readonly targetPort: number;
}

export interface BoxService {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly ports: BoxServicePort[];
  /** Name of the pod behind it. */
  readonly backend: string;
}

export interface BoxTopology {
  /** Prefix of every namespace and mount the box makes; `box down` removes what carries it. */
  readonly prefix: string;
  readonly underlayCidr: string;
  readonly underlayMtu: number;
  readonly vxlan: { readonly port: number; readonly vni: number; readonly mtu: number };
  /** MTU of the pods' default route: the underlay's minus VXLAN's 50 bytes. */
  readonly routeMtu: number;
  readonly dnsDomain: string;
  readonly nodes: BoxNode[];
  readonly pods: BoxPod[];
  readonly services: BoxService[];
}

/** The prefix of everything the box makes: its namespaces (labyrinth-node-1…), /run/labyrinth, its lock, its processes' mark. */
export const BOX_PREFIX = "labyrinth";

/** Cilium names a pod's host-side interface lxc + 12 hex digits; so does the box. */
export function lxcName(namespace: string, pod: string): string {
  return `lxc${createHash("sha256").update(`${namespace}/${pod}`).digest("hex").slice(0, 12)}`;
}

/** A stable, locally administered MAC for one interface of the box. */
export function macFor(id: string): string {
  const bytes = createHash("sha256").update(id).digest().subarray(0, 5);
  return ["02", ...[...bytes].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/**
 * What the box takes from the article itself, where the lab leaves it to Kubernetes: the host
 * part of each pod's address in its node's /24, the Service's ClusterIP (its place in the service
 * range), and one VNI.
 */
const ARTICLE = {
  hosts: { client: 15, server: 215, dns: 17 },
  gateways: { client: 49, server: 244 },
  /** 10.105.134.33 in 10.96.0.0/12. */
  serviceOffset: 0x098621,
  vni: 2,
};

/** Where a Service's ClusterIP sits in the service range: the article's place, kept clear of .0, .1 (kubernetes) and DNS's tenth. */
function clusterIp(serviceCidr: string): string {
  const range = parseCidr(serviceCidr, "serviceCidr");
  const taken = [0, 1, 10, range.size - 1];
  const offset = [ARTICLE.serviceOffset % range.size, 4].find((o) => !taken.includes(o))!;
  return addressAt(range, offset);
}

/**
 * The box follows the lab's address ranges and ports. Of the other settings, most shape VMs and
 * versions, which the box has none of; these would change what the journey sees, and the box
 * cannot follow them, for the reason given.
 */
const NOT_FOLLOWED: Partial<Record<keyof LabSettings, string>> = {
  workers: "the box has the two workers the journey crosses",
  kubeProxyReplacement: "choose the box's datapath with --datapath",
  probeListener: "the box's server pod always echoes; box break server-not-listening stops it",
};

/** The settings that differ from the article's and that the box does not follow, each as `VARIABLE=value (why)`. */
export function unfollowedSettings(settings: LabSettings): string[] {
  return (Object.keys(NOT_FOLLOWED) as (keyof LabSettings)[])
    .filter((key) => String(settings[key]) !== String(DEFAULT_SETTINGS[key]))
    .map((key) => `${ENV_SETTINGS[key].env}=${String(settings[key])} (${NOT_FOLLOWED[key]})`);
}

/**
 * The box of a lab: its two probe workers as node-1 and node-2 at their lab addresses, each with
 * the /24 of the pod range that kube-controller-manager gives the n-th node, the client and
 * server probes and cluster DNS at the article's host parts of those ranges, kube-dns at the
 * service range's tenth address and the probe's Service at the article's place in it.
 */
export function boxTopology(model: LabModel, prefix = BOX_PREFIX): BoxTopology {
  const { client, server } = model.probes;
  const workerOf = (probe: ProbeModel) => model.workers.find((w) => w.index === probe.worker)!;
  const node = (probe: ProbeModel, gatewayHost: number): BoxNode => {
    const worker = workerOf(probe);
    const podCidr = nodePodRange(model, worker.index);
    return {
      name: worker.shortName,
      netns: `${prefix}-${worker.shortName}`,
      address: worker.internalAddress,
      podCidr,
      gateway: addressAt(parseCidr(podCidr, "podCidr"), gatewayHost),
    };
  };
  const nodes = [node(client, ARTICLE.gateways.client), node(server, ARTICLE.gateways.server)];
  const [clientNode, serverNode] = nodes;
  const pod = (name: string, namespace: string, on: BoxNode, host: number, role: BoxPod["role"]): BoxPod => ({
    name,
    namespace,
    node: on.name,
    address: addressAt(parseCidr(on.podCidr, "podCidr"), host),
    netns: `${prefix}-${role === "dns" ? "coredns" : namespace}`,
    lxc: lxcName(namespace, name),
    role,
  });
  const { port } = model.probes;
  const mtu = model.network.mtu - VXLAN_OVERHEAD;
  return {
    prefix,
    underlayCidr: model.network.subnetCidr.text,
    underlayMtu: model.network.mtu,
    vxlan: { port: model.tunnelPort, vni: ARTICLE.vni, mtu },
    routeMtu: mtu,
    dnsDomain: model.cluster.dnsDomain,
    nodes,
    pods: [
      pod(client.app, client.namespace, clientNode, ARTICLE.hosts.client, "client"),
      pod(server.app, server.namespace, serverNode, ARTICLE.hosts.server, "server"),
      pod("coredns", "kube-system", serverNode, ARTICLE.hosts.dns, "dns"),
    ],
    services: [
      {
        name: "kube-dns",
        namespace: "kube-system",
        address: model.cluster.dnsServiceAddress,
        ports: [
          { name: "dns", protocol: "udp", port: PORTS.dns, targetPort: PORTS.dns },
          { name: "dns-tcp", protocol: "tcp", port: PORTS.dns, targetPort: PORTS.dns },
        ],
        backend: "coredns",
      },
      {
        name: server.app,
        namespace: server.namespace,
        address: clusterIp(model.cluster.serviceCidr),
        ports: [
          { name: `tcp-${port}`, protocol: "tcp", port, targetPort: port },
          { name: `udp-${port}`, protocol: "udp", port, targetPort: port },
        ],
        backend: server.app,
      },
    ],
  };
}

export function podByRole(topology: BoxTopology, role: BoxPod["role"]): BoxPod {
  const pod = topology.pods.find((p) => p.role === role);
  if (!pod) throw new Error(`the box has no ${role} pod`);
  return pod;
}

export function nodeOf(topology: BoxTopology, pod: BoxPod): BoxNode {
  const node = topology.nodes.find((n) => n.name === pod.node);
  if (!node) throw new Error(`pod ${pod.name} is on unknown node ${pod.node}`);
  return node;
}

export function backendOf(topology: BoxTopology, service: BoxService): BoxPod {
  const pod = topology.pods.find((p) => p.name === service.backend);
  if (!pod) throw new Error(`service ${service.name} has unknown backend ${service.backend}`);
  return pod;
}

/** Every network namespace of the box. */
export function namespacesOf(topology: BoxTopology): string[] {
  return [...topology.nodes.map((n) => n.netns), ...topology.pods.map((p) => p.netns)];
}
