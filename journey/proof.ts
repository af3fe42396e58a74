/**
 * The article's two proofs that eBPF, not kube-proxy, rewrote the service address: the eBPF
 * programs attached to the node's interfaces (`bpftool net`), and kube-proxy's nat rules for the
 * Service with their hit counters (`iptables-save -c`), read before the captures start and after
 * the trigger: only what they counted meanwhile is this run's. Beside them, the Cilium agent's own
 * view (`cilium-dbg status`): whether it replaces kube-proxy, and where it load-balances.
 */
import { AgentStatus, parseAgentStatus } from "./cilium-status";
import { Executor, outputOf } from "./executor";
import { CapturePlan } from "./plan";

export interface AttachedProgram {
  readonly interface: string;
  /** ingress or egress (tc), or xdp. */
  readonly hook: string;
  readonly name: string;
}

export interface NatRule {
  /** Packets it counted during this run: after the trigger, less before the captures; after a reset, at least this. */
  readonly packets: number;
  /** Packets it had counted before the run (earlier connections from the node). */
  readonly before: number;
  /** Its counter went down during the run: kube-proxy rewrote its chains, zeroing the counters (a sync). */
  readonly reset?: true;
  readonly chain: string;
  readonly rule: string;
}

export interface Proof {
  readonly node: string;
  readonly programs: AttachedProgram[];
  /** The nat rules that name the target Service's address, with their counters. */
  readonly natRules: NatRule[];
  /** Whether the node runs a Cilium agent (the box has none). */
  readonly hasAgent: boolean;
  /** The agent's own view, when it could be read. */
  readonly agent?: AgentStatus;
  /** Who rewrote the service address, as far as the node can tell. */
  readonly verdict: "ebpf" | "iptables" | "unknown";
  /** What could not be read, one line each: then the verdict says less. */
  readonly errors: string[];
}

/** A nat rule and its counter at one moment. */
export type NatCount = Omit<NatRule, "before" | "reset">;

/** The nat counters before the run, or why they could not be read. */
export type NatBaseline = { readonly rules: NatCount[] } | { readonly error: string };

const IPTABLES_SAVE = ["iptables-save", "-c", "-t", "nat"];

/** `bpftool -j net` → the programs per interface. */
export function parseBpftoolNet(json: string): AttachedProgram[] {
  const [sections] = JSON.parse(json || "[{}]") as Record<string, { devname: string; kind?: string; name?: string; id: number }[]>[];
  return Object.entries(sections ?? {}).flatMap(([section, entries]) =>
    entries
      .filter((e) => e.devname)
      .map((e) => ({
        interface: e.devname,
        // clsact/ingress, tcx/ingress (Cilium on newer kernels), or the section itself (xdp).
        hook: e.kind ? e.kind.split("/").pop()! : section,
        name: (e.name ?? `id ${e.id}`).replace(/:\[.*\]$/, ""),
      })),
  );
}

/** `iptables-save -c -t nat` → rules with their packet counters. */
export function parseIptablesSave(text: string): NatCount[] {
  return text
    .split("\n")
    .map((line) => /^\[(\d+):\d+\] -A (\S+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ packets: Number(m[1]), chain: m[2], rule: m[3] }));
}

/** kube-proxy's nat rules for the target Service on the client's node, with their counters now. */
export async function readNatCounters(executor: Executor, plan: CapturePlan, iptablesSave = IPTABLES_SAVE): Promise<NatBaseline> {
  const node = plan.client.node;
  const saved = await outputOf(executor.onNode(node, iptablesSave), "iptables-save", node);
  if ("error" in saved) return saved;
  return { rules: parseIptablesSave(saved.stdout).filter((r) => r.rule.includes(`${plan.target.service.address}/32`)) };
}

/**
 * The counters now, less the baseline: what this run counted. A rule new since the baseline counted
 * from zero; a counter below its baseline was zeroed by a kube-proxy sync, and all it counted since is
 * this run's (what the run counted before the reset is lost).
 */
function counted(now: NatCount[], baseline: NatBaseline): NatRule[] {
  const earlier = "rules" in baseline ? baseline.rules : [];
  return now.map((r) => {
    const before = earlier.find((e) => e.chain === r.chain && e.rule === r.rule)?.packets ?? 0;
    return r.packets < before ? { ...r, before, reset: true } : { ...r, packets: r.packets - before, before };
  });
}

/** Reads the proofs on the client's node, where the service address is rewritten, after the trigger. */
export async function readProof(executor: Executor, plan: CapturePlan, baseline: NatBaseline, iptablesSave = IPTABLES_SAVE): Promise<Proof> {
  const node = plan.client.node;
  const errors: string[] = [];
  const net = await outputOf(executor.onAgent(node, ["bpftool", "-j", "net"]), "bpftool net", node);
  const programs = "stdout" in net ? parseBpftoolNet(net.stdout) : (errors.push(net.error), []);
  let agent: AgentStatus | undefined;
  if (executor.hasAgent) {
    const status = await outputOf(executor.onAgent(node, ["cilium-dbg", "status", "-o", "json"]), "cilium-dbg status", node);
    if ("error" in status) errors.push(status.error);
    else {
      try {
        agent = parseAgentStatus(status.stdout);
      } catch (error) {
        errors.push(`cilium-dbg status on ${node} could not be read: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  if ("error" in baseline) errors.push(`${baseline.error} (before the run: the counters cannot be told apart from earlier traffic)`);
  const after = await readNatCounters(executor, plan, iptablesSave);
  if ("error" in after) errors.push(after.error);
  const natRules = "rules" in after ? counted(after.rules, baseline) : [];
  const hits = natRules.reduce((sum, r) => sum + r.packets, 0);
  const onClientLxc = programs.some((p) => p.interface === plan.points[0].interface);
  // No hit since a reset does not say kube-proxy did not translate: its hits may have been zeroed.
  const silent = "rules" in after && !natRules.some((r) => r.reset);
  const verdict = "error" in baseline ? "unknown" : hits > 0 ? "iptables" : onClientLxc && silent ? "ebpf" : "unknown";
  return { node, programs, natRules, hasAgent: executor.hasAgent, ...(agent ? { agent } : {}), verdict, errors };
}
