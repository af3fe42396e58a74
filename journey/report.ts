/** The journey's result for people: a hop table per exchange and a summary in the article's terms. */
import { ExchangeResult, HopView } from "./analyzer";
import { BesideHop, CiliumEvidence } from "./cilium-evidence";
import { Packet } from "./decode";
import { Proof } from "./proof";
import { JourneyResult } from "./result";

/** What a packet is: "DNS query NAME", "TCP SYN,ACK", "UDP 31 B". */
export function packetWhat(p: Packet): string {
  return p.dns
    ? `DNS ${p.dns.response ? "answer" : "query"} ${p.dns.name}`
    : p.tcp
      ? `TCP ${p.tcp.flags.join(",")}${p.tcp.payload > 0 ? ` ${p.tcp.payload} B` : ""}`
      : `UDP ${p.udpLength! - 8} B`;
}

function packetText(p: Packet): string {
  return `${p.src}:${p.srcPort} → ${p.dst}:${p.dstPort} ${packetWhat(p)}`;
}

function outerText(p?: Packet): string {
  return p?.outer ? `${p.outer.src} → ${p.outer.dst} udp/${p.outer.dstPort} vni ${p.outer.vni}` : "";
}

/** Columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

function hopRows(hops: HopView[]): string[][] {
  return hops.map((h) => [
    String(h.hop),
    h.node,
    h.insidePod ? "eth0, inside the pod" : h.interface,
    h.packet ? packetText(h.packet) : "—",
    outerText(h.packet),
    h.sinceMs === undefined ? "" : `+${h.sinceMs.toFixed(3)} ms`,
    h.change,
  ]);
}

const HEADER = ["hop", "node", "interface", "packet (inner)", "outer (VXLAN)", "time", "what changed"];

/** Rendered rows of a hop table, each followed by what Cilium says of that hop (its maps, Hubble). */
function withBeside(rows: string[], hops: HopView[], beside: BesideHop[]): string[] {
  return rows.flatMap((row, i) => [`  ${row}`, ...beside.filter((b) => b.hop === hops[i].hop).map((b) => `       ↳ ${b.text}`)]);
}

export function renderTables(result: JourneyResult): string[] {
  const lines: string[] = [];
  for (const exchange of result.exchanges) {
    const plan = exchange.label === "DNS" ? result.plan.dnsService : result.plan.target.service;
    const beside = result.cilium?.flows.find((f) => f.label === exchange.label)?.beside ?? [];
    const { hops, reply } = exchange;
    const data = exchange.data ?? [];
    // One table for the way there, the reply and the data, so that their columns line up.
    const [header, ...rows] = table(HEADER, hopRows([...hops, ...reply, ...data]));
    lines.push("", `${exchange.label} from ${result.plan.client.pod} to ${plan.address}:${plan.port}${exchange.ok ? "" : "  ✗"}`, `  ${header}`);
    lines.push(...withBeside(rows.slice(0, hops.length), hops, beside.filter((b) => b.direction === "forward")));
    if (reply.length > 0) lines.push("  reply:", ...withBeside(rows.slice(hops.length, hops.length + reply.length), reply, beside.filter((b) => b.direction === "reply")));
    if (data.length > 0) lines.push("  first segment of data:", ...withBeside(rows.slice(hops.length + reply.length), data, []));
  }
  return lines;
}

function dnsSummary(result: JourneyResult, dns: ExchangeResult): string {
  const asked = (dns.dns ?? []).filter((q) => q.type === "A").map((q) => `${q.name} → ${q.answer}`);
  const tunnel = dns.hops.find((h) => h.kind === "overlay" && h.seen)?.packet;
  const wire = dns.hops.find((h) => h.kind === "underlay" && h.seen)?.packet;
  const farNode = wire?.outer ? (result.plan.nodes.find((n) => n.address === wire.outer!.dst)?.name ?? wire.outer.dst) : undefined;
  const where = tunnel ? ` In the tunnel the query went to the DNS pod itself, ${tunnel.dst}${farNode ? ` on ${farNode}` : ""}.` : "";
  return `DNS: the client's resolver asked the cluster DNS Service ${result.plan.dnsService.address} (search list, ndots:5): ${asked.join("; ") || "nothing"}.${where}`;
}

