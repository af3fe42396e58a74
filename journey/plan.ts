/**
 * The capture plan: where to listen, what to trigger, what to expect. The box and the deployed
 * lab each make one (from their topology, or from the Kubernetes API); everything after it is
 * shared.
 */
import { NodeLinkFacts } from "./interfaces";

/** Where a capture point sits on a packet's way. */
export type PointKind = "pod" | "overlay" | "underlay";

export interface CapturePoint {
  /** 1 to 6: its place on the forward path. */
  readonly hop: number;
  readonly node: string;
  readonly interface: string;
  readonly kind: PointKind;
  /** Capture filter (pcap syntax) that keeps the test flow only. */
  readonly filter: string;
  /** What it is, for people: "the client pod's host-side interface". */
  readonly description: string;
  /**
   * At a pod's host-side interface: the pod (`namespace/name`), whose own eth0 is captured too,
   * through its network namespace, for when Cilium delivers past the host side (BPF host routing).
   */
  readonly pod?: string;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type Protocol = "tcp" | "udp";

/** One request the trigger makes, and where it should go. */
export interface Exchange {
  readonly label: "DNS" | "TCP" | "UDP";
  readonly protocol: Protocol;
  /** The client pod's address. */
  readonly client: string;
  /** What the client addresses: a Service's ClusterIP and port. */
  readonly service: Endpoint;
  /** Where it lands: a pod, on a node. */
  readonly backend: Endpoint & { readonly node: string; readonly name: string };
  /** The capture points its forward packet should cross, in order (by hop number). */
  readonly hops: number[];
}

/** A traced node: its name, its underlay address and interface, and what its links say of themselves. */
export interface PlanNode extends Partial<NodeLinkFacts> {
  readonly name: string;
  readonly address: string;
  readonly underlay?: string;
}

export interface CapturePlan {
  readonly nodes: PlanNode[];
  readonly points: CapturePoint[];
  readonly client: { readonly pod: string; readonly address: string; readonly node: string };
  readonly server: { readonly pod: string; readonly address: string; readonly node: string };
  /** The name the client resolves, as the article types it, and its Service. */
  readonly target: { readonly name: string; readonly service: Endpoint };
  readonly dnsService: Endpoint;
  readonly exchanges: Exchange[];
  readonly tunnelPort: number;
  /** Where this plan's cluster differs from the article's, said plainly. */
  readonly notes: string[];
}

export interface PlanInput {
  readonly client: { readonly pod: string; readonly address: string; readonly node: string; readonly lxc: string };
  readonly server: { readonly pod: string; readonly address: string; readonly node: string; readonly lxc: string };
  readonly nodes: (PlanNode & { readonly underlay: string })[];
  readonly target: { readonly name: string; readonly service: Endpoint; readonly port: number };
  /** Cluster DNS; its backend's node is undefined when its pods run on several nodes. */
  readonly dns: { readonly service: Endpoint; readonly backend: { readonly name: string; readonly address: string; readonly node?: string; readonly port: number } };
  readonly tunnelPort: number;
  readonly protocols: Protocol[];
  readonly notes?: string[];
}

/**
 * The six capture points of the article (client lxc, cilium_vxlan, ens4 on the client's node,
 * then ens4, cilium_vxlan and the server's lxc on the server's node) and the exchanges to follow.
 */
export function makePlan(input: PlanInput): CapturePlan {
  const { client, server, tunnelPort } = input;
  const nodeOf = (name: string) => {
    const node = input.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in the plan`);
    return node;
  };
  const clientNode = nodeOf(client.node);
  const serverNode = nodeOf(server.node);
  const ports = [...new Set([input.dns.service.port, input.target.service.port])];
  // ICMP too: an error that comes back instead of an answer says where and why the packet stopped.
  const flowFilter = `host ${client.address} and (${ports.map((p) => `port ${p}`).join(" or ")} or icmp)`;
  const points: CapturePoint[] = [
    { hop: 1, node: client.node, interface: client.lxc, kind: "pod", filter: flowFilter, description: "the client pod's host-side interface", pod: client.pod },
    { hop: 2, node: client.node, interface: "cilium_vxlan", kind: "overlay", filter: flowFilter, description: "the tunnel device" },
    { hop: 3, node: client.node, interface: clientNode.underlay, kind: "underlay", filter: `udp port ${tunnelPort}`, description: "the node's own interface" },
    { hop: 4, node: server.node, interface: serverNode.underlay, kind: "underlay", filter: `udp port ${tunnelPort}`, description: "the node's own interface" },
    { hop: 5, node: server.node, interface: "cilium_vxlan", kind: "overlay", filter: flowFilter, description: "the tunnel device" },
    { hop: 6, node: server.node, interface: server.lxc, kind: "pod", filter: `host ${client.address}`, description: "the server pod's host-side interface", pod: server.pod },
  ];
  const exchange = (label: Exchange["label"], protocol: Protocol, service: Endpoint, backend: PlanInput["dns"]["backend"]): Exchange => ({
    label,
    protocol,
    client: client.address,
    service,
    backend: { ...backend, node: backend.node ?? "" },
    // A backend on no single node may answer from the client's own node: only hop 1 is certain.
    hops: backend.node === undefined ? [points[0].hop] : expectedHops(points, client.node, backend.node, backend.address === server.address),
  });
  const target = { ...input.target.service };
  const serverBackend = { address: server.address, port: input.target.port, node: server.node, name: server.pod };
  return {
    nodes: input.nodes,
    points,
    client: { pod: client.pod, address: client.address, node: client.node },
    server: { pod: server.pod, address: server.address, node: server.node },
    target: { name: input.target.name, service: target },
    dnsService: input.dns.service,
    exchanges: [
      exchange("DNS", "udp", input.dns.service, input.dns.backend),
      ...input.protocols.map((p) => exchange(p === "tcp" ? "TCP" : "UDP", p, target, serverBackend)),
    ],
    tunnelPort,
    notes: input.notes ?? [],
  };
}

/**
 * The capture points a packet from the client's node to `backendNode` crosses: the client's
 * lxc, then, if it leaves the node, the tunnel and the underlay; on the far side only if that
 * node is traced, and the server's lxc only if it is the backend.
 */
export function expectedHops(points: CapturePoint[], clientNode: string, backendNode: string, toServerPod: boolean): number[] {
  const at = (node: string, kind: PointKind) => points.filter((p) => p.node === node && p.kind === kind).map((p) => p.hop);
  const hops = [...at(clientNode, "pod").slice(0, 1)];
  if (backendNode === clientNode) return toServerPod ? [...hops, ...at(backendNode, "pod").slice(-1)] : hops;
  hops.push(...at(clientNode, "overlay"), ...at(clientNode, "underlay"));
  const far = points.filter((p) => p.node === backendNode);
  if (far.length === 0) return hops;
  hops.push(...at(backendNode, "underlay"), ...at(backendNode, "overlay"));
  if (toServerPod) hops.push(...at(backendNode, "pod").slice(-1));
  return hops;
}
