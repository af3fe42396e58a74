/**
 * Why a packet did not arrive, from evidence: per direction, where it was last seen, where it was
 * first missed, and what came back instead (a TCP RST, an ICMP error, nothing). Each pair of
 * capture points has its own short list of likely causes, ordered by what else was seen: the
 * size of the wrapped packet against the far node's MTU, the tunnel's port and VNI on each node,
 * the ICMP error's quoted destination, the translation the node's proof found.
 */
import type { HopView } from "./analyzer";
import { Packet } from "./decode";
import { concernsFlow, NodeFacts } from "./node-facts";
import { CapturePlan, Exchange } from "./plan";

/** A capture point, as a diagnosis names it. */
export interface HopRef {
  readonly hop: number;
  readonly node: string;
  readonly interface: string;
}

export interface Diagnosis {
  /** The way that broke: the packet to the server, or the answer back to the client. */
  readonly direction: "forward" | "reply";
  /** What was seen and where it stopped, in one sentence. */
  readonly seen: string;
  readonly lastSeen?: HopRef;
  readonly firstMissed?: HopRef;
  /** What came back instead of the answer. */
  readonly cameBack: string;
  /** The likely causes, most likely first. */
  readonly causes: string[];
}

/** What the journey knows beside the captures. */
export interface Evidence {
  /** What the client node's proof found for the Service: programs on the client's lxc, kube-proxy's nat rules for it. */
  readonly translation?: { readonly programs: boolean; readonly natRules: boolean };
  /** Whether the trigger got its payload back. */
  readonly delivered?: boolean;
  /** What the client's socket said when it gave up ("Network is unreachable"), when the captures show nothing come back. */
  readonly socketError?: string;
  /** How the Cilium agent says it hands packets to local pods (BPF host routing bypasses the host-side veth). */
  readonly hostRouting?: "BPF" | "Legacy" | "unknown";
  /** What the nodes say of themselves after the run: firewall drops, forwarding, links without carrier. */
  readonly nodes?: NodeFacts;
}

/** A capture point as the analyzer saw the packet there (or did not). */
type Sighting = Pick<HopView, "hop" | "node" | "interface" | "kind" | "seen" | "packet" | "bypassed">;

export interface DiagnosisInput {
  readonly exchange: Exchange;
  readonly plan: CapturePlan;
  readonly hops: Sighting[];
  readonly reply: Sighting[];
  /** The answer where the forward trace ended (a reply, or a TCP RST). */
  readonly answer?: Packet;
  /** An ICMP error about the packet, and where it was first seen. */
  readonly icmp?: { readonly packet: Packet; readonly hop: number };
  readonly evidence: Evidence;
}

const UNREACHABLE: Record<number, string> = {
  0: "network unreachable",
  1: "host unreachable",
  3: "port unreachable",
  4: "fragmentation needed",
  9: "network administratively prohibited",
  10: "host administratively prohibited",
  13: "communication administratively prohibited",
};

function icmpText(icmp: Packet["icmp"]): string {
  if (!icmp) return "an ICMP message";
  if (icmp.type === 3) return `ICMP ${UNREACHABLE[icmp.code] ?? `destination unreachable (code ${icmp.code})`}`;
  if (icmp.type === 11) return "ICMP time exceeded";
  return `ICMP type ${icmp.type} code ${icmp.code}`;
}

const ref = (s: Sighting): HopRef => ({ hop: s.hop, node: s.node, interface: s.interface });
const at = (s: Sighting) => `hop ${s.hop} (${s.node} ${s.interface})`;

/** The last sighting before the packet was lost for good: gaps followed by a later sighting are capture gaps, not losses. */
function stop(sightings: Sighting[]): { last: Sighting; missed?: Sighting } {
  const lastIndex = sightings.map((s) => s.seen || s.bypassed === true).lastIndexOf(true);
  return { last: sightings[lastIndex], missed: sightings[lastIndex + 1] };
}

/**
 * What `node` itself says could have stopped this exchange there: a firewall rule that dropped
 * packets of its kind during the run, no forwarding where the packet had to be forwarded, the
 * interface it was missed on without carrier. Evidence, so it goes before the usual suspects.
 */