/** Whether the exchange's first packet left the pod already addressed to a backend: translated at connect(). */
const translatedAtConnect = (exchange: ExchangeResult, service: string) => exchange.hops[0].packet !== undefined && exchange.hops[0].packet.dst !== service;

function flowSummary(result: JourneyResult, exchange: ExchangeResult): string {
  const [first, ...rest] = exchange.hops;
  const lead = first.packet!;
  const tunnel = rest.find((h) => h.kind === "overlay" && h.seen)?.packet;
  const wire = rest.find((h) => h.kind === "underlay" && h.seen)?.packet;
  const last = exchange.hops[exchange.hops.length - 1];
  const back = exchange.reply[exchange.reply.length - 1];
  const proof = result.proof;
  const service = result.plan.target.service;
  const who =
    proof.verdict === "ebpf"
      ? `the eBPF program on ${first.interface} rewrote it (kube-proxy's nat rules for ${service.address}: ${natText(proof)})`
      : proof.verdict === "iptables"
        ? `kube-proxy's iptables DNAT rewrote it (its nat rules for ${service.address}: ${natText(proof)})`
        : "something on the node rewrote it";
  // The summary follows the table: a packet that left the pod for a backend was not rewritten on the way.
  const atConnect = translatedAtConnect(exchange, service.address);
  const parts = [
    atConnect
      ? `${exchange.label}: the first packet left the client pod already addressed to the pod ${lead.dst}:${lead.dstPort} (hop 1, ${first.interface}): the Service ${service.address}:${service.port} was translated at connect(), by Cilium's socket load balancing, before any packet left.`
      : `${exchange.label}: the first packet left the client pod for the Service's ClusterIP ${lead.dst}:${lead.dstPort} (hop 1, ${first.interface}).`,
    tunnel
      ? atConnect
        ? `At ${first.node}'s cilium_vxlan its destination was the same pod, ${tunnel.dst}:${tunnel.dstPort}: nothing on the way rewrote it.`
        : `At ${first.node}'s cilium_vxlan its destination was already the pod ${tunnel.dst}:${tunnel.dstPort}: ${who}.`
      : "",
    wire?.outer ? `${wire.interface} carried it from ${wire.outer.src} to ${wire.outer.dst} inside VXLAN (UDP ${wire.outer.dstPort}, VNI ${wire.outer.vni}).` : "",
    last.insidePod
      ? `${last.node}'s cilium_vxlan unwrapped it and Cilium handed it straight to the server pod's eth0, where it was seen, past ${last.interface} (BPF host routing).`
      : last.bypassed
        ? `${last.node}'s cilium_vxlan unwrapped it and it reached the server pod past ${last.interface}, which did not see it (BPF host routing).`
        : last.seen
          ? `${last.node}'s cilium_vxlan unwrapped it and ${last.interface} delivered it to the server pod.`
          : "",
    back?.seen
      ? atConnect
        ? `The reply came back the same way, from the pod's own address (${back.packet!.src}) at ${first.interface}: the socket, not the packet, is turned back into the Service.`
        : `The reply came back the same way; at ${first.interface} its source was the ClusterIP again (${back.packet!.src}).`
      : "",
  ];
  return parts.filter(Boolean).join(" ");
}

function natText(proof: Proof): string {
  if (proof.natRules.length === 0) return "none found";
  const sum = (of: (r: Proof["natRules"][number]) => number) => proof.natRules.reduce((total, r) => total + of(r), 0);
  const before = sum((r) => r.before);
  const rules = `in ${proof.natRules.length} rules (${[...new Set(proof.natRules.map((r) => r.chain))].join(", ")})`;
  if (proof.natRules.some((r) => r.reset)) return `counters were reset during the run (a kube-proxy sync): at least ${sum((r) => r.packets)} packets since, ${rules}`;
  return `${sum((r) => r.packets)} packets during this run ${rules}${before > 0 ? `; ${before} before it, from earlier connections` : ""}`;
}

