import { createHash } from "node:crypto";

/**
 * The box: the article's datapath out of network namespaces. One description, from which the
 * build, the teardown and the journey's capture plan all derive. Defaults are the article's
 * addresses with the lab's pod range (10.10.0.0/16 where the article's Cilium used 10.0.0.0/8):
 * the same last octets, the same nodes, ports and service addresses.
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

/** Cilium names a pod's host-side interface lxc + 12 hex digits; so does the box. */
export function lxcName(namespace: string, pod: string): string {
  return `lxc${createHash("sha256").update(`${namespace}/${pod}`).digest("hex").slice(0, 12)}`;
}

/** A stable, locally administered MAC for one interface of the box. */
export function macFor(id: string): string {
  const bytes = createHash("sha256").update(id).digest().subarray(0, 5);
  return ["02", ...[...bytes].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

export function defaultTopology(prefix = "labyrinth"): BoxTopology {
  const node = (n: number, gateway: string): BoxNode => ({
    name: `node-${n}`,
    netns: `${prefix}-node-${n}`,
    address: `10.168.0.${3 + n}`,
    podCidr: `10.10.${n}.0/24`,
    gateway,
  });
  const pod = (name: string, namespace: string, nodeName: string, address: string, role: BoxPod["role"]): BoxPod => ({
    name,
    namespace,
    node: nodeName,
    address,
    netns: `${prefix}-${role === "dns" ? "coredns" : namespace}`,
    lxc: lxcName(namespace, name),
    role,
  });
  return {
    prefix,
    underlayCidr: "10.168.0.0/24",
    underlayMtu: 1460,
    vxlan: { port: 8472, vni: 2, mtu: 1410 },
    routeMtu: 1410,
    dnsDomain: "cluster.local",
    nodes: [node(1, "10.10.1.49"), node(2, "10.10.2.244")],
    pods: [
      pod("node-wrk-1-ubuntu24", "wrk-1", "node-1", "10.10.1.15", "client"),
      pod("node-wrk-2-ubuntu24", "wrk-2", "node-2", "10.10.2.215", "server"),
      pod("coredns", "kube-system", "node-2", "10.10.2.17", "dns"),
    ],
    services: [
      {
        name: "kube-dns",
        namespace: "kube-system",
        address: "10.96.0.10",
        ports: [
          { name: "dns", protocol: "udp", port: 53, targetPort: 53 },
          { name: "dns-tcp", protocol: "tcp", port: 53, targetPort: 53 },
        ],
        backend: "coredns",
      },
      {
        name: "node-wrk-2-ubuntu24",
        namespace: "wrk-2",
        address: "10.105.134.33",
        ports: [
          { name: "tcp-9999", protocol: "tcp", port: 9999, targetPort: 9999 },
          { name: "udp-9999", protocol: "udp", port: 9999, targetPort: 9999 },
        ],
        backend: "node-wrk-2-ubuntu24",
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