function observed(input: DiagnosisInput, node: string, missed?: Sighting, forwarded = false): string[] {
  const facts = input.evidence.nodes;
  if (!facts) return [];
  const { exchange, plan } = input;
  const flow = {
    addresses: [exchange.client, exchange.service.address, exchange.backend.address, ...plan.nodes.map((n) => n.address)],
    ports: [exchange.service.port, exchange.backend.port, plan.tunnelPort],
    interfaces: plan.points.filter((p) => p.node === node).map((p) => p.interface),
  };
  const link = missed && facts.linksDown.find((l) => l.node === node && l.interface === missed.interface);
  return [
    ...(link ? [`${node}'s ${link.interface} has no carrier (${link.state})${missed!.kind === "pod" ? ": the pod's end of the veth, its eth0, is down" : ": the other end of its link is down"}`] : []),
    ...(forwarded && facts.notForwarding.includes(node) ? [`${node} forwards nothing: net.ipv4.ip_forward is 0`] : []),
    ...facts.drops
      .filter((d) => d.node === node && concernsFlow(d.rule, flow))
      .sort((a, b) => b.packets - a.packets)
      .map((d) => `${node}'s firewall: ${d.rule.startsWith("policy ") ? `the ${d.chain} chain's ${d.rule}` : `-A ${d.chain} ${d.rule}`}, a rule this flow matches, dropped ${d.reset ? "at least " : ""}${d.packets} packet${d.packets === 1 ? "" : "s"} during this run (iptables-save -c)`),
  ];
}

/**
 * Likely causes where the packet stopped between `last` and `missed`, the sender being `from`:
 * what the node it was missed on says first, then the usual suspects for that pair of points.
 */
function causesBetween(input: DiagnosisInput, direction: Diagnosis["direction"], last: Sighting, missed: Sighting, from: string): { seen: string; causes: string[] } {
  const { seen, causes } = suspects(input, direction, last, missed, from);
  // Missed on the receiver's own interface: lost between the nodes, where the receiver's firewall
  // cannot be the cause (a capture sees an arriving packet before the firewall does).
  if (missed.kind === "underlay" && missed.node !== from) return { seen, causes };
  // Forwarded there: from the pod to the tunnel on the sender, from the tunnel to the pod on the receiver.
  const forwarded = missed.kind === "pod" || (missed.kind === "overlay" && missed.node === from);
  return { seen, causes: [...observed(input, missed.node, missed, forwarded), ...causes] };
}

/** The usual suspects where the packet stopped between `last` and `missed`, the sender being `from`. */
function suspects(input: DiagnosisInput, direction: Diagnosis["direction"], last: Sighting, missed: Sighting, from: string): { seen: string; causes: string[] } {
  const { exchange, plan, icmp, evidence } = input;
  const receiver = plan.nodes.find((n) => n.name === missed.node);
  const wrapped = last.packet?.outer;
  const tunnelPort = wrapped?.dstPort ?? plan.tunnelPort;
  const what = direction === "forward" ? "it" : "the answer";
  const quotedDst = icmp?.packet.icmp?.quoted?.dst;
  if (missed.kind === "overlay" && missed.node === from) {
    if (direction === "reply") {
      return {
        seen: `the answer left the pod at ${at(last)} but never reached ${missed.node}'s ${missed.interface}`,
        causes: [`${missed.node} has no route back to the client pod ${exchange.client} through the tunnel`, `a policy on ${missed.node} drops the answer`],
      };
    }
    const service = exchange.service.address;
    const translation = `nothing translated the Service address ${service}: no eBPF program on ${last.interface} and no kube-proxy rule for it`;
    const route = `${missed.node} has no route to ${quotedDst && quotedDst !== service ? quotedDst : exchange.backend.address}, the other node's pod range, through the tunnel`;
    const untranslated = quotedDst === service || (quotedDst === undefined && last.packet?.dst === service && evidence.translation !== undefined && !evidence.translation.programs && !evidence.translation.natRules);
    return {
      seen: `it left the pod at ${at(last)} but never reached ${missed.node}'s ${missed.interface}`,
      causes: untranslated ? [translation, route] : [route, translation],
    };
  }
  if (missed.kind === "underlay" && missed.node === from) {
    return {
      seen: `${what} reached ${at(last)} but never left ${missed.node} on ${missed.interface} wrapped in VXLAN`,
      causes: [`${missed.node}'s tunnel device has no forwarding entry for the other node`, `${missed.node} has no route to the other node's address on the underlay`],
    };
  }
  if (missed.kind === "underlay") {
    const size = wrapped?.ipLength;
    const mtu = receiver?.underlayMtu;
    const tooBig = size !== undefined && mtu !== undefined && size > mtu;
    const mtuCause = `an MTU mismatch on the underlay: the wrapped packet is ${size ?? "?"} bytes${mtu !== undefined ? ` and ${missed.node}'s ${missed.interface} takes ${mtu}` : ""}`;
    const firewall = `a firewall between the nodes drops UDP ${tunnelPort} (on Google Cloud: the VPC firewall rule for the tunnel)`;
    const fragNeeded = input.icmp?.packet.icmp?.type === 3 && input.icmp.packet.icmp.code === 4;
    return {
      seen: `${what} left ${last.node} on ${last.interface} (UDP ${tunnelPort} to ${wrapped?.dst ?? missed.node}) and never arrived on ${missed.node}'s ${missed.interface}: lost between the nodes`,
      causes: tooBig || fragNeeded ? [mtuCause, firewall] : [firewall, mtuCause],
    };
  }
  if (missed.kind === "overlay") {
    const tunnel = receiver?.tunnel;
    const portDiffers = tunnel?.port !== undefined && wrapped !== undefined && tunnel.port !== wrapped.dstPort;
    const vniDiffers = tunnel?.vni !== undefined && wrapped !== undefined && tunnel.vni !== wrapped.vni;
    const firewall = `${missed.node} drops the tunnel's UDP ${tunnelPort} before its VXLAN device: a host firewall (iptables or nftables INPUT)`;
    const mismatch = portDiffers
      ? `${missed.node}'s ${missed.interface} listens on UDP ${tunnel!.port}, the packet came to UDP ${wrapped!.dstPort}: a tunnel port mismatch`
      : vniDiffers
        ? `${missed.node}'s ${missed.interface} has VNI ${tunnel!.vni}, the packet carried VNI ${wrapped!.vni}: a VNI mismatch`
        : `a VNI or port mismatch between the nodes${tunnel?.port !== undefined ? ` (here ${missed.node}'s ${missed.interface} takes UDP ${tunnel.port}${tunnel.vni !== undefined ? `, VNI ${tunnel.vni}` : ""}, as the packet had)` : ""}`;
    return {
      seen: `${what} arrived on ${at(last)} and was not unwrapped: not seen on ${missed.node}'s ${missed.interface}`,
      causes: portDiffers || vniDiffers ? [mismatch, firewall] : [firewall, mismatch],
    };
  }
  const to = direction === "forward" ? `${exchange.label === "DNS" ? "the DNS pod" : "the server pod"} ${exchange.backend.name}` : `the client pod`;
  return {
    seen: `${what} was unwrapped on ${last.node} (${at(last)}) but not delivered to ${to}: not seen on ${missed.interface}`,
    causes: [`a network policy drops it before the pod (Cilium's policy, or a firewall rule on ${missed.node})`, `${missed.node} has no route to the pod's address`],
  };
}

/** Why the exchange failed, or undefined when it went there and back. */
export function diagnose(input: DiagnosisInput): Diagnosis | undefined {
  const { exchange, hops, reply, answer, icmp, evidence } = input;
  const nothing = evidence.socketError ? `nothing was captured; the client's socket said "${evidence.socketError}"` : "nothing";
  const cameBack = icmp ? `${icmpText(icmp.packet.icmp)} from ${icmp.packet.src} (seen at hop ${icmp.hop})` : answer?.tcp?.flags.includes("RST") ? `a TCP RST from ${answer.src}` : nothing;
  const client = hops[0];
  if (!client.seen) {
    return {
      direction: "forward",
      seen: `no ${exchange.label} packet from ${exchange.client} to port ${exchange.service.port} at ${at(client)}: the trigger's packet never left the pod`,
      firstMissed: ref(client),
      cameBack: "nothing",
      causes:
        exchange.label === "DNS"
          ? ["the client's resolver asked nobody: the pod's resolv.conf", "the trigger could not run in the client pod"]
          : ["the trigger could not run in the client pod", "the pod has no route out (its default route through the node)"],
    };
  }
  const forward = stop(hops);
  if (forward.missed) {
    const { seen, causes } = causesBetween(input, "forward", forward.last, forward.missed, client.node);
    return { direction: "forward", seen, lastSeen: ref(forward.last), firstMissed: ref(forward.missed), cameBack, causes };
  }
  const end = forward.last;
  const backend = exchange.label === "DNS" ? `the DNS pod ${exchange.backend.name}` : `the server pod ${exchange.backend.name}`;
  const port = `${exchange.protocol} ${exchange.backend.port}`;
  if (answer?.tcp?.flags.includes("RST")) {
    return {
      direction: "forward",
      seen: `it reached ${at(end)} and ${answer.src} refused the connection with a TCP RST`,
      lastSeen: ref(end),
      cameBack,
      causes: [`connection refused: nothing listens on ${port} in ${backend}`],
    };
  }
  if (!answer) {
    const refused = icmp?.packet.icmp?.type === 3 && icmp.packet.icmp.code === 3;
    const prohibited = icmp?.packet.icmp?.type === 3 && [9, 10, 13].includes(icmp.packet.icmp.code);
    return {
      direction: "forward",
      seen: `it reached ${at(end)} and no answer came back there`,
      lastSeen: ref(end),
      cameBack,
      causes: refused
        ? [`nothing listens on ${port} in ${backend}${exchange.label === "DNS" ? ": cluster DNS is not answering" : ""}`]
        : prohibited
          ? [`a policy on the way rejects it (${icmpText(icmp!.packet.icmp)})`]
          : [
              // Past the last capture point (the DNS pod has none of its own): still on end's node.
              ...observed(input, end.node, undefined, end.kind !== "pod"),
              `${backend} does not answer: nothing serves ${port} there, or its answer is dropped inside the pod`,
              `a policy drops the answer before ${at(end)}`,
            ],
    };
  }
  const back = stop(reply);
  if (back.missed) {
    const { seen, causes } = causesBetween(input, "reply", back.last, back.missed, reply[0].node);
    return { direction: "reply", seen, lastSeen: ref(back.last), firstMissed: ref(back.missed), cameBack: "the answer, as far as it came", causes };
  }
  return undefined;
}