/** The agent's own view, in one line; or why there is none. */
function agentText(proof: Proof): string | undefined {
  if (!proof.hasAgent) return "the box has no Cilium agent: no cilium-dbg, no load-balancer or connection-tracking maps to read, no Hubble; its eBPF program and kube-proxy's rules stand in for them";
  const agent = proof.agent;
  if (!agent) return undefined;
  return `Cilium's agent (cilium-dbg status): kube-proxy replacement ${agent.kubeProxyReplacement ? "on" : "off"}, socket load balancing ${agent.socketLB}, host routing ${agent.hostRouting}, network ${agent.network}`;
}

/**
 * Why there are no kube-proxy rules, from what the agent says and what hop 1 showed: never
 * guessed from the absence alone (kube-proxy's rules may sit in the iptables backend that
 * iptables-save did not read).
 */
function noRulesText(result: JourneyResult): string | undefined {
  const { proof } = result;
  const service = result.plan.target.service.address;
  if (proof.natRules.length > 0 || proof.errors.some((e) => e.startsWith("iptables-save"))) return undefined;
  if (!proof.hasAgent) return undefined;
  if (!proof.agent) return `no kube-proxy rules for ${service} found; Cilium's own view could not be read, so whether it replaces kube-proxy is not known`;
  if (!proof.agent.kubeProxyReplacement) {
    return `no kube-proxy rules for ${service} found, though Cilium's agent says it does not replace kube-proxy: the rules may sit in the other iptables backend (legacy or nft) than the one iptables-save read`;
  }
  const flows = result.exchanges.filter((e) => e.label !== "DNS" && e.hops[0].seen);
  if (flows.length === 0) return `no kube-proxy rules for ${service}: Cilium replaces kube-proxy and alone translates`;
  return flows.some((e) => translatedAtConnect(e, service))
    ? `no kube-proxy rules for ${service}: Cilium replaces kube-proxy and alone translates; its socket load balancing covers pods, so the rewrite happened at connect() and hop 1 already shows the pod's address`
    : `no kube-proxy rules for ${service}: Cilium replaces kube-proxy and alone translates; socket load balancing is ${proof.agent.socketLB === "off" ? "off" : "kept to the host's namespace"}, so hop 1 still shows the ClusterIP and the rewrite happens at the lxc`;
}

/** Cilium's own evidence per flow: whether it agrees with the captures, and where not. */
function ciliumLines(cilium: CiliumEvidence, node: string): string[] {
  const lines = ["", `Cilium's own evidence (its load-balancer and connection-tracking maps on ${node}, Hubble on each traced node):`];
  for (const flow of cilium.flows) {
    const what = `the load balancer's ${flow.service ? "entry" : "map (no entry)"}, ${flow.conntrack.length} conntrack entries, ${flow.hubble.length} Hubble events`;
    const who = `${flow.label} from ${flow.client}:${flow.clientPort}`;
    lines.push(flow.disagreements.length === 0 ? `- ${who}: agrees with the captures (${what})` : `- ${who}: disagrees with the captures: ${flow.disagreements.join("; ")}`);
  }
  for (const note of cilium.notes) lines.push(`- ${note}`);
  for (const error of cilium.errors) lines.push(`- could not read: ${error}`);
  return lines;
}

