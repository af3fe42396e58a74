/**
 * From packets to hops. Knows addresses, ports and capture points, nothing of Kubernetes or
 * namespaces: for each exchange it finds the lead packet where it leaves the client, follows it
 * through the expected capture points by what no hop changes (the client's own address and port,
 * protocol, TCP sequence numbers, DNS ids, IP ids: translation rewrites the other side only), says
 * what changed between hops, then follows the reply back.
 */
import { Packet } from "./decode";
import { CapturePoint, Exchange } from "./plan";

export interface HopView {
  readonly hop: number;
  readonly node: string;
  readonly interface: string;
  readonly kind: CapturePoint["kind"];
  readonly seen: boolean;
  readonly packet?: Packet;
  /** What changed since the previous capture point, or why it was not seen. */
  readonly change: string;
  /** Milliseconds since the previous hop, when both are on the same node's clock. */
  readonly sinceMs?: number;
}

export interface ExchangeResult {
  readonly label: Exchange["label"];
  readonly protocol: Exchange["protocol"];
  readonly ok: boolean;
  readonly hops: HopView[];
  /** The answer's way back, hop by hop in reverse. */
  readonly reply: HopView[];
  /** What went wrong, in one line, when not ok. */
  readonly problem?: string;
  /** For DNS: every query and answer seen where the client's packets leave it. */
  readonly dns?: { name: string; type: string; answer: string; server: string }[];
}

const PROBLEM_AT: Record<CapturePoint["kind"], (side: "near" | "far") => string> = {
  overlay: (side) =>
    side === "near"
      ? "it never reached the tunnel: the service translation or the route on the client's node"
      : "it arrived but was not unwrapped: VNI or tunnel port mismatch between the nodes",
  underlay: (side) =>
    side === "near"
      ? "it never left the node wrapped: the tunnel device or its forwarding entry"
      : "lost between the nodes: a firewall on the tunnel's UDP port (8472), or the MTU",
  pod: () => "it was not delivered to the pod: the route to the pod, or a network policy",
};

const sameNode = (a: CapturePoint, b: CapturePoint) => a.node === b.node;

type Direction = "forward" | "reply";

/** What a packet keeps across every hop: the client's side, and what no translation touches. */
function identity(p: Packet, direction: Direction): string {
  const client = direction === "forward" ? `${p.src}:${p.srcPort}` : `${p.dst}:${p.dstPort}`;
  const sequence = p.tcp ? `${p.tcp.flags.join("+")}:${p.tcp.seq}:${p.tcp.ack}` : `${p.ipId}:${p.udpLength}`;
  return `${p.protocol}|${client}|${sequence}|${p.dns?.id ?? ""}`;
}

function endpointText(address: string, port: number): string {
  return `${address}:${port}`;
}

/** What happened between two sightings of the same packet. */
function describeChange(before: Packet | undefined, after: Packet, point: CapturePoint, direction: Direction, last: boolean): string {
  if (!before) {
    return direction === "forward" ? `leaves the pod for ${endpointText(after.dst, after.dstPort)}` : `the answer, from ${endpointText(after.src, after.srcPort)}`;
  }
  const changes: string[] = [];
  if (before.dst !== after.dst || before.dstPort !== after.dstPort) {
    changes.push(`destination rewritten ${endpointText(before.dst, before.dstPort)} → ${endpointText(after.dst, after.dstPort)}`);
  }
  if (before.src !== after.src || before.srcPort !== after.srcPort) {
    changes.push(`source rewritten ${endpointText(before.src, before.srcPort)} → ${endpointText(after.src, after.srcPort)}`);
  }
  if (!before.outer && after.outer) changes.push(`wrapped in VXLAN: UDP ${after.outer.dstPort} from ${after.outer.src} to ${after.outer.dst}, VNI ${after.outer.vni}`);
  if (before.outer && !after.outer) changes.push("unwrapped from VXLAN");
  if (before.outer && after.outer) changes.push(point.kind === "underlay" ? `crossed the network from ${after.outer.src} to ${after.outer.dst}` : "still wrapped");
  if (last && point.kind === "pod") changes.push(direction === "forward" ? "delivered to the pod" : "back in the client pod");
  return changes.length > 0 ? changes.join("; ") : "unchanged";
}

/** Follows one packet through `points` (in order), starting from its sighting at the first. */
function follow(lead: Packet, points: CapturePoint[], packets: Map<number, Packet[]>, direction: Direction): HopView[] {
  const key = identity(lead, direction);
  const views: HopView[] = [];
  let previous: { point: CapturePoint; packet: Packet } | undefined;
  for (const [i, point] of points.entries()) {
    const packet = i === 0 ? lead : (packets.get(point.hop) ?? []).find((p) => identity(p, direction) === key && (!previous || p.time >= previous.packet.time - 1));
    if (!packet) {
      const side = previous && sameNode(previous.point, point) ? "near" : "far";
      views.push({ hop: point.hop, node: point.node, interface: point.interface, kind: point.kind, seen: false, change: `not seen: ${PROBLEM_AT[point.kind](side)}` });
      continue;
    }
    views.push({
      hop: point.hop,
      node: point.node,
      interface: point.interface,
      kind: point.kind,
      seen: true,
      packet,
      change: describeChange(previous?.packet, packet, point, direction, i === points.length - 1),
      sinceMs: previous && sameNode(previous.point, point) ? Math.round((packet.time - previous.packet.time) * 1e6) / 1e3 : undefined,
    });
    previous = { point, packet };
  }
  return views;
}

