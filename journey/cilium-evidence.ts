/**
 * Cilium's own evidence for this run's flows, read from the agents after the trigger: the
 * Service's entry in the load-balancer map, the connection-tracking entries of the trigger's
 * client port (tied to the Service by its reverse-NAT id), and Hubble's events for the flow on
 * each traced node. Each is placed beside the hop it confirms, and where Cilium and the captures
 * disagree, that is said.
 */
import { ExchangeResult, HopView } from "./analyzer";
import { CtEntry, ctEntriesFor, parseCtList } from "./cilium-ct";
import { lbEntryFor, LbService, parseLbList } from "./cilium-lb";
import { Executor, outputOf } from "./executor";
import { HubbleEvent, parseHubbleFlows } from "./hubble";
import { CapturePlan, PointKind } from "./plan";

/** A line of Cilium's evidence, beside the hop it speaks of. */
export interface BesideHop {
  readonly direction: "forward" | "reply";
  readonly hop: number;
  readonly text: string;
}

export interface FlowEvidence {
  readonly label: ExchangeResult["label"];
  readonly client: string;
  readonly clientPort: number;
  /** The Service's entry in the client node's load-balancer map, when it has one. */
  readonly service?: LbService;
  /** The client node's connection-tracking entries for the client's port. */
  readonly conntrack: CtEntry[];
  /** Hubble's events for the flow, on each traced node. */
  readonly hubble: (HubbleEvent & { readonly node: string })[];
  readonly beside: BesideHop[];
  /** Where Cilium and the captures disagree, one line each. */
  readonly disagreements: string[];
}

export interface CiliumEvidence {
  readonly flows: FlowEvidence[];
  /** What the evidence as a whole says of itself (Hubble's aggregation). */
  readonly notes: string[];
  /** What could not be read. */
  readonly errors: string[];
}

/** Which capture point each of Hubble's observation points stands at. */
const POINT_KIND: Record<string, PointKind> = { "from-endpoint": "pod", "to-endpoint": "pod", "to-overlay": "overlay", "from-overlay": "overlay" };

const at = (address: string, port: number) => `${address}:${port}`;

/** The hop of the exchange's path where Hubble's event was observed, by node and kind of point. */
function hopOf(exchange: ExchangeResult, event: HubbleEvent & { node: string }): HopView | undefined {
  const path = exchange.hops;
  const kind = POINT_KIND[event.point];
  if (!kind) return undefined;
  if (kind === "overlay") return path.find((h) => h.kind === "overlay" && h.node === event.node);
  // Leaving the client or arriving at the client is hop 1; the other end is the server's lxc.
  const atClient = (event.point === "from-endpoint") !== event.reply;
  const hop = atClient ? path[0] : path.length > 1 && path[path.length - 1].kind === "pod" ? path[path.length - 1] : undefined;
  return hop?.node === event.node ? hop : undefined;
}

/** One line for a group of like events: the first's tuple, how many. */
function eventText(event: HubbleEvent, count: number): string {
  const flags = event.tcpFlags?.length ? ` ${event.tcpFlags.join(",")}` : "";
  return [
    `Hubble ${event.point}: ${at(event.src, event.srcPort)} → ${at(event.dst, event.dstPort)}${flags} ${event.verdict}${count > 1 ? ` ×${count}` : ""}`,
    event.service ? ` (the Service ${event.service}, before translation)` : "",
    event.srcXlated ? ` (on the wire from ${event.srcXlated}: translated back)` : "",
    event.dropReason ? `: ${event.dropReason}` : "",
  ].join("");
}