/** A failed exchange: what was seen, where it stopped, what came back, the likely causes in order. */
function failureSummary(exchange: ExchangeResult): string {
  const d = exchange.diagnosis;
  if (!d) return `${exchange.label}: ${exchange.problem ?? "it did not go through"}`;
  const causes = d.causes.map((c, i) => `(${i + 1}) ${c}`).join("; ");
  const queries = (exchange.dns ?? []).filter((q) => q.type === "A").map((q) => `${q.name} → ${q.answer}`);
  return [
    `${exchange.label}: ${d.direction === "reply" ? "the way there worked; " : ""}${d.seen}.`,
    `What came back: ${d.cameBack}.`,
    `Likely causes, most likely first: ${causes}.`,
    queries.length > 0 ? `The resolver asked: ${queries.join("; ")}.` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

export function renderSummary(result: JourneyResult): string[] {
  const lines = ["", "What happened:"];
  let explained = false;
  const failures: ExchangeResult[] = [];
  for (const exchange of result.exchanges) {
    const same = failures.find((f) => f.diagnosis && exchange.diagnosis && f.diagnosis.seen === exchange.diagnosis.seen && f.diagnosis.cameBack === exchange.diagnosis.cameBack);
    if (!exchange.ok && same) lines.push(`- ${exchange.label}: the same as ${same.label}.`);
    else if (!exchange.ok) {
      lines.push(`- ${failureSummary(exchange)}`);
      failures.push(exchange);
    }
    else if (exchange.label === "DNS") lines.push(`- ${dnsSummary(result, exchange)}`);
    else if (explained) lines.push(`- ${exchange.label}: the same hops and the same rewrites, there and back.`);
    else {
      lines.push(`- ${flowSummary(result, exchange)}`);
      explained = true;
    }
  }
  for (const note of result.notes) lines.push(`- ${note}`);
  const { proof } = result;
  const programs = proof.programs.map((p) => `${p.name} (${p.hook}) on ${p.interface}`);
  lines.push(
    "",
    `Proof on ${proof.node}:`,
    `- eBPF programs per interface (bpftool net): ${programs.join(", ") || "none"}`,
    `- kube-proxy's nat rules for ${result.plan.target.service.address} (iptables-save -c): ${natText(proof)}`,
  );
  const agent = agentText(proof);
  if (agent) lines.push(`- ${agent}`);
  for (const error of proof.errors) lines.push(`- could not read: ${error}`);
  const noRules = noRulesText(result);
  if (noRules) lines.push(`- ${noRules}`);
  if (result.cilium) lines.push(...ciliumLines(result.cilium, result.plan.client.node));
  for (const note of result.plan.notes) lines.push(`- ${note}`);
  for (const delivery of result.trigger.deliveries) {
    const failed = delivery.error ?? (delivery.received ? `got "${delivery.received.slice(0, 40)}"` : "nothing came back");
    lines.push(`- ${delivery.protocol.toUpperCase()} payload (${delivery.sent.length + 1} bytes) ${delivery.ok ? "delivered and echoed back" : `NOT echoed back (${failed})`}`);
  }
  if (result.pcaps.length > 0) {
    lines.push(`- captures kept for Wireshark: ${result.pcaps.join(", ")} (ens4's VXLAN: tshark -r FILE -d udp.port==${result.plan.tunnelPort},vxlan)`);
  }
  if (!result.ok) lines.push("", ...result.problems.map((p) => `✗ ${p}`));
  return lines;
}

/** A part of the summary: its title ("What happened", "Proof on node-1"), or none (the problems), and its lines without their marks. */
export interface SummarySection {
  readonly title?: string;
  readonly items: string[];
}

/**
 * The summary in parts, in renderSummary's own words, for views that lay it out otherwise (the
 * HTML page): read back from its lines, so that the words are written once, here.
 */
export function summarySections(result: JourneyResult): SummarySection[] {
  const sections: { title?: string; items: string[] }[] = [];
  for (const line of renderSummary(result)) {
    const current = sections[sections.length - 1];
    if (line === "") sections.push({ items: [] });
    else if (current.title === undefined && current.items.length === 0 && line.endsWith(":")) current.title = line.slice(0, -1);
    else current.items.push(line.replace(/^(- |✗ )/, ""));
  }
  return sections.filter((s) => s.title !== undefined || s.items.length > 0);
}

export function renderText(result: JourneyResult): string {
  const head = `The packet's journey ${result.where === "box" ? "in the box" : "on the lab"}: ${result.plan.client.pod} (${result.plan.client.address}, ${result.plan.client.node}) → ${result.plan.target.name} (${result.plan.target.service.address}:${result.plan.target.service.port}) → ${result.plan.server.pod} (${result.plan.server.address}, ${result.plan.server.node})`;
  return [head, ...renderTables(result), ...renderSummary(result)].join("\n");
}
