/**
 * Cilium's connection tracking as `cilium-dbg bpf ct list global` prints it, one entry a line:
 * `TCP OUT 10.0.1.90:59668 -> 10.0.1.108:80 expires=… RevNAT=5 …`. A Service's own entry is
 * marked `service` and printed with the Service's address first (VIP:port -> client:port); the
 * translated connection's entry carries the Service's reverse-NAT id.
 */

export interface CtEntry {
  readonly protocol: string;
  readonly direction: "IN" | "OUT";
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** The Service's own entry (VIP -> client). */
  readonly service: boolean;
  readonly revNat: number;
}

const LINE = /^(TCP|UDP|ICMP) (IN|OUT) (\S+):(\d+) -> (\S+):(\d+) (.*?)\bexpires=.*\bRevNAT=(\d+)/;

export function parseCtList(text: string): CtEntry[] {
  return text
    .split("\n")
    .map((line) => LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, protocol, direction, src, srcPort, dst, dstPort, marks, revNat]) => ({
      protocol,
      direction: direction as CtEntry["direction"],
      src,
      srcPort: Number(srcPort),
      dst,
      dstPort: Number(dstPort),
      service: /\bservice\b/.test(marks),
      revNat: Number(revNat),
    }));
}

/** The entries of one client's connection: its address and port on either side. */
export function ctEntriesFor(entries: CtEntry[], protocol: string, client: string, port: number): CtEntry[] {
  return entries.filter((e) => e.protocol === protocol.toUpperCase() && ((e.src === client && e.srcPort === port) || (e.dst === client && e.dstPort === port)));
}
