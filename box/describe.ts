import { programAt, rewriteCounts } from "./bpf";
import { inNetns } from "./command";
import { Datapath } from "./preflight";
import { boxPaths, readState } from "./state";
import { boxNamespaces } from "./teardown";
import { BoxTopology, podByRole } from "./topology";

/** What `box up` prints: how to get into each part, and the article's commands to try there. */
export function howToExplore(topology: BoxTopology, datapath: Datapath): string {
  const client = podByRole(topology, "client");
  const server = podByRole(topology, "server");
  const target = topology.services.find((s) => s.backend === server.name)!;
  const [node1] = topology.nodes;
  const lines = [`The box is up (datapath ${datapath}). Enter its parts as root:`];
  for (const node of topology.nodes) lines.push(`  ${node.name.padEnd(22)} ip netns exec ${node.netns} bash    # ens4 ${node.address}, cilium_vxlan, cilium_host ${node.gateway}`);
  for (const pod of topology.pods) {
    lines.push(`  ${`${pod.namespace}/${pod.name}`.padEnd(22)} ip netns exec ${pod.netns} bash    # ${pod.address} on ${pod.node}, host side ${pod.lxc}`);
  }
  lines.push(
    "",
    `The article's commands, on ${node1.name} (ip netns exec ${node1.netns} …):`,
    "  ip -d link show                         # find the pod's lxc by its link-netns",
    `  tshark -i ${client.lxc}            # then, in the client pod: nc ${target.name}.${target.namespace} ${target.ports[0].port}`,
    "  tshark -i cilium_vxlan                  # the destination is already the pod's address",
    `  tshark -i ens4 -f udp -d udp.port==${topology.vxlan.port},vxlan   # VXLAN between ${topology.nodes.map((n) => n.address).join(" and ")}`,
    `  iptables -t nat -L -v | grep ${target.address}    # kube-proxy's rules: ${datapath === "ebpf" ? "0 packets, eBPF did it" : "they count"}`,
    "  bpftool net                             # the programs on each interface",
    "",
    "npx labyrinth journey --local traces all of it at once; npx labyrinth box down removes the box.",
  );
  return lines.join("\n");
}

/** What `box status` prints. */
export function boxStatus(prefix: string): string {
  const state = readState(prefix);
  const namespaces = boxNamespaces(prefix);
  if (!state && namespaces.length === 0) return "no box is up (npx labyrinth box up builds one)";
  const lines = [
    state ? `box ${state.complete ? "up" : "half-built (npx labyrinth box down removes it)"}, datapath ${state.datapath}` : "no state file: remains of a crashed box (npx labyrinth box down removes them)",
    `namespaces: ${namespaces.join(", ") || "none"}`,
  ];
  if (state?.fault) {
    lines.push(state.fault.quiz ? "a fault is made, kept secret: find it with npx labyrinth journey --local; box fix says what it was" : `fault: ${state.fault.name} (npx labyrinth box fix undoes it)`);
  }
  if (state?.complete) {
    const client = podByRole(state.topology, "client");
    const node = state.topology.nodes.find((n) => n.name === client.node)!;
    const programs = inNetns(node.netns, ["bpftool", "net"], { allowFailure: true }).stdout;
    const attached = programs.split("\n").filter((l) => l.startsWith(client.lxc));
    lines.push(`eBPF on ${client.lxc}: ${attached.length > 0 ? attached.map((l) => l.split(" ").slice(1).join(" ")).join("; ") : "none"}`);
    if (state.datapath === "ebpf") {
      const counts = rewriteCounts(programAt(boxPaths(prefix).bpffs).rewrites);
      lines.push(`packets rewritten so far: ${counts.toBackend} to a backend pod, ${counts.toService} back to the service address`);
    }
  }
  return lines.join("\n");
}
