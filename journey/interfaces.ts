import { Executor, expectSuccess } from "./executor";

/** A node's interfaces by index, from `ip -j link show`. */
async function nodeLinks(executor: Executor, node: string): Promise<{ ifindex: number; ifname: string }[]> {
  return JSON.parse(expectSuccess(`listing ${node}'s interfaces`, await executor.onNode(node, ["ip", "-j", "link", "show"])).stdout);
}

/**
 * The host side of a pod's veth, found as the article did by hand but without parsing names: the
 * pod's eth0 names its peer's index (iflink), and the node lists its interfaces by index.
 */
export async function hostSideOf(executor: Executor, pod: string, node: string): Promise<string> {
  const iflink = Number(expectSuccess(`reading ${pod}'s eth0`, await executor.inPod(pod, ["cat", "/sys/class/net/eth0/iflink"])).stdout.trim());
  const link = (await nodeLinks(executor, node)).find((l) => l.ifindex === iflink);
  if (!link) throw new Error(`${node} has no interface with index ${iflink}, the peer of ${pod}'s eth0: is the pod on ${node}?`);
  return link.ifname;
}

/** Fails unless the node has each interface a capture point needs. */
export async function checkInterfaces(executor: Executor, node: string, names: string[]): Promise<void> {
  const present = new Set((await nodeLinks(executor, node)).map((l) => l.ifname));
  const missing = names.filter((n) => !present.has(n));
  if (missing.length > 0) throw new Error(`${node} has no ${missing.join(" and no ")}: the journey captures there (is this node running Cilium in VXLAN mode?)`);
}
