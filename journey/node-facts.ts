/**
 * What the nodes themselves say about a lost packet, beside the captures: the firewall rules that
 * dropped packets during the run (iptables' filter table, counted before the captures and after
 * the trigger), whether each node forwards at all, and the capture points' links that have no
 * carrier. The diagnosis puts these first: they are evidence, where its other causes are the usual
 * suspects for where the packet stopped.
 */
import { parseCidr, parseAddress, contains } from "../model/ipv4";
import { Executor, outputOf } from "./executor";
import { Counted, countedSince, iptablesSave, parseIptablesSave, RuleCount } from "./iptables-counters";
import { CapturePlan } from "./plan";

/** A filter rule (or a chain's policy) that dropped or rejected packets during the run. */
export interface FirewallDrop extends Counted {
  readonly node: string;
}

/** A capture point's interface that is up but carries nothing: its link's other end is down. */
export interface LinkDown {
  readonly node: string;
  readonly interface: string;
  /** The kernel's operational state: LOWERLAYERDOWN for a veth whose pod end is down. */
  readonly state: string;
}

export interface NodeFacts {
  readonly drops: FirewallDrop[];
  /** Nodes whose net.ipv4.ip_forward is 0: they route nothing between their interfaces. */
  readonly notForwarding: string[];
  readonly linksDown: LinkDown[];
  /** What could not be read, one line each. */
  readonly errors: string[];
}

/** The filter counters per node before the run; a node missing could not be read. */
export type DropBaseline = Map<string, RuleCount[]>;

const nodesOf = (plan: CapturePlan) => plan.nodes.map((n) => n.name);
const drops = (rules: RuleCount[]) => rules.filter((r) => / -j (DROP|REJECT)\b/.test(` ${r.rule}`) || r.rule === "policy DROP");

/** The filter table's drop counters on every traced node, before the captures start. */
export async function readDropCounters(executor: Executor, plan: CapturePlan, onHost: string[] = []): Promise<DropBaseline> {
  const read = await Promise.all(nodesOf(plan).map(async (node) => [node, await outputOf(executor.onNode(node, iptablesSave("filter", onHost)), "iptables-save", node)] as const));
  return new Map(read.flatMap(([node, saved]) => ("stdout" in saved ? [[node, drops(parseIptablesSave(saved.stdout))] as const] : [])));
}

/** `ip -j link show` → the named interfaces that are up but have no carrier. */
export function linksWithoutCarrier(json: string, node: string, interfaces: string[]): LinkDown[] {
  const links = JSON.parse(json || "[]") as { ifname: string; flags?: string[]; operstate?: string }[];
  return links
    .filter((l) => interfaces.includes(l.ifname) && (l.flags ?? []).includes("NO-CARRIER"))
    .map((l) => ({ node, interface: l.ifname, state: l.operstate ?? "DOWN" }));
}

/** Reads every traced node's facts after the trigger; the drops are what each rule counted since the baseline. */
export async function readNodeFacts(executor: Executor, plan: CapturePlan, baseline: DropBaseline, onHost: string[] = []): Promise<NodeFacts> {
  const errors: string[] = [];
  const perNode = await Promise.all(
    nodesOf(plan).map(async (node) => {
      const [saved, forwarding, links] = await Promise.all([
        outputOf(executor.onNode(node, iptablesSave("filter", onHost)), "iptables-save", node),
        outputOf(executor.onNode(node, [...onHost, "cat", "/proc/sys/net/ipv4/ip_forward"]), "reading net.ipv4.ip_forward", node),
        outputOf(executor.onNode(node, [...onHost, "ip", "-j", "link", "show"]), "ip link", node),
      ]);
      const before = baseline.get(node);
      if (!before) errors.push(`the firewall's counters on ${node} could not be read before the run: its drops are not told`);
      const counted = "stdout" in saved && before ? countedSince(drops(parseIptablesSave(saved.stdout)), before).filter((r) => r.packets > 0) : [];
      for (const read of [saved, forwarding, links]) if ("error" in read) errors.push(read.error);
      const interfaces = plan.points.filter((p) => p.node === node).map((p) => p.interface);
      return {
        drops: counted.map((r) => ({ ...r, node })),
        notForwarding: "stdout" in forwarding && forwarding.stdout.trim() === "0" ? [node] : [],
        linksDown: "stdout" in links ? linksWithoutCarrier(links.stdout, node, interfaces) : [],
      };
    }),
  );
  return {
    drops: perNode.flatMap((n) => n.drops),
    notForwarding: perNode.flatMap((n) => n.notForwarding),
    linksDown: perNode.flatMap((n) => n.linksDown),
    errors,
  };
}

/** What of a flow a firewall rule could name: its addresses, its ports, the interfaces it crosses. */
export interface FlowTerms {
  readonly addresses: string[];
  readonly ports: number[];
  readonly interfaces: string[];
}

/** Selectors that only qualify a rule (its protocol, a comment, its target), not narrow it to some traffic. */
const QUALIFIERS = new Set(["-p", "-m", "--comment", "-j", "--reject-with"]);

/**
 * Whether a dropping rule could have dropped this flow: it names one of its addresses (or a network
 * holding one), ports or interfaces, or it narrows nothing (a policy, `-j DROP` alone, `-p udp -j
 * DROP`). A rule that narrows to other traffic (`--ctstate INVALID`, another address) is left out.
 */
export function concernsFlow(rule: string, flow: FlowTerms): boolean {
  if (rule.startsWith("policy ")) return true;
  const words = rule.match(/"[^"]*"|\S+/g) ?? [];
  const selectors = words.filter((w, i) => w.startsWith("-") && !QUALIFIERS.has(w) && !QUALIFIERS.has(words[i - 1] ?? ""));
  const named = words.some((word) => {
    if (flow.interfaces.includes(word) || flow.ports.map(String).includes(word)) return true;
    const network = /^(\d+\.\d+\.\d+\.\d+)(\/\d+)?$/.exec(word);
    if (!network) return false;
    try {
      const cidr = parseCidr(network[2] ? word : `${word}/32`, "rule");
      return flow.addresses.some((a) => contains(cidr, parseAddress(a, "flow")));
    } catch {
      return false;
    }
  });
  return named || selectors.length === 0;
}
