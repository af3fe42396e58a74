/**
 * From packets to hops. Knows addresses, ports and capture points, nothing of Kubernetes or
 * namespaces: for each exchange it finds the lead packet where it leaves the client, follows it
 * through the expected capture points by what no hop changes (the client's own address and port,
 * protocol, TCP sequence numbers, DNS ids, IP ids: translation rewrites the other side only), says
 * what changed between hops, then follows the answer back. When the packet does not arrive, it
 * says where it was last seen, where it was first missed, and what came back instead.
 */
import { diagnose, Diagnosis, Evidence } from "./diagnosis";
import { Packet } from "./decode";
import { CapturePlan, CapturePoint, Exchange } from "./plan";

/** The header fields a capture point shows: the inner addresses and ports, and the VXLAN outer header where wrapped. */
export const HEADER_FIELDS = {
  src: (p: Packet) => p.src,
  srcPort: (p: Packet) => p.srcPort,
  dst: (p: Packet) => p.dst,
  dstPort: (p: Packet) => p.dstPort,
  "outer.src": (p: Packet) => p.outer?.src,
  "outer.dst": (p: Packet) => p.outer?.dst,
  "outer.dstPort": (p: Packet) => p.outer?.dstPort,
  "outer.vni": (p: Packet) => p.outer?.vni,
} as const;

export type HeaderField = keyof typeof HEADER_FIELDS;

export interface HopView {
  readonly hop: number;
  readonly node: string;
  readonly interface: string;
  readonly kind: CapturePoint["kind"];
  readonly seen: boolean;
  readonly packet?: Packet;
  /** What changed since the previous capture point, or that it was not seen. */
  readonly change: string;
  /** The header fields that differ from the previous sighting's (a rewrite; the outer header put on or taken off). */
  readonly changed: HeaderField[];
  /** Milliseconds since the previous hop, when both are on the same node's clock. */
  readonly sinceMs?: number;
  /** Seen on the pod's own eth0 (captured inside the pod), not on its host-side interface. */
  readonly insidePod?: boolean;
  /** Not captured on the host side although it arrived (the answer came back, or the payload did). */
  readonly bypassed?: boolean;
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
  /** Where it stopped, what came back, and the likely causes, when not ok. */
  readonly diagnosis?: Diagnosis;
  /** For TCP whose handshake crossed: the first segment of data, when it did not. */
  readonly data?: HopView[];
  /** For DNS: every query and answer seen where the client's packets leave it. */
  readonly dns?: { name: string; type: string; answer: string; server: string }[];
}

type Direction = "forward" | "reply";

/** What a packet keeps across every hop: the client's side, and what no translation touches. */
function identity(p: Packet, direction: Direction): string {
  const client = direction === "forward" ? `${p.src}:${p.srcPort}` : `${p.dst}:${p.dstPort}`;
  const sequence = p.tcp ? `${p.tcp.flags.join("+")}:${p.tcp.seq}:${p.tcp.ack}` : p.icmp ? `${p.icmp.type}:${p.icmp.code}:${p.ipId}` : `${p.ipId}:${p.udpLength}`;
  return `${p.protocol}|${client}|${sequence}|${p.dns?.id ?? ""}`;
}

const endpoint = (address: string, port: number) => (port ? `${address}:${port}` : address);

function changedFields(before: Packet | undefined, after: Packet): HeaderField[] {
  if (!before) return [];
  return (Object.keys(HEADER_FIELDS) as HeaderField[]).filter((field) => HEADER_FIELDS[field](before) !== HEADER_FIELDS[field](after));
}

/** What happened between two sightings of the same packet, `changed` being the fields that differ. */
function describeChange(before: Packet | undefined, after: Packet, changed: HeaderField[], point: CapturePoint, direction: Direction, last: boolean): string {
  if (!before) {
    return direction === "forward" ? `leaves the pod for ${endpoint(after.dst, after.dstPort)}` : `the answer, from ${endpoint(after.src, after.srcPort)}`;
  }
  const changes: string[] = [];
  if (changed.includes("dst") || changed.includes("dstPort")) {
    changes.push(`destination rewritten ${endpoint(before.dst, before.dstPort)} → ${endpoint(after.dst, after.dstPort)}`);
  }
  if (changed.includes("src") || changed.includes("srcPort")) {
    changes.push(`source rewritten ${endpoint(before.src, before.srcPort)} → ${endpoint(after.src, after.srcPort)}`);
  }
  if (!before.outer && after.outer) changes.push(`wrapped in VXLAN: UDP ${after.outer.dstPort} from ${after.outer.src} to ${after.outer.dst}, VNI ${after.outer.vni}`);
  if (before.outer && !after.outer) changes.push("unwrapped from VXLAN");
  if (before.outer && after.outer) changes.push(point.kind === "underlay" ? `crossed the network from ${after.outer.src} to ${after.outer.dst}` : "still wrapped");
  if (last && point.kind === "pod") changes.push(direction === "forward" ? "delivered to the pod" : "back in the client pod");
  return changes.length > 0 ? changes.join("; ") : "unchanged";
}

