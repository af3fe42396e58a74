/**
 * The article's two proofs that eBPF, not kube-proxy, rewrote the service address: the eBPF
 * programs attached to the node's interfaces (`bpftool net`), and kube-proxy's nat rules for the
 * Service with their hit counters (`iptables-save -c`), all zero when eBPF did the work.
 */
import { Executor } from "./executor";
import { CapturePlan } from "./plan";

export interface AttachedProgram {
  readonly interface: string;
  /** ingress or egress (tc), or xdp. */
  readonly hook: string;
  readonly name: string;
}

export interface NatRule {
  readonly packets: number;
  readonly chain: string;
  readonly rule: string;
}

export interface Proof {
  readonly node: string;
  readonly programs: AttachedProgram[];
  /** The nat rules that name the target Service's address, with their counters. */
  readonly natRules: NatRule[];
  /** Who rewrote the service address, as far as the node can tell. */
  readonly verdict: "ebpf" | "iptables" | "unknown";
  /** What could not be read, one line each: then the verdict says less. */
  readonly errors: string[];
}

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
export function parseIptablesSave(text: string): NatRule[] {
  return text
    .split("\n")
    .map((line) => /^\[(\d+):\d+\] -A (\S+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ packets: Number(m[1]), chain: m[2], rule: m[3] }));
}

/** Reads both proofs on the client's node, where the service address is rewritten. */
export async function readProof(executor: Executor, plan: CapturePlan, iptablesSave: string[] = ["iptables-save", "-c", "-t", "nat"]): Promise<Proof> {
  const node = plan.client.node;
  const errors: string[] = [];
  const read = async (what: string, argv: string[], where: "host" | "agent" = "host") => {
    const run = where === "agent" ? executor.onAgent(node, argv) : executor.onNode(node, argv);
    const result = await run.catch((error: Error) => ({ status: -1, stdout: "", stderr: error.message }));
    if (result.status !== 0) errors.push(`${what} failed on ${node}: ${(result.stderr || result.stdout).trim().split("\n").pop() || `exit ${result.status}`}`);
    return result.status === 0 ? result.stdout : undefined;
  };
  const net = await read("bpftool net", ["bpftool", "-j", "net"], "agent");
  const programs = net === undefined ? [] : parseBpftoolNet(net);
  const saved = await read("iptables-save", iptablesSave);
  const service = plan.target.service.address;
  const natRules = saved === undefined ? [] : parseIptablesSave(saved).filter((r) => r.rule.includes(`${service}/32`));
  const hits = natRules.reduce((sum, r) => sum + r.packets, 0);
  const onClientLxc = programs.some((p) => p.interface === plan.points[0].interface);
  const verdict = hits > 0 ? "iptables" : onClientLxc && saved !== undefined ? "ebpf" : "unknown";
  return { node, programs, natRules, verdict, errors };
}
