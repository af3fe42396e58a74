import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePackets } from "../journey/decode";

// Real tshark output, decoded. The capture image, nicolaka/netshoot:v0.16, is Alpine 3.24.1 with
// Alpine edge's repositories and `apk upgrade` (its Dockerfile at tag v0.16): its tshark is edge's
// at build time, which cannot be fetched offline here. This fixture is the closest real output
// that could be made: TShark 4.0.17 (Debian 12) decoding, with the journey's own arguments
// (tsharkDecodeArgs), node-1's capture from a box journey with the fault server-not-listening:
// DNS, a TCP SYN refused with an RST, a UDP datagram answered by ICMP port unreachable, each at
// the client's lxc, cilium_vxlan and ens4 (VXLAN on UDP 8472).
const fixture = readFileSync(join(__dirname, "fixtures", "tshark", "tshark-4.0.17-node-1-server-not-listening.json"), "utf8");
const packets = decodePackets(fixture);
const on = (iface: string) => packets.filter((p) => p.interface === iface);

test("every frame is a packet, in time order, on the interface it was captured on", () => {
  expect(packets).toHaveLength(36);
  expect(packets.map((p) => p.time)).toEqual([...packets.map((p) => p.time)].sort((a, b) => a - b));
  expect([on("lxc3580bbf26676").length, on("cilium_vxlan").length, on("ens4").length]).toEqual([12, 12, 12]);
});

test("DNS: the query and its NXDOMAIN, ids and names, at the client's lxc", () => {
  const [query, answer] = on("lxc3580bbf26676");
  expect(query).toMatchObject({ src: "10.10.1.15", dst: "10.96.0.10", protocol: "udp", srcPort: 44344, dstPort: 53, ipId: 0x809f, udpLength: 75 });
  expect(query.dns).toEqual({ id: 0x4e2d, response: false, rcode: 0, name: "node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local", type: 1, answers: [] });
  expect(answer.dns).toMatchObject({ id: 0x4e2d, response: true, rcode: 3 });
  expect(on("lxc3580bbf26676").find((p) => p.dns?.answers.length)?.dns).toMatchObject({ name: "node-wrk-2-ubuntu24.wrk-2.svc.cluster.local", answers: ["10.105.134.33"] });
});

test("VXLAN on ens4: the envelope (outer addresses, UDP 8472, VNI) apart from the packet inside", () => {
  const query = on("ens4")[0];
  expect(query.outer).toEqual({ src: "10.168.0.4", dst: "10.168.0.5", srcPort: 43300, dstPort: 8472, vni: 2, ipLength: 145 });
  expect(query).toMatchObject({ src: "10.10.1.15", dst: "10.10.2.17", srcPort: 44344, dstPort: 53, ipId: 0x809f, ipLength: 95 });
  expect(query.dns?.id).toBe(0x4e2d);
});

test("TCP: the SYN, and the RST that refused it, by flags and sequence numbers, inside VXLAN too", () => {
  const wrapped = on("ens4").filter((p) => p.protocol === "tcp");
  expect(wrapped.map((p) => [p.src, p.dst, p.tcp!.flags, p.tcp!.seq, p.tcp!.ack])).toEqual([
    ["10.10.1.15", "10.10.2.215", ["SYN"], 1629537119, 0],
    ["10.10.2.215", "10.10.1.15", ["ACK", "RST"], 0, 1629537120],
  ]);
  expect(wrapped[0]).toMatchObject({ srcPort: 33652, dstPort: 9999, outer: { dstPort: 8472, vni: 2 } });
});

test("ICMP port unreachable: its own addresses, and the UDP datagram it quotes; inside VXLAN, the three layers apart", () => {
  const [atLxc] = on("lxc3580bbf26676").filter((p) => p.protocol === "icmp");
  expect(atLxc).toMatchObject({ src: "10.10.2.215", dst: "10.10.1.15", srcPort: 0, dstPort: 0, icmp: { type: 3, code: 3, quoted: { src: "10.10.1.15", dst: "10.10.2.215", protocol: "udp", srcPort: 42920, dstPort: 9999 } } });
  expect(atLxc.dns).toBeUndefined();
  const [wrapped] = on("ens4").filter((p) => p.protocol === "icmp");
  expect(wrapped.outer).toEqual({ src: "10.168.0.5", dst: "10.168.0.4", srcPort: 33412, dstPort: 8472, vni: 2, ipLength: 137 });
  expect(wrapped).toMatchObject({ src: "10.10.2.215", dst: "10.10.1.15", icmp: { type: 3, code: 3, quoted: { src: "10.10.1.15", srcPort: 42920, dstPort: 9999, protocol: "udp" } } });
});
