/**
 * `iptables-save -c` read twice, before the captures start and after the trigger, and told apart:
 * only what a rule counted in between is this run's. The nat table proves who rewrote the Service
 * address; the filter table, which firewall rule dropped a lost packet.
 */

/** A rule, or a built-in chain's policy, and its packet counter at one moment. */
export interface RuleCount {
  readonly packets: number;
  readonly chain: string;
  /** The rule after `-A CHAIN`, or `policy DROP` for the chain's own policy. */
  readonly rule: string;
}

/** What a rule counted during the run. */
export interface Counted extends RuleCount {
  /** Packets it had counted before the run (earlier traffic). */
  readonly before: number;
  /** Its counter went down during the run: its chain was rewritten, zeroing the counters (a kube-proxy sync). */
  readonly reset?: true;
}

/** The command that prints a table with its counters, run as `onHost` says (the lab: in the host's own namespaces). */
export const iptablesSave = (table: "nat" | "filter", onHost: string[] = []) => [...onHost, "iptables-save", "-c", "-t", table];

/** `iptables-save -c` → rules (and chain policies) with their packet counters. */
export function parseIptablesSave(text: string): RuleCount[] {
  return text.split("\n").flatMap((line): RuleCount[] => {
    const rule = /^\[(\d+):\d+\] -A (\S+) (.*)$/.exec(line);
    if (rule) return [{ packets: Number(rule[1]), chain: rule[2], rule: rule[3] }];
    const policy = /^:(\S+) (ACCEPT|DROP) \[(\d+):\d+\]$/.exec(line);
    return policy ? [{ packets: Number(policy[3]), chain: policy[1], rule: `policy ${policy[2]}` }] : [];
  });
}

/**
 * The counters now, less those before: what this run counted. A rule new since then counted from
 * zero; a counter below its earlier value was zeroed meanwhile, and all it counted since is this
 * run's (what the run counted before the reset is lost).
 */
export function countedSince(now: RuleCount[], earlier: RuleCount[]): Counted[] {
  return now.map((r) => {
    const before = earlier.find((e) => e.chain === r.chain && e.rule === r.rule)?.packets ?? 0;
    return r.packets < before ? { ...r, before, reset: true } : { ...r, packets: r.packets - before, before };
  });
}
