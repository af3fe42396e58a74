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
const droppingRules = (rules: RuleCount[]) => rules.filter((r) => / -j (DROP|REJECT)\b/.test(` ${r.rule}`) || r.rule === "policy DROP");

/** The filter table's drop counters on every traced node, before the captures start. */
export async function readDropCounters(executor: Executor, plan: CapturePlan, onHost: string[] = []): Promise<DropBaseline> {
  const read = await Promise.all(nodesOf(plan).map(async (node) => [node, await outputOf(executor.onNode(node, iptablesSave("filter", onHost)), "iptables-save", node)] as const));
  return new Map(read.flatMap(([node, saved]) => ("stdout" in saved ? [[node, droppingRules(parseIptablesSave(saved.stdout))] as const] : [])));
}

/** `ip -j link show` → the named interfaces that are up but have no carrier; throws when it is not that JSON. */
export function linksWithoutCarrier(json: string, node: string, interfaces: string[]): LinkDown[] {
  const links = JSON.parse(json || "[]") as { ifname: string; flags?: string[]; operstate?: string }[];
  if (!Array.isArray(links)) throw new Error("not a list of links");
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
      const counted = "stdout" in saved && before ? countedSince(droppingRules(parseIptablesSave(saved.stdout)), before).filter((r) => r.packets > 0) : [];
      for (const read of [saved, forwarding, links]) if ("error" in read) errors.push(read.error);
      const interfaces = plan.points.filter((p) => p.node === node).map((p) => p.interface);
      let linksDown: LinkDown[] = [];
      try {
        if ("stdout" in links) linksDown = linksWithoutCarrier(links.stdout, node, interfaces);
      } catch (error) {
        errors.push(`ip link on ${node} said something that is not its JSON: ${error instanceof Error ? error.message : error}`);
      }
      return {
        drops: counted.map((r) => ({ ...r, node })),
        notForwarding: "stdout" in forwarding && forwarding.stdout.trim() === "0" ? [node] : [],
        linksDown,
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

/** Ports a flow's packets may have besides the known ones: a client's ephemeral port, a VXLAN source port. */
const EPHEMERAL = { from: 32768, to: 65535 };

/** `9999`, `9000:10000`, `8472,4789` (multiport) → its ranges. */
const ranges = (spec: string) =>
  spec.split(",").map((part) => {
    const [low, high = low] = part.split(":").map(Number);
    return { low, high };
  });
const portIn = (spec: string, port: number) => ranges(spec).some((r) => port >= r.low && port <= r.high);
const mayBeEphemeral = (spec: string) => ranges(spec).some((r) => r.high >= EPHEMERAL.from && r.low <= EPHEMERAL.to);

/** Whether an address is in `-s`/`-d`'s value (an address, or a network); false when it is neither. */
function addressIn(value: string, address: string): boolean {
  try {
    return contains(parseCidr(value.includes("/") ? value : `${value}/32`, "rule"), parseAddress(address, "flow"));
  } catch {
    return false;
  }
}

const interfaceIs = (pattern: string, name: string) => (pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/** Options that only qualify a rule (its protocol, a match module's name, a comment, its target), each with its value. */
const QUALIFIERS = new Set(["-p", "--protocol", "-m", "--match", "--comment", "-j", "--jump", "-g", "--goto", "--reject-with"]);
const CONNECTION_STATES = ["NEW", "ESTABLISHED", "RELATED"];

/**
 * Whether a dropping rule could have dropped this flow. Each selector is read with its value (and a
 * `!` before it): `-s`/`-d` against the flow's addresses, `-i`/`-o` against the interfaces it
 * crosses (`lxc+` as a wildcard), ports against its ports (a port it may have without knowing it,
 * an ephemeral one, leaves that selector undecided), `--ctstate`/`--state` against a live
 * connection's. A selector no packet of the flow can satisfy rules it out (`--ctstate INVALID`,
 * another network, `--dport 22`); a rule that narrows nothing (a chain's policy, `-j DROP` alone,
 * `-p udp -j DROP`) is in; one whose only selectors are not understood (`-m mark`) is out.
 */
export function concernsFlow(rule: string, flow: FlowTerms): boolean {
  if (rule.startsWith("policy ")) return true;
  const words = rule.match(/"[^"]*"|\S+/g) ?? [];
  // Per selector: true (some packet of the flow satisfies it), false (none can), undefined (not understood).
  const verdicts: (boolean | undefined)[] = [];
  let negated = false;
  for (let i = 0; i < words.length; i++) {
    const option = words[i];
    if (option === "!") {
      negated = true;
      continue;
    }
    const value = words[i + 1] ?? "";
    const some = <T>(candidates: T[], test: (candidate: T) => boolean) => candidates.some((c) => test(c) !== negated);
    let verdict: boolean | undefined;
    if (QUALIFIERS.has(option)) {
      i++;
      negated = false;
      continue;
    } else if (["-s", "--source", "-d", "--destination"].includes(option)) verdict = some(flow.addresses, (a) => addressIn(value, a));
    else if (["-i", "--in-interface", "-o", "--out-interface"].includes(option)) verdict = some(flow.interfaces, (n) => interfaceIs(value, n));
    else if (/^--(d|s|destination-|source-)?ports?$/.test(option)) {
      verdict = some(flow.ports, (p) => portIn(value, p)) || (mayBeEphemeral(value) ? undefined : false);
    } else if (option === "--ctstate" || option === "--state") verdict = some(CONNECTION_STATES, (state) => value.split(",").includes(state));
    else if (!option.startsWith("-")) continue;
    verdicts.push(verdict);
    negated = false;
    // An option's value follows it; a flag such as --syn has none.
    if (value && !value.startsWith("-") && value !== "!") i++;
  }
  if (verdicts.includes(false)) return false;
  return verdicts.every((v) => v === undefined) ? verdicts.length === 0 : true;
}
