/**
 * Packets as tshark decodes them (`-T json -e …`, VXLAN on the tunnel port), made into plain
 * objects. Inside a VXLAN packet tshark lists each field once per layer: the outer first.
 */

export interface DnsInfo {
  readonly id: number;
  readonly response: boolean;
  /** 0 is NOERROR, 3 is NXDOMAIN. */
  readonly rcode: number;
  readonly name: string;
  /** 1 is A, 28 is AAAA. */
  readonly type: number;
  readonly answers: string[];
}

export interface Packet {
  /** The interface it was captured on. */
  readonly interface: string;
  /** Seconds since the epoch, on the capturing node's clock. */
  readonly time: number;
  readonly length: number;
  /** The VXLAN envelope, when there is one. */
  readonly outer?: { readonly src: string; readonly dst: string; readonly srcPort: number; readonly dstPort: number; readonly vni: number };
  readonly src: string;
  readonly dst: string;
  readonly protocol: "tcp" | "udp";
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ipId: number;
  readonly tcp?: { readonly flags: string[]; readonly seq: number; readonly ack: number; readonly payload: number };
  readonly udpLength?: number;
  readonly dns?: DnsInfo;
}

/** The fields tshark is asked for, in the order decodePackets reads them. */
export const TSHARK_FIELDS = [
  "frame.interface_name",
  "frame.time_epoch",
  "frame.len",
  "ip.src",
  "ip.dst",
  "ip.id",
  "ip.proto",
  "udp.srcport",
  "udp.dstport",
  "udp.length",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.len",
  "tcp.flags.syn",
  "tcp.flags.ack",
  "tcp.flags.fin",
  "tcp.flags.reset",
  "tcp.flags.push",
  "vxlan.vni",
  "dns.id",
  "dns.flags.response",
  "dns.flags.rcode",
  "dns.qry.name",
  "dns.qry.type",
  "dns.a",
];

/** The tshark command line that decodes a capture file for decodePackets. */
export function tsharkDecodeArgs(file: string, tunnelPort: number): string[] {
  return ["tshark", "-n", "-r", file, "-d", `udp.port==${tunnelPort},vxlan`, "-T", "json", ...TSHARK_FIELDS.flatMap((f) => ["-e", f])];
}

type Layers = Record<string, string[] | undefined>;

const num = (value: string | undefined): number => (value === undefined ? NaN : value.startsWith("0x") ? parseInt(value, 16) : Number(value));
const flag = (value: string | undefined): boolean => value === "1" || value === "True" || value === "true";

/** tshark's JSON output → packets; anything but IPv4 TCP or UDP is left out. */
export function decodePackets(tsharkJson: string): Packet[] {
  const frames = JSON.parse(tsharkJson || "[]") as { _source: { layers: Layers } }[];
  const packets: Packet[] = [];
  for (const frame of frames) {
    const f = frame._source.layers;
    const first = (name: string) => f[name]?.[0];
    const last = (name: string) => f[name]?.[f[name]!.length - 1];
    const protocol = { "6": "tcp", "17": "udp" }[last("ip.proto") ?? ""] as Packet["protocol"] | undefined;
    if (!protocol || !f["ip.src"]) continue;
    const encapsulated = f["vxlan.vni"] !== undefined && (f["ip.src"]?.length ?? 0) > 1;
    const inner = protocol === "tcp" ? "tcp" : "udp";
    packets.push({
      interface: first("frame.interface_name") ?? "",
      time: Number(first("frame.time_epoch")),
      length: num(first("frame.len")),
      outer: encapsulated
        ? { src: first("ip.src")!, dst: first("ip.dst")!, srcPort: num(first("udp.srcport")), dstPort: num(first("udp.dstport")), vni: num(first("vxlan.vni")) }
        : undefined,
      src: last("ip.src")!,
      dst: last("ip.dst")!,
      protocol,
      srcPort: num(last(`${inner}.srcport`)),
      dstPort: num(last(`${inner}.dstport`)),
      ipId: num(last("ip.id")),
      tcp:
        protocol === "tcp"
          ? {
              flags: (["syn", "ack", "fin", "reset", "push"] as const).filter((name) => flag(first(`tcp.flags.${name}`))).map((name) => (name === "reset" ? "RST" : name.toUpperCase())),
              seq: num(first("tcp.seq_raw")),
              ack: num(first("tcp.ack_raw")),
              payload: num(first("tcp.len")),
            }
          : undefined,
      udpLength: protocol === "udp" ? num(last("udp.length")) : undefined,
      dns:
        first("dns.id") !== undefined
          ? {
              id: num(first("dns.id")),
              response: flag(first("dns.flags.response")),
              rcode: num(first("dns.flags.rcode") ?? "0"),
              name: first("dns.qry.name") ?? "",
              type: num(first("dns.qry.type")),
              answers: f["dns.a"] ?? [],
            }
          : undefined,
    });
  }
  return packets.sort((a, b) => a.time - b.time);
}
