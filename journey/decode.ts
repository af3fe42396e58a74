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

/** An ICMP message; for an error, the packet it is about, as quoted inside it. */
export interface IcmpInfo {
  /** 3 destination unreachable, 11 time exceeded, 0/8 echo. */
  readonly type: number;
  /** With type 3: 0 network, 1 host, 3 port unreachable, 4 fragmentation needed, 13 administratively prohibited. */
  readonly code: number;
  readonly quoted?: { readonly src: string; readonly dst: string; readonly protocol: string; readonly srcPort: number; readonly dstPort: number };
}

export interface Packet {
  /** The interface it was captured on. */
  readonly interface: string;
  /** Seconds since the epoch, on the capturing node's clock. */
  readonly time: number;
  /** The frame's length, as captured. */
  readonly length: number;
  /** The VXLAN envelope, when there is one; `ipLength` is the whole wrapped packet's, as the underlay carries it. */
  readonly outer?: { readonly src: string; readonly dst: string; readonly srcPort: number; readonly dstPort: number; readonly vni: number; readonly ipLength: number };
  readonly src: string;
  readonly dst: string;
  readonly protocol: "tcp" | "udp" | "icmp";
  /** 0 for ICMP. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ipId: number;
  readonly ipLength: number;
  readonly tcp?: { readonly flags: string[]; readonly seq: number; readonly ack: number; readonly payload: number };
  readonly udpLength?: number;
  readonly dns?: DnsInfo;
  readonly icmp?: IcmpInfo;
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
  "ip.len",
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
  "icmp.type",
  "icmp.code",
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
const PROTOCOLS: Record<string, "tcp" | "udp" | "icmp"> = { "1": "icmp", "6": "tcp", "17": "udp" };
const ICMP_ERRORS = [3, 4, 5, 11, 12];

/**
 * One frame's layers. tshark lists a field once per layer that has it, outermost first: the
 * VXLAN envelope's IP and UDP, then the packet's own, then, in an ICMP error, the packet it
 * quotes. Each IP layer that carries UDP (or TCP) owns the next UDP (or TCP) entry.
 */
function decodeFrame(f: Layers): Packet | undefined {
  const at = (name: string, i: number) => f[name]?.[i];
  const ips = (f["ip.src"] ?? []).map((src, i) => ({ src, dst: at("ip.dst", i)!, proto: at("ip.proto", i) ?? "", id: num(at("ip.id", i)), length: num(at("ip.len", i)) }));
  const ports: Record<string, number> = { "6": 0, "17": 0 };
  const layers = ips.map((ip) => {
    const kind = ip.proto === "6" ? "tcp" : ip.proto === "17" ? "udp" : undefined;
    const index = kind ? ports[ip.proto]++ : -1;
    return { ...ip, index, srcPort: kind ? num(at(`${kind}.srcport`, index)) : 0, dstPort: kind ? num(at(`${kind}.dstport`, index)) : 0 };
  });
  const wrapped = f["vxlan.vni"] !== undefined && layers.length > 1;
  const main = layers[wrapped ? 1 : 0];
  const protocol = main && PROTOCOLS[main.proto];
  if (!main || !protocol) return undefined;
  const outer = wrapped ? layers[0] : undefined;
  const icmpType = num(f["icmp.type"]?.[0]);
  const quoted = protocol === "icmp" && ICMP_ERRORS.includes(icmpType) ? layers[layers.indexOf(main) + 1] : undefined;
  const first = (name: string) => f[name]?.[0];
  return {
    interface: first("frame.interface_name") ?? "",
    time: Number(first("frame.time_epoch")),
    length: num(first("frame.len")),
    outer: outer && { src: outer.src, dst: outer.dst, srcPort: outer.srcPort, dstPort: outer.dstPort, vni: num(first("vxlan.vni")), ipLength: outer.length },
    src: main.src,
    dst: main.dst,
    protocol,
    srcPort: main.srcPort,
    dstPort: main.dstPort,
    ipId: main.id,
    ipLength: main.length,
    tcp:
      protocol === "tcp"
        ? {
            flags: (["syn", "ack", "fin", "reset", "push"] as const).filter((name) => flag(at(`tcp.flags.${name}`, main.index))).map((name) => (name === "reset" ? "RST" : name.toUpperCase())),
            seq: num(at("tcp.seq_raw", main.index)),
            ack: num(at("tcp.ack_raw", main.index)),
            payload: num(at("tcp.len", main.index)),
          }
        : undefined,
    udpLength: protocol === "udp" ? num(at("udp.length", main.index)) : undefined,
    // An ICMP error may quote a DNS query; the DNS fields are then the quoted one's, not this packet's.
    dns:
      protocol !== "icmp" && first("dns.id") !== undefined
        ? {
            id: num(first("dns.id")),
            response: flag(first("dns.flags.response")),
            rcode: num(first("dns.flags.rcode") ?? "0"),
            name: first("dns.qry.name") ?? "",
            type: num(first("dns.qry.type")),
            answers: f["dns.a"] ?? [],
          }
        : undefined,
    icmp:
      protocol === "icmp"
        ? {
            type: icmpType,
            code: num(f["icmp.code"]?.[0]),
            quoted: quoted && { src: quoted.src, dst: quoted.dst, protocol: PROTOCOLS[quoted.proto] ?? quoted.proto, srcPort: quoted.srcPort, dstPort: quoted.dstPort },
          }
        : undefined,
  };
}

/** tshark's JSON output → packets; anything but IPv4 TCP, UDP or ICMP is left out. */
export function decodePackets(tsharkJson: string): Packet[] {
  const frames = JSON.parse(tsharkJson || "[]") as { _source: { layers: Layers } }[];
  return frames
    .map((frame) => decodeFrame(frame._source.layers))
    .filter((p): p is Packet => p !== undefined)
    .sort((a, b) => a.time - b.time);
}