/** Points where the packet was not captured although a later point saw it: a gap in a capture, not a loss. */
function gapsMarked(views: HopView[]): HopView[] {
  const lastSeen = views.map((v) => v.seen).lastIndexOf(true);
  return views.map((v, i) => (!v.seen && i < lastSeen ? { ...v, change: "not captured here, though seen further on" } : v));
}

/** What the packets captured at each hop, and inside each pod on its own eth0, hold. */
export interface Sightings {
  readonly packets: Map<number, Packet[]>;
  /** By the hop of the pod's host-side interface. */
  readonly inside: Map<number, Packet[]>;
}

/** Delivered past the host-side veth: BPF host routing's bpf_redirect_peer. */
const pastTheVeth = (hostRouting: Evidence["hostRouting"]) =>
  `${hostRouting === "BPF" ? "Cilium's BPF host routing (its agent says so)" : "BPF host routing"} hands packets to the pod's own eth0 (bpf_redirect_peer), past the host-side veth`;

/** Follows one packet through `points` (in order), starting from its sighting at the first; at a pod, on its own eth0 too. */
function follow(lead: Packet, points: CapturePoint[], seen: Sightings, direction: Direction, evidence: Evidence): HopView[] {
  const key = identity(lead, direction);
  const views: HopView[] = [];
  let previous: { point: CapturePoint; packet: Packet } | undefined;
  const find = (list: Packet[] | undefined) => (list ?? []).find((p) => identity(p, direction) === key && (!previous || p.time >= previous.packet.time - 1));
  for (const [i, point] of points.entries()) {
    const onHost = i === 0 ? lead : find(seen.packets.get(point.hop));
    const packet = onHost ?? (point.kind === "pod" ? find(seen.inside.get(point.hop)) : undefined);
    if (!packet) {
      views.push({ hop: point.hop, node: point.node, interface: point.interface, kind: point.kind, seen: false, change: "not seen", changed: [] });
      continue;
    }
    const changed = changedFields(previous?.packet, packet);
    views.push({
      hop: point.hop,
      node: point.node,
      interface: point.interface,
      kind: point.kind,
      seen: true,
      packet,
      change:
        describeChange(previous?.packet, packet, changed, point, direction, i === points.length - 1) +
        (onHost ? "" : `; seen on the pod's own eth0, not on ${point.interface}: ${pastTheVeth(evidence.hostRouting)}`),
      changed,
      sinceMs: previous && previous.point.node === point.node ? Math.round((packet.time - previous.packet.time) * 1e6) / 1e3 : undefined,
      ...(onHost ? {} : { insidePod: true }),
    });
    previous = { point, packet };
  }
  return gapsMarked(views);
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

/** The answer to the lead packet where the forward trace ended: a reply, or a TCP RST. */
function replyPacket(lead: Packet, at: Packet[]): Packet | undefined {
  return at.find(
    (p) =>
      p.protocol === lead.protocol &&
      p.dst === lead.src &&
      p.dstPort === lead.srcPort &&
      (lead.dns ? p.dns?.response === true && p.dns.id === lead.dns.id : true) &&
      (lead.tcp ? p.tcp?.ack === lead.tcp.seq + 1 || (lead.tcp.payload > 0 && p.tcp?.ack === lead.tcp.seq + lead.tcp.payload) : true) &&
      p.time >= lead.time,
  );
}

/** An ICMP error about the lead packet, wherever a capture point saw it first. */
function icmpAbout(lead: Packet, packets: Map<number, Packet[]>): { packet: Packet; hop: number } | undefined {
  const found = [...packets].flatMap(([hop, list]) =>
    list
      .filter((p) => p.icmp?.quoted && p.icmp.quoted.src === lead.src && p.icmp.quoted.srcPort === lead.srcPort && p.icmp.quoted.protocol === lead.protocol && p.time >= lead.time - 1)
      .map((packet) => ({ packet, hop })),
  );
  return found.sort((a, b) => a.packet.time - b.packet.time)[0];
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

/** The first segment of data the client sent after the handshake. */
function firstData(exchange: Exchange, lead: Packet, at: Packet[]): Packet | undefined {
  return at.find((p) => p.protocol === "tcp" && p.src === exchange.client && p.srcPort === lead.srcPort && (p.tcp?.payload ?? 0) > 0);
}

/**
 * A pod's host-side interface, last on the way, that alone did not see a packet which arrived all
 * the same: not a loss. Cilium delivered it past the veth's host side.
 */
function arrivedPastTheVeth(views: HopView[], arrived: boolean, evidence: Evidence): HopView[] {
  const [before, last] = views.slice(-2);
  if (!arrived || !last || last.kind !== "pod" || last.seen || !before?.seen) return views;
  return [...views.slice(0, -1), { ...last, bypassed: true, change: `not captured on ${last.interface}, though it arrived: ${pastTheVeth(evidence.hostRouting)}` }];
}

/** Follows a packet, then its answer; says what stopped it, if something did. */
function trace(exchange: Exchange, plan: CapturePlan, path: CapturePoint[], lead: Packet, seen: Sightings, evidence: Evidence) {
  const followed = follow(lead, path, seen, "forward", evidence);
  const lastSeen = [...followed].reverse().find((h) => h.seen)!;
  const answerAt = (hop: number) => replyPacket(lead, [...(seen.packets.get(hop) ?? []), ...(seen.inside.get(hop) ?? [])]);
  // An answer from the far end, or the payload back, says the packet arrived.
  const hops = arrivedPastTheVeth(followed, answerAt(lastSeen.hop) !== undefined || evidence.delivered === true, evidence);
  // Where the packet ended: a pod reached past its veth answers from there, its way out being seen.
  const last = hops[hops.length - 1];
  const end = last.bypassed && answerAt(last.hop) ? last : lastSeen;
  const answer = answerAt(end.hop);
  const back = path.slice(0, path.findIndex((p) => p.hop === end.hop) + 1).reverse();
  const reply = answer ? arrivedPastTheVeth(follow(answer, back, seen, "reply", evidence), evidence.delivered === true, evidence) : [];
  const diagnosis = diagnose({ exchange, plan, hops, reply, answer, icmp: icmpAbout(lead, seen.packets), evidence });
  return { hops, reply, diagnosis };
}

/** The hop where the packet was first missed, marked with where it was last seen. */
function marked(views: HopView[], diagnosis: Diagnosis, direction: Diagnosis["direction"]): HopView[] {
  const { firstMissed, lastSeen } = diagnosis;
  if (diagnosis.direction !== direction) return views;
  return views.map((v) => (firstMissed && lastSeen && !v.seen && v.hop === firstMissed.hop && views.some((s) => s.seen && s.hop === lastSeen.hop) ? { ...v, change: `✗ lost here: last seen at hop ${lastSeen.hop}` } : v));
}

export function analyzeExchange(exchange: Exchange, plan: CapturePlan, packets: Map<number, Packet[]>, evidence: Evidence = {}, inside = new Map<number, Packet[]>()): ExchangeResult {
  const seen: Sightings = { packets, inside };
  const path = exchange.hops.map((hop) => {
    const point = plan.points.find((p) => p.hop === hop);
    if (!point) throw new Error(`the plan has no capture point ${hop}`);
    return point;
  });
  const first = path[0];
  const atFirst = packets.get(first.hop) ?? [];
  const lead = leadPacket(exchange, atFirst);
  const base = { label: exchange.label, protocol: exchange.protocol, dns: exchange.label === "DNS" ? dnsLog(exchange, atFirst) : undefined };
  if (!lead) {
    const hops = path.map((point) => ({ hop: point.hop, node: point.node, interface: point.interface, kind: point.kind, seen: false, change: "not seen", changed: [] }));
    const diagnosis = diagnose({ exchange, plan, hops, reply: [], evidence })!;
    return { ...base, ok: false, hops, reply: [], diagnosis, problem: `${exchange.label}: ${diagnosis.seen}` };
  }
  const { hops, reply, diagnosis } = trace(exchange, plan, path, lead, seen, evidence);
  if (lead.dst !== exchange.service.address) {
    // Socket load balancing: the service was translated at connect(), inside the pod's own stack.
    hops[0] = { ...hops[0], change: `leaves the pod already addressed to ${endpoint(lead.dst, lead.dstPort)}: translated at connect(), not at the lxc` };
  }
  if (diagnosis) return { ...base, ok: false, hops: marked(hops, diagnosis, "forward"), reply: marked(reply, diagnosis, "reply"), diagnosis, problem: `${exchange.label}: ${diagnosis.seen}` };
  // The handshake crossed; the data did not always (a large segment and a small MTU).
  const data = exchange.protocol === "tcp" && evidence.delivered === false ? firstData(exchange, lead, atFirst) : undefined;
  if (data) {
    const traced = trace(exchange, plan, path, data, seen, evidence);
    if (traced.diagnosis) {
      const diagnosis = { ...traced.diagnosis, seen: `the handshake crossed, but the first ${data.tcp!.payload} bytes of data did not: ${traced.diagnosis.seen}` };
      return { ...base, ok: false, hops, reply, data: marked(traced.hops, diagnosis, "forward"), diagnosis, problem: `${exchange.label}: ${diagnosis.seen}` };
    }
  }
  return { ...base, ok: true, hops, reply };
}
