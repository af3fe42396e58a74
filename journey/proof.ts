/**
 * The article's two proofs that eBPF, not kube-proxy, rewrote the service address: the eBPF
 * programs attached to the node's interfaces (`bpftool net`), and kube-proxy's nat rules for the
 * Service with their hit counters (`iptables-save -c`), read before the captures start and after
 * the trigger: only what they counted meanwhile is this run's. Beside them, the Cilium agent's own
 * view (`cilium-dbg status`): whether it replaces kube-proxy, and where it load-balances.
 */
import { AgentStatus, parseAgentStatus } from "./cilium-status";
import { Executor, outputOf } from "./executor";
import { Counted, countedSince, iptablesSave, parseIptablesSave, RuleCount } from "./iptables-counters";
import { CapturePlan } from "./plan";

export interface AttachedProgram {
  readonly interface: string;
  /** ingress or egress (tc), or xdp. */
  readonly hook: string;
  readonly name: string;
}

/** A nat rule for the Service, and what it counted during this run (after a reset, at least this). */
export type NatRule = Counted;

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

/** The nat counters before the run, or why they could not be read. */
export type NatBaseline = { readonly rules: RuleCount[] } | { readonly error: string };

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

/** kube-proxy's nat rules for the target Service on the client's node, with their counters now. */
export async function readNatCounters(executor: Executor, plan: CapturePlan, onHost: string[] = []): Promise<NatBaseline> {
  const node = plan.client.node;
  const saved = await outputOf(executor.onNode(node, iptablesSave("nat", onHost)), "iptables-save", node);
  if ("error" in saved) return saved;
  return { rules: parseIptablesSave(saved.stdout).filter((r) => r.rule.includes(`${plan.target.service.address}/32`)) };
}

/** Reads the proofs on the client's node, where the service address is rewritten, after the trigger. */
export async function readProof(executor: Executor, plan: CapturePlan, baseline: NatBaseline, onHost: string[] = []): Promise<Proof> {
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
  const after = await readNatCounters(executor, plan, onHost);
  if ("error" in after) errors.push(after.error);
  const natRules = "rules" in after ? countedSince(after.rules, "rules" in baseline ? baseline.rules : []) : [];
  const hits = natRules.reduce((sum, r) => sum + r.packets, 0);
  const onClientLxc = programs.some((p) => p.interface === plan.points[0].interface);
  // No hit since a reset does not say kube-proxy did not translate: its hits may have been zeroed.
  const silent = "rules" in after && !natRules.some((r) => r.reset);
  const verdict = "error" in baseline ? "unknown" : hits > 0 ? "iptables" : onClientLxc && silent ? "ebpf" : "unknown";
  return { node, programs, natRules, hasAgent: executor.hasAgent, ...(agent ? { agent } : {}), verdict, errors };
}
