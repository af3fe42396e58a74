/** Ethernet + IPv4 + TCP/UDP frames built by hand, with their checksums, for the eBPF unit test. */

function sum16(buffer: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buffer.length; i += 2) sum += buffer.readUInt16BE(i);
  if (buffer.length % 2) sum += buffer[buffer.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const checksum = (buffer: Buffer, initial = 0) => ~sum16(buffer, initial) & 0xffff;

function addressBuffer(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

function pseudoHeaderSum(src: string, dst: string, protocol: number, length: number): number {
  const pseudo = Buffer.concat([addressBuffer(src), addressBuffer(dst), Buffer.from([0, protocol, length >> 8, length & 0xff])]);
  return sum16(pseudo);
}

export interface FrameSpec {
  src: string;
  dst: string;
  protocol: "tcp" | "udp";
  srcPort: number;
  dstPort: number;
  payload?: string;
  /** A UDP datagram sent without a checksum (0). */
  noUdpChecksum?: boolean;
}

export function buildFrame(spec: FrameSpec): Buffer {
  const payload = Buffer.from(spec.payload ?? "labyrinth");
  const proto = spec.protocol === "tcp" ? 6 : 17;
  let l4: Buffer;
  if (spec.protocol === "tcp") {
    l4 = Buffer.alloc(20);
    l4.writeUInt16BE(spec.srcPort, 0);
    l4.writeUInt16BE(spec.dstPort, 2);
    l4.writeUInt32BE(1000, 4);
    l4[12] = 5 << 4;
    l4[13] = 0x02; // SYN
    l4.writeUInt16BE(64240, 14);
    l4 = Buffer.concat([l4, payload]);
    l4.writeUInt16BE(checksum(l4, pseudoHeaderSum(spec.src, spec.dst, proto, l4.length)), 16);
  } else {
    l4 = Buffer.concat([Buffer.alloc(8), payload]);
    l4.writeUInt16BE(spec.srcPort, 0);
    l4.writeUInt16BE(spec.dstPort, 2);
    l4.writeUInt16BE(l4.length, 4);
    if (!spec.noUdpChecksum) l4.writeUInt16BE(checksum(l4, pseudoHeaderSum(spec.src, spec.dst, proto, l4.length)) || 0xffff, 6);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip.writeUInt16BE(0x1234, 4);
  ip.writeUInt16BE(0x4000, 6); // DF
  ip[8] = 64;
  ip[9] = proto;
  addressBuffer(spec.src).copy(ip, 12);
  addressBuffer(spec.dst).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const eth = Buffer.from([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00]);
  return Buffer.concat([eth, ip, l4]);
}

/**
 * What a frame says, and its checksums: the L4 one is "ok", "wrong", or "none" (a UDP checksum
 * of 0, which means the sender computed none: right only for a datagram sent without one).
 */
export function readFrame(frame: Buffer) {
  const ip = frame.subarray(14, 34);
  const l4 = frame.subarray(34);
  const proto = ip[9];
  const src = [...ip.subarray(12, 16)].join(".");
  const dst = [...ip.subarray(16, 20)].join(".");
  const verified = checksum(l4, pseudoHeaderSum(src, dst, proto, l4.length)) === 0 ? "ok" : "wrong";
  return {
    src,
    dst,
    srcPort: l4.readUInt16BE(0),
    dstPort: l4.readUInt16BE(2),
    ipChecksumOk: checksum(ip) === 0,
    l4Checksum: proto === 17 && l4.readUInt16BE(6) === 0 ? "none" : verified,
    payload: l4.subarray(proto === 6 ? 20 : 8).toString(),
  };
}
