import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { attach, compiledObject, loadProgram, serviceEntries, updateMap } from "./bpf";
import { inNetns, ipBatch, run } from "./command";
import { kubeProxyRules } from "./kube-proxy-rules";
import { Datapath } from "./preflight";
import { boxPaths, writeState } from "./state";
import { BoxNode, BoxPod, BoxTopology, macFor, namespacesOf, nodeOf, podByRole } from "./topology";
import { startDns, startListener } from "./workloads";

/** Kernel settings of a node: it forwards, and strict reverse-path filtering would drop tunnel replies. */
function nodeSysctls(netns: string): void {
  inNetns(netns, ["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"]);
}

/** The other node's pods are behind the tunnel: the inner frame goes to its cilium_vxlan (an `ip` batch line). */
export function tunnelRoute(verb: "add" | "del", peer: BoxNode): string {
  return `route ${verb} ${peer.podCidr} via ${peer.gateway} dev cilium_vxlan onlink`;
}

/** kube-proxy's nat rules for the services, replacing the node's nat table. */
export function installKubeProxyRules(topology: BoxTopology, node: BoxNode): void {
  inNetns(node.netns, ["iptables-restore"], { input: kubeProxyRules(topology) });
}

/** Underlay, tunnel and gateway of one node; `peer` is the other node. */
function buildNode(topology: BoxTopology, node: BoxNode, peer: BoxNode): void {
  const underlayBits = topology.underlayCidr.split("/")[1];
  const vxlanMac = macFor(`${node.name}/cilium_vxlan`);
  const peerVxlanMac = macFor(`${peer.name}/cilium_vxlan`);
  ipBatch(node.netns, [
    "link set lo up",
    `address add ${node.address}/${underlayBits} dev ens4`,
    `link set ens4 mtu ${topology.underlayMtu} up`,
    // Cilium's tunnel device: the same VNI on both nodes, no learning, entries written below.
    `link add cilium_vxlan address ${vxlanMac} type vxlan id ${topology.vxlan.vni} dstport ${topology.vxlan.port} local ${node.address} dev ens4 nolearning`,
    `link set cilium_vxlan mtu ${topology.vxlan.mtu} up`,
    // cilium_host holds the pods' gateway address; like Cilium's, it is one end of a veth pair.
    "link add cilium_host type veth peer name cilium_net",
    `address add ${node.gateway}/32 dev cilium_host`,
    "link set cilium_net up",
    "link set cilium_host up",
    tunnelRoute("add", peer),
    `neighbour add ${peer.gateway} lladdr ${peerVxlanMac} dev cilium_vxlan nud permanent`,
  ]);
  inNetns(node.netns, ["bridge", "fdb", "append", peerVxlanMac, "dev", "cilium_vxlan", "dst", peer.address]);
}

/** A pod: its own namespace, eth0 with a /32, and the host side `lxc…` with a route to it. */
function buildPod(topology: BoxTopology, pod: BoxPod): void {
  const node = nodeOf(topology, pod);
  const lxcMac = macFor(`${pod.netns}/${pod.lxc}`);
  const eth0Mac = macFor(`${pod.netns}/eth0`);
  ipBatch(node.netns, [
    `link add ${pod.lxc} address ${lxcMac} type veth peer name eth0 netns ${pod.netns} address ${eth0Mac}`,
    `link set ${pod.lxc} up`,
    `route add ${pod.address}/32 dev ${pod.lxc}`,
    `neighbour add ${pod.address} lladdr ${eth0Mac} dev ${pod.lxc} nud permanent`,
  ]);
  ipBatch(pod.netns, [
    "link set lo up",
    `address add ${pod.address}/32 dev eth0`,
    `link set eth0 mtu ${topology.underlayMtu} up`,
    `route add ${node.gateway} dev eth0 scope link`,
    `route add default via ${node.gateway} dev eth0 mtu ${topology.routeMtu}`,
    // Cilium answers the pod's ARP for its gateway with the lxc's address; here it is written down.
    `neighbour add ${node.gateway} lladdr ${lxcMac} dev eth0 nud permanent`,
  ]);
  inNetns(node.netns, ["sysctl", "-qw", `net.ipv4.conf.${pod.lxc}.rp_filter=0`]);
}

/**
 * A pod's resolv.conf as the kubelet writes it: `ip netns exec` puts /etc/netns/<ns>/resolv.conf
 * in place of /etc/resolv.conf for that namespace's commands.
 */
function writeResolvConf(topology: BoxTopology, pod: BoxPod, dnsService: string): void {
  const dir = join("/etc/netns", pod.netns);
  mkdirSync(dir, { recursive: true });
  const domain = topology.dnsDomain;
  writeFileSync(
    join(dir, "resolv.conf"),
    `search ${pod.namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver ${dnsService}\noptions ndots:5\n`,
  );
}

export interface BuiltBox {
  readonly topology: BoxTopology;
  readonly datapath: Datapath;
}

/**
 * Builds the box, holding it (holdBox): every part inside namespaces it
 * creates, nothing in the host's own network namespace. The caller tears it down (teardownBox) on
 * every exit path.
 */
export function buildBox(topology: BoxTopology, datapath: Datapath, temporary: boolean): BuiltBox {
  if (topology.nodes.length !== 2) throw new Error("the box joins exactly two nodes by one underlay link");
  const [first, second] = topology.nodes;
  const paths = boxPaths(topology.prefix);
  const state = { topology, datapath, madeEtcNetns: !existsSync("/etc/netns"), temporary };
  writeState(topology.prefix, { ...state, complete: false });
  for (const netns of namespacesOf(topology)) run(["ip", "netns", "add", netns]);
  // The underlay link standing for the VPC: ens4 on both nodes, created inside their namespaces.
  run(["ip", "-n", first.netns, "link", "add", "ens4", "type", "veth", "peer", "name", "ens4", "netns", second.netns]);
  for (const node of topology.nodes) nodeSysctls(node.netns);
  buildNode(topology, first, second);
  buildNode(topology, second, first);
  for (const pod of topology.pods) buildPod(topology, pod);

  // kube-proxy's rules on every node: with eBPF they stay at zero, as in the article.
  for (const node of topology.nodes) installKubeProxyRules(topology, node);
  const client = podByRole(topology, "client");
  if (datapath === "ebpf") {
    const program = loadProgram(paths.bpffs, compiledObject());
    updateMap(program.services, serviceEntries(topology));
    attach(nodeOf(topology, client).netns, client.lxc, program);
  }

  const dnsService = startDns(topology);
  for (const pod of topology.pods.filter((p) => p.role !== "dns")) writeResolvConf(topology, pod, dnsService);
  startListener(topology);
  writeState(topology.prefix, { ...state, complete: true });
  return { topology, datapath };
}