/** Hubble's events placed beside their hops, and where they and the captures disagree. */
function hubbleBeside(exchange: ExchangeResult, events: FlowEvidence["hubble"]): { beside: BesideHop[]; disagreements: string[] } {
  const groups = new Map<string, { event: FlowEvidence["hubble"][number]; count: number }>();
  for (const event of events) {
    const key = [event.node, event.point, event.reply, event.verdict].join("|");
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { event, count: 1 });
  }
  const beside: BesideHop[] = [];
  const disagreements: string[] = [];
  for (const { event, count } of groups.values()) {
    const direction = event.reply ? "reply" : "forward";
    const views = event.reply ? exchange.reply : exchange.hops;
    // A drop has no observation point: beside the last hop of its node, where the capture lost it.
    const hop = event.point === "drop" ? [...exchange.hops].reverse().find((h) => h.node === event.node) : hopOf(exchange, event);
    if (!hop) continue;
    beside.push({ direction, hop: hop.hop, text: eventText(event, count) });
    const seen = views.find((v) => v.hop === hop.hop);
    if (!seen || (event.verdict !== "FORWARDED" && event.verdict !== "TRANSLATED")) continue;
    const what = direction === "forward" ? "packet" : "answer";
    if (seen.bypassed) {
      // BPF host routing hands it to the pod past the host-side veth: Hubble saw the delivery the capture cannot.
      beside.push({ direction, hop: hop.hop, text: `Hubble's ${event.point} on ${event.node} confirms the ${what} was delivered past ${hop.interface}, which did not see it: BPF host routing` });
      continue;
    }
    if (!seen.seen) {
      disagreements.push(`Hubble saw the ${what} at ${event.point} on ${event.node} (hop ${hop.hop}, ${hop.interface}), where the capture did not`);
      continue;
    }
    // The far side of the flow as it was on the wire there: the destination going, the source coming back.
    const hubbleSays = direction === "forward" ? event.dst : (event.srcXlated ?? event.src);
    const captured = direction === "forward" ? seen.packet!.dst : seen.packet!.src;
    if (hubbleSays !== captured) disagreements.push(`Hubble's ${event.point} on ${event.node} has ${hubbleSays}, the capture at hop ${hop.hop} has ${captured}`);
  }
  return { beside, disagreements };
}

/** The load balancer's entry and the connection's tracking entries, beside the hop that shows the translation. */
function mapsBeside(plan: CapturePlan, exchange: ExchangeResult, service: LbService | undefined, conntrack: CtEntry[], node: string): { beside: BesideHop[]; disagreements: string[] } {
  const vip = plan.target.service;
  const protocol = exchange.protocol.toUpperCase();
  const translated = exchange.hops.find((h) => h.seen && h.packet!.dst !== vip.address);
  const backend = translated && at(translated.packet!.dst, translated.packet!.dstPort);
  const hop = translated?.hop ?? exchange.hops[0].hop;
  const beside: BesideHop[] = [];
  const disagreements: string[] = [];
  const line = (text: string) => beside.push({ direction: "forward", hop, text });
  if (service) {
    line(`Cilium's load balancer on ${node}: ${service.frontend}/${service.protocol ?? protocol} → ${service.backends.join(", ") || "no backend"} (RevNAT ${service.revNat})`);
    if (backend && !service.backends.includes(backend)) disagreements.push(`the capture at hop ${hop} shows ${backend}, which is not among Cilium's backends for ${service.frontend} (${service.backends.join(", ") || "none"})`);
  } else {
    line(`Cilium's load balancer on ${node} has no entry for ${at(vip.address, vip.port)}/${protocol}`);
    if (backend) disagreements.push(`the captures show ${at(vip.address, vip.port)} translated to ${backend}, but Cilium's load balancer on ${node} has no entry for it`);
  }
  const client = exchange.hops[0].packet!;
  if (conntrack.length === 0) line(`Cilium's conntrack on ${node} has no entry for ${at(client.src, client.srcPort)}`);
  for (const entry of conntrack) {
    const tuple = `${entry.protocol} ${entry.direction} ${at(entry.src, entry.srcPort)} → ${at(entry.dst, entry.dstPort)}`;
    line(`Cilium's conntrack on ${node}: ${entry.service ? "the Service's entry " : ""}${tuple}, RevNAT ${entry.revNat}${service && entry.revNat === service.revNat ? " (the Service's)" : ""}`);
    const fromClient = !entry.service && entry.src === client.src && entry.srcPort === client.srcPort;
    if (fromClient && backend && at(entry.dst, entry.dstPort) !== backend) disagreements.push(`Cilium's conntrack sends ${at(client.src, client.srcPort)} to ${at(entry.dst, entry.dstPort)}, the capture at hop ${hop} shows ${backend}`);
    if (fromClient && service && entry.direction === "OUT" && entry.revNat !== 0 && entry.revNat !== service.revNat) {
      disagreements.push(`Cilium's conntrack ties ${at(client.src, client.srcPort)} to RevNAT ${entry.revNat}, the Service ${service.frontend} has ${service.revNat}`);
    }
  }
  return { beside, disagreements };
}

