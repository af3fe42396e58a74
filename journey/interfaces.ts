import { Executor, expectSuccess } from "./executor";

/** One interface of a node, as `ip -d -j link show` describes it. */
interface Link {
  readonly ifindex: number;
  readonly ifname: string;
  readonly mtu?: number;
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: { readonly id?: number; readonly port?: number; readonly external?: boolean } };
}

/** A node's interfaces by index, with their details. */
async function nodeLinks(executor: Executor, node: string): Promise<Link[]> {
  return JSON.parse(expectSuccess(`listing ${node}'s interfaces`, await executor.onNode(node, ["ip", "-d", "-j", "link", "show"])).stdout);
}

/**
 * The host side of a pod's veth, found as the article did by hand but without parsing names: the
 * pod's eth0 names its peer's index (its link_index, the iflink), and the node lists its
 * interfaces by index. Asked of `ip`, not of /sys: sysfs shows the namespace it was mounted in,
 * which a command entering only the pod's network (nsenter -n) does not change.
 */
export async function hostSideOf(executor: Executor, pod: string, node: string): Promise<string> {
  const [eth0] = JSON.parse(expectSuccess(`reading ${pod}'s eth0`, await executor.inPod(pod, ["ip", "-j", "link", "show", "dev", "eth0"])).stdout) as { link_index?: number }[];
  const iflink = eth0?.link_index;
  const link = (await nodeLinks(executor, node)).find((l) => l.ifindex === iflink);
  if (!link) throw new Error(`${node} has no interface with index ${iflink}, the peer of ${pod}'s eth0: is the pod on ${node}?`);
  return link.ifname;
}

/** What the analyzer can compare a lost packet with: the underlay's MTU, and the tunnel's port and VNI. */
export interface NodeLinkFacts {
  readonly underlayMtu?: number;
  /** The VXLAN device's UDP port and, when it has a fixed one, its VNI (Cilium's carries an identity per packet). */
  readonly tunnel: { readonly port?: number; readonly vni?: number; readonly mtu?: number };
}

/** Fails unless the node has the tunnel device and the underlay; returns what they say of themselves. */
export async function nodeLinkFacts(executor: Executor, node: string, tunnel: string, underlay: string): Promise<NodeLinkFacts> {
  const links = await nodeLinks(executor, node);
  const byName = (name: string) => links.find((l) => l.ifname === name);
  const missing = [tunnel, underlay].filter((name) => !byName(name));
  if (missing.length > 0) throw new Error(`${node} has no ${missing.join(" and no ")}: the journey captures there (is this node running Cilium in VXLAN mode?)`);
  const info = byName(tunnel)!.linkinfo?.info_data;
  return {
    underlayMtu: byName(underlay)!.mtu,
    tunnel: { port: info?.port, vni: info?.external ? undefined : info?.id, mtu: byName(tunnel)!.mtu },
  };
}