/** The exchange's first packet from the client: a SYN, a datagram, or the DNS query that got an answer. */
function leadPacket(exchange: Exchange, at: Packet[]): Packet | undefined {
  const fromClient = at.filter((p) => p.src === exchange.client && p.protocol === exchange.protocol && p.dstPort === exchange.service.port);
  if (exchange.label === "DNS") {
    const answered = at.find((p) => p.dns?.response && p.dns.answers.length > 0 && p.dst === exchange.client);
    return fromClient.find((p) => p.dns && !p.dns.response && (!answered || p.dns.id === answered.dns!.id)) ?? fromClient.find((p) => p.dns);
  }
  if (exchange.protocol === "tcp") return fromClient.find((p) => p.tcp?.flags.includes("SYN") && !p.tcp.flags.includes("ACK"));
  return fromClient[0];
}

/** The answer to the lead packet, where the forward trace ended. */
function replyPacket(lead: Packet, at: Packet[]): Packet | undefined {
  return at.find(
    (p) =>
      p.protocol === lead.protocol &&
      p.dst === lead.src &&
      p.dstPort === lead.srcPort &&
      (lead.dns ? p.dns?.response === true && p.dns.id === lead.dns.id : true) &&
      (lead.tcp ? p.tcp?.ack === lead.tcp.seq + 1 : true) &&
      p.time >= lead.time,
  );
}

const DNS_TYPES: Record<number, string> = { 1: "A", 28: "AAAA" };

function dnsLog(exchange: Exchange, at: Packet[]): ExchangeResult["dns"] {
  const queries = at.filter((p) => p.dns && !p.dns.response && p.src === exchange.client);
  return queries.map((q) => {
    const answer = at.find((p) => p.dns?.response && p.dns.id === q.dns!.id);
    const text = !answer ? "no answer" : answer.dns!.rcode === 3 ? "NXDOMAIN" : answer.dns!.answers.length > 0 ? answer.dns!.answers.join(", ") : "no record";
    return { name: q.dns!.name, type: DNS_TYPES[q.dns!.type] ?? String(q.dns!.type), answer: text, server: q.dst };
  });
}

export function analyzeExchange(exchange: Exchange, points: CapturePoint[], packets: Map<number, Packet[]>): ExchangeResult {
  const path = exchange.hops.map((hop) => {
    const point = points.find((p) => p.hop === hop);
    if (!point) throw new Error(`the plan has no capture point ${hop}`);
    return point;
  });
  const first = path[0];
  const atFirst = packets.get(first.hop) ?? [];
  const lead = leadPacket(exchange, atFirst);
  const base = { label: exchange.label, protocol: exchange.protocol, dns: exchange.label === "DNS" ? dnsLog(exchange, atFirst) : undefined };
  if (!lead) {
    const hops = path.map((point) => ({ hop: point.hop, node: point.node, interface: point.interface, kind: point.kind, seen: false, change: "not seen" }));
    return {
      ...base,
      ok: false,
      hops,
      reply: [],
      problem: `no ${exchange.label} packet from ${exchange.client} to port ${exchange.service.port} at hop ${first.hop} (${first.node} ${first.interface}): the trigger's packet never left the pod`,
    };
  }
  const hops = follow(lead, path, packets, "forward");
  if (lead.dst !== exchange.service.address) {
    // Socket load balancing: the service was translated at connect(), inside the pod's own stack.
    hops[0] = { ...hops[0], change: `leaves the pod already addressed to ${endpointText(lead.dst, lead.dstPort)}: translated at connect(), not at the lxc` };
  }
  const missing = hops.find((h) => !h.seen);
  const lastSeen = [...hops].reverse().find((h) => h.seen)!;
  const answer = replyPacket(lead, packets.get(lastSeen.hop) ?? []);
  const back = path.slice(0, path.findIndex((p) => p.hop === lastSeen.hop) + 1).reverse();
  const reply = answer ? follow(answer, back, packets, "reply") : [];
  const replyMissing = answer ? reply.find((h) => !h.seen) : undefined;
  const problem = missing
    ? `${exchange.label}: hop ${missing.hop} (${missing.node} ${missing.interface}) ${missing.change}`
    : !answer
      ? `${exchange.label}: no reply seen at hop ${lastSeen.hop} (${lastSeen.node} ${lastSeen.interface})`
      : replyMissing
        ? `${exchange.label} reply: hop ${replyMissing.hop} (${replyMissing.node} ${replyMissing.interface}) ${replyMissing.change}`
        : undefined;
  return { ...base, ok: problem === undefined, hops, reply, problem };
}