/** Everything Cilium says of one flow, placed beside its hops. Pure: the reading is done before. */
export function relateFlow(
  plan: CapturePlan,
  exchange: ExchangeResult,
  maps: { services?: LbService[]; conntrack?: CtEntry[] },
  hubble: FlowEvidence["hubble"],
): FlowEvidence {
  const lead = exchange.hops[0].packet!;
  const node = plan.client.node;
  const vip = plan.target.service;
  const service = maps.services && lbEntryFor(maps.services, vip.address, vip.port, exchange.protocol);
  const conntrack = maps.conntrack ? ctEntriesFor(maps.conntrack, exchange.protocol, lead.src, lead.srcPort) : [];
  const fromMaps = maps.services && maps.conntrack ? mapsBeside(plan, exchange, service, conntrack, node) : { beside: [], disagreements: [] };
  const fromHubble = hubbleBeside(exchange, hubble);
  return {
    label: exchange.label,
    client: lead.src,
    clientPort: lead.srcPort,
    ...(service ? { service } : {}),
    conntrack,
    hubble,
    beside: [...fromMaps.beside, ...fromHubble.beside],
    disagreements: [...fromMaps.disagreements, ...fromHubble.disagreements],
  };
}

/** Parses a command's output, or says why it could not. */
function parsed<T>(output: { stdout: string } | { error: string }, parse: (text: string) => T, errors: string[], what: string): T | undefined {
  if ("error" in output) return void errors.push(output.error);
  try {
    return parse(output.stdout);
  } catch (error) {
    errors.push(`${what} could not be read: ${error instanceof Error ? error.message : error}`);
    return undefined;
  }
}

/** The client node's load-balancer and connection-tracking maps, as read right after the trigger. */
export interface CiliumMaps {
  readonly services?: LbService[];
  readonly conntrack?: CtEntry[];
  readonly errors: string[];
}

const onAgent = (executor: Executor, node: string, what: string, argv: string[]) => outputOf(executor.onAgent(node, argv), what, node);

/** Reads the maps on the client's node; right after the trigger, before a closed connection's entries are collected. */
export async function readCiliumMaps(executor: Executor, plan: CapturePlan): Promise<CiliumMaps> {
  const errors: string[] = [];
  const node = plan.client.node;
  const services = parsed(await onAgent(executor, node, "cilium-dbg bpf lb list", ["cilium-dbg", "bpf", "lb", "list"]), parseLbList, errors, "cilium-dbg bpf lb list");
  const conntrack = parsed(await onAgent(executor, node, "cilium-dbg bpf ct list", ["cilium-dbg", "bpf", "ct", "list", "global"]), parseCtList, errors, "cilium-dbg bpf ct list");
  return { ...(services ? { services } : {}), ...(conntrack ? { conntrack } : {}), errors };
}

/**
 * Cilium's evidence for the exchanges that left the client pod (TCP, UDP): the maps read before,
 * and Hubble's events on every traced node for the last `sinceSeconds`.
 */
export async function readCiliumEvidence(executor: Executor, plan: CapturePlan, exchanges: ExchangeResult[], maps: CiliumMaps, sinceSeconds: number): Promise<CiliumEvidence> {
  const errors = [...maps.errors];
  const nodes = [...new Set(plan.points.map((p) => p.node))];
  const flows: FlowEvidence[] = [];
  for (const exchange of exchanges.filter((e) => e.label !== "DNS" && e.hops[0].packet)) {
    const lead = exchange.hops[0].packet!;
    const hubble: FlowEvidence["hubble"] = [];
    for (const node of nodes) {
      const argv = ["hubble", "observe", "--since", `${sinceSeconds}s`, "--ip", lead.src, "--port", String(lead.srcPort), "--protocol", exchange.protocol, "-o", "jsonpb"];
      const events = parsed(await onAgent(executor, node, "hubble observe", argv), parseHubbleFlows, errors, `hubble observe on ${node}`);
      hubble.push(...(events ?? []).map((e) => ({ ...e, node })));
    }
    flows.push(relateFlow(plan, exchange, maps, hubble));
  }
  const all = flows.flatMap((f) => f.hubble);
  const notes =
    all.length > 0 && !all.some((e) => e.point.startsWith("from-"))
      ? ["Hubble reported no from-endpoint or from-overlay events: the agent aggregates its trace events (Helm's bpf.monitorAggregation above none; the chart's default, medium, sends no from-* point)"]
      : [];
  return { flows, notes, errors };
}
