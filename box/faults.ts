/**
 * Faults to practise on: each breaks one thing of the box that is up, as it breaks on a real
 * cluster, and puts it back. `box break` makes one, `box fix` undoes it; the journey is the way
 * to find which.
 */
import { attach, programAt } from "./bpf";
import { inNetns, ipBatch, run } from "./command";
import { installKubeProxyRules, tunnelRoute } from "./build";
import { ownedProcesses } from "./processes";
import { boxPaths, BoxState } from "./state";
import { BoxNode, BoxTopology, nodeOf, podByRole } from "./topology";
import { startDns, startListener } from "./workloads";

export interface Fault {
  readonly name: string;
  /** What it breaks, in the box's own numbers. */
  describe(topology: BoxTopology): string;
  apply(state: BoxState): void;
  revert(state: BoxState): void;
}

/** The underlay MTU that the MTU fault leaves the far node: below what a full-size wrapped packet needs. */
const SMALL_MTU = 1300;
/** Rules a fault adds carry this comment, so that they can be found and removed exactly. */
const COMMENT = ["-m", "comment", "--comment", "labyrinth-fault"];

const clientNode = (t: BoxTopology) => nodeOf(t, podByRole(t, "client"));
const serverNode = (t: BoxTopology) => nodeOf(t, podByRole(t, "server"));
const peerOf = (t: BoxTopology, node: BoxNode) => t.nodes.find((n) => n !== node)!;

function iptables(node: BoxNode, verb: "-I" | "-D", rule: string[]): void {
  inNetns(node.netns, ["iptables", verb, ...rule, ...COMMENT]);
}

/** Stops the box's processes in a pod's namespace (its server), leaving everything else up. */
function stopIn(t: BoxTopology, role: "server" | "dns"): void {
  const netns = podByRole(t, role).netns;
  const inPod = new Set(run(["ip", "netns", "pids", netns], { allowFailure: true }).stdout.split("\n").filter(Boolean).map(Number));
  for (const { pid } of ownedProcesses(t.prefix).filter((p) => inPod.has(p.pid))) process.kill(pid, "SIGKILL");
}

function tunnelBlocked(which: (t: BoxTopology) => BoxNode, name: string): Fault {
  const rule = (t: BoxTopology) => ["INPUT", "-p", "udp", "--dport", String(t.vxlan.port), "-j", "DROP"];
  return {
    name,
    describe: (t) => `${which(t).name} drops the tunnel's UDP ${t.vxlan.port} (a host firewall)`,
    apply: ({ topology: t }) => iptables(which(t), "-I", rule(t)),
    revert: ({ topology: t }) => iptables(which(t), "-D", rule(t)),
  };
}

export const FAULTS: readonly Fault[] = [
  tunnelBlocked(clientNode, "tunnel-blocked-node-1"),
  tunnelBlocked(serverNode, "tunnel-blocked-node-2"),
  {
    name: "underlay-mtu",
    describe: (t) =>
      `${serverNode(t).name}'s ens4 takes ${SMALL_MTU}-byte packets, ${clientNode(t).name}'s sends up to ${t.underlayMtu}: large packets are lost between the nodes (show it with journey --local --size ${SMALL_MTU})`,
    apply: ({ topology: t }) => run(["ip", "-n", serverNode(t).netns, "link", "set", "ens4", "mtu", String(SMALL_MTU)]),
    revert: ({ topology: t }) => run(["ip", "-n", serverNode(t).netns, "link", "set", "ens4", "mtu", String(t.underlayMtu)]),
  },
  {
    name: "no-pod-route",
    describe: (t) => `${clientNode(t).name} has no route to ${serverNode(t).name}'s pod range ${serverNode(t).podCidr}`,
    apply: ({ topology: t }) => ipBatch(clientNode(t).netns, [tunnelRoute("del", peerOf(t, clientNode(t)))]),
    revert: ({ topology: t }) => ipBatch(clientNode(t).netns, [tunnelRoute("add", peerOf(t, clientNode(t)))]),
  },
  {
    name: "policy-drop",
    describe: (t) => `${serverNode(t).name} drops everything to the server pod before it reaches the pod, as a network policy would`,
    apply: ({ topology: t }) => iptables(serverNode(t), "-I", ["FORWARD", "-o", podByRole(t, "server").lxc, "-j", "DROP"]),
    revert: ({ topology: t }) => iptables(serverNode(t), "-D", ["FORWARD", "-o", podByRole(t, "server").lxc, "-j", "DROP"]),
  },
  {
    name: "no-service-translation",
    describe: (t) => `${clientNode(t).name} translates no Service: no eBPF program on the client's lxc, no kube-proxy rules`,
    apply: ({ topology: t, datapath }) => {
      if (datapath === "ebpf") inNetns(clientNode(t).netns, ["tc", "qdisc", "del", "dev", podByRole(t, "client").lxc, "clsact"]);
      inNetns(clientNode(t).netns, ["iptables", "-t", "nat", "-F"]);
    },
    revert: ({ topology: t, datapath }) => {
      if (datapath === "ebpf") attach(clientNode(t).netns, podByRole(t, "client").lxc, programAt(boxPaths(t.prefix).bpffs));
      installKubeProxyRules(t, clientNode(t));
    },
  },
  {
    name: "server-not-listening",
    describe: (t) => `nothing listens on ${t.services.find((s) => s.backend === podByRole(t, "server").name)?.ports[0].targetPort} in the server pod`,
    apply: ({ topology: t }) => stopIn(t, "server"),
    revert: ({ topology: t }) => startListener(t),
  },
  {
    name: "dns-down",
    describe: () => "cluster DNS does not answer: its server is stopped",
    apply: ({ topology: t }) => stopIn(t, "dns"),
    revert: ({ topology: t }) => void startDns(t),
  },
];

export function faultNamed(name: string): Fault | undefined {
  return FAULTS.find((f) => f.name === name);
}
