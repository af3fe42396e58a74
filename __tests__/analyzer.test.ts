import { analyzeExchange } from "../journey/analyzer";
import { Packet } from "../journey/decode";
import { expectedHops, makePlan } from "../journey/plan";
import { ARTICLE, articleCaptures, articlePlan, exchange, points } from "./fixtures/article-captures";

const analyze = (label: "DNS" | "TCP", packets = articleCaptures(), plan = articlePlan()) =>
  analyzeExchange(plan.exchanges.find((e) => e.label === label)!, plan.points, packets);

describe("the article's TCP handshake, hop by hop", () => {
  const result = analyze("TCP");

  test("six hops, each seen, in the article's order", () => {
    expect(result.ok).toBe(true);
    expect(result.hops.map((h) => [h.hop, h.node, h.interface, h.seen])).toEqual([
      [1, "node-1", ARTICLE.clientLxc, true],
      [2, "node-1", "cilium_vxlan", true],
      [3, "node-1", "ens4", true],
      [4, "node-2", "ens4", true],
      [5, "node-2", "cilium_vxlan", true],
      [6, "node-2", ARTICLE.serverLxc, true],
    ]);
  });

  test("the ClusterIP at the lxc, the pod address from cilium_vxlan on, VXLAN between the nodes on ens4", () => {
    const [lxc, vxlan, ens4, far, decap, delivered] = result.hops;
    expect(lxc.packet).toMatchObject({ src: ARTICLE.client, dst: ARTICLE.service, dstPort: 9999, srcPort: 38430 });
    expect(lxc.change).toBe(`leaves the pod for ${ARTICLE.service}:9999`);
    expect(vxlan.packet).toMatchObject({ dst: ARTICLE.server, dstPort: 9999 });
    expect(vxlan.change).toBe(`destination rewritten ${ARTICLE.service}:9999 → ${ARTICLE.server}:9999`);
    expect(vxlan.sinceMs).toBeCloseTo(0.03, 3);
    expect(ens4.packet!.outer).toMatchObject({ src: ARTICLE.node1, dst: ARTICLE.node2, dstPort: 8472 });
    expect(ens4.change).toBe(`wrapped in VXLAN: UDP 8472 from ${ARTICLE.node1} to ${ARTICLE.node2}, VNI 24012`);
    expect(far.change).toBe(`crossed the network from ${ARTICLE.node1} to ${ARTICLE.node2}`);
    // Clocks of different nodes are not compared.
    expect(far.sinceMs).toBeUndefined();
    expect(decap.change).toBe("unwrapped from VXLAN");
    expect(delivered.change).toBe("delivered to the pod");
    expect(delivered.packet).toMatchObject({ src: ARTICLE.client, dst: ARTICLE.server });
  });

  test("the SYN-ACK comes back the same six hops and leaves with the ClusterIP as its source", () => {
    expect(result.reply.map((h) => [h.hop, h.seen])).toEqual([[6, true], [5, true], [4, true], [3, true], [2, true], [1, true]]);
    expect(result.reply[0].packet!.tcp!.flags).toEqual(["SYN", "ACK"]);
    expect(result.reply[3].packet!.outer).toMatchObject({ src: ARTICLE.node2, dst: ARTICLE.node1 });
    expect(result.reply[5].packet).toMatchObject({ src: ARTICLE.service, srcPort: 9999, dst: ARTICLE.client });
    expect(result.reply[5].change).toBe(`source rewritten ${ARTICLE.server}:9999 → ${ARTICLE.service}:9999; back in the client pod`);
  });
});

describe("the article's DNS exchange", () => {
  const result = analyze("DNS");

  test("the search list's NXDOMAIN first, then the Service's address, as tshark showed at the lxc", () => {
    expect(result.dns).toEqual([
      { name: "node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local", type: "A", answer: "NXDOMAIN", server: ARTICLE.dnsService },
      { name: "node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local", type: "AAAA", answer: "NXDOMAIN", server: ARTICLE.dnsService },
      { name: "node-wrk-2-ubuntu24.wrk-2.svc.cluster.local", type: "A", answer: ARTICLE.service, server: ARTICLE.dnsService },
      { name: "node-wrk-2-ubuntu24.wrk-2.svc.cluster.local", type: "AAAA", answer: "no record", server: ARTICLE.dnsService },
    ]);
  });

  test("the answered query goes to 10.96.0.10 at the lxc and to the DNS pod's own address in the tunnel, five hops", () => {
    expect(result.ok).toBe(true);
    expect(result.hops.map((h) => h.hop)).toEqual([1, 2, 3, 4, 5]);
    expect(result.hops[0].packet).toMatchObject({ dst: ARTICLE.dnsService, dns: { id: 0x76e7 } });
    expect(result.hops[1].packet).toMatchObject({ dst: ARTICLE.dnsPod, dns: { id: 0x76e7 } });
    expect(result.reply[result.reply.length - 1].packet).toMatchObject({ src: ARTICLE.dnsService, dns: { answers: [ARTICLE.service] } });
  });
});

describe("when something is missing", () => {
  const without = (hop: number, drop: (p: Packet) => boolean) => {
    const packets = articleCaptures();
    packets.set(hop, packets.get(hop)!.filter((p) => !drop(p)));
    return packets;
  };

  test("nothing on the far node's ens4: the hop, and the usual causes (firewall on 8472, MTU)", () => {
    const result = analyze("TCP", without(4, () => true));
    expect(result.ok).toBe(false);
    expect(result.hops.find((h) => h.hop === 4)).toMatchObject({ seen: false });
    expect(result.problem).toBe("TCP: hop 4 (node-2 ens4) not seen: lost between the nodes: a firewall on the tunnel's UDP port (8472), or the MTU");
  });

  test("a SYN dropped before the server pod: delivery, route or policy", () => {
    const result = analyze("TCP", without(6, (p) => p.tcp?.flags.join() === "SYN"));
    expect(result.problem).toBe("TCP: hop 6 (node-2 lxc3afb1f126f2c) not seen: it was not delivered to the pod: the route to the pod, or a network policy");
  });

  test("nothing in the client's tunnel device: the translation or the route", () => {
    const result = analyze("TCP", without(2, () => true));
    expect(result.problem).toMatch(/^TCP: hop 2 \(node-1 cilium_vxlan\) not seen: it never reached the tunnel/);
    // Later points are still examined: the packet is found on the wire.
    expect(result.hops.find((h) => h.hop === 3)!.seen).toBe(true);
  });

  test("a lookalike from another flow (same sequence numbers, another client) is not taken for the packet", () => {
    const packets = articleCaptures();
    const syn = (p: Packet) => p.tcp?.flags.join() === "SYN";
    const real = packets.get(4)!.find(syn)!;
    packets.set(4, [...packets.get(4)!.filter((p) => !syn(p)), { ...real, src: "10.0.1.99", srcPort: 40000 }]);
    const result = analyze("TCP", packets);
    expect(result.hops.find((h) => h.hop === 4)!.seen).toBe(false);
    expect(result.problem).toMatch(/^TCP: hop 4 \(node-2 ens4\) not seen/);
  });

  test("no answer from the server", () => {
    const packets = articleCaptures();
    for (const [hop, list] of packets) packets.set(hop, list.filter((p) => p.tcp?.flags.join() !== "SYN,ACK"));
    const result = analyze("TCP", packets);
    expect(result.problem).toBe("TCP: no reply seen at hop 6 (node-2 lxc3afb1f126f2c)");
  });

  test("no packet left the pod at all", () => {
    const result = analyze("TCP", without(1, (p) => p.protocol === "tcp"));
    expect(result.ok).toBe(false);
    expect(result.problem).toBe(`no TCP packet from ${ARTICLE.client} to port 9999 at hop 1 (node-1 ${ARTICLE.clientLxc}): the trigger's packet never left the pod`);
  });
});

describe("nothing is hard-coded", () => {
  test("other addresses, other interface names: the same hops, with those addresses", () => {
    const map: Record<string, string> = {
      [ARTICLE.client]: "172.20.5.7",
      [ARTICLE.server]: "172.20.9.3",
      [ARTICLE.service]: "172.31.0.44",
      [ARTICLE.dnsPod]: "172.20.9.2",
      [ARTICLE.dnsService]: "172.31.0.10",
      [ARTICLE.node1]: "192.168.7.11",
      [ARTICLE.node2]: "192.168.7.12",
    };
    const swap = (a: string) => map[a] ?? a;
    const packets = new Map(
      [...articleCaptures()].map(([hop, list]) => [
        hop,
        list.map((p) => ({
          ...p,
          interface: p.interface.replace("ens4", "eth1").replace(ARTICLE.clientLxc, "lxcaaaa").replace(ARTICLE.serverLxc, "lxcbbbb"),
          src: swap(p.src),
          dst: swap(p.dst),
          outer: p.outer && { ...p.outer, src: swap(p.outer.src), dst: swap(p.outer.dst) },
        })),
      ]),
    );
    const plan = makePlan({
      client: { pod: "a/client", address: "172.20.5.7", node: "left", lxc: "lxcaaaa" },
      server: { pod: "b/server", address: "172.20.9.3", node: "right", lxc: "lxcbbbb" },
      nodes: [
        { name: "left", address: "192.168.7.11", underlay: "eth1" },
        { name: "right", address: "192.168.7.12", underlay: "eth1" },
      ],
      target: { name: "server.b", service: { address: "172.31.0.44", port: 9999 }, port: 9999 },
      dns: { service: { address: "172.31.0.10", port: 53 }, backend: { name: "kube-system/dns", address: "172.20.9.2", node: "right", port: 53 } },
      tunnelPort: 8472,
      protocols: ["tcp"],
    });
    const result = analyze("TCP", packets, plan);
    expect(result.ok).toBe(true);
    expect(result.hops.map((h) => h.interface)).toEqual(["lxcaaaa", "cilium_vxlan", "eth1", "eth1", "cilium_vxlan", "lxcbbbb"]);
    expect(result.hops[1].change).toBe("destination rewritten 172.31.0.44:9999 → 172.20.9.3:9999");
    expect(result.hops[2].change).toBe("wrapped in VXLAN: UDP 8472 from 192.168.7.11 to 192.168.7.12, VNI 24012");
  });
});

describe("the plan's expected hops", () => {
  test("a backend on a node that is not traced (CoreDNS on the control plane): the client's three points", () => {
    expect(expectedHops(points(), "node-1", "node-0", false)).toEqual([1, 2, 3]);
  });
  test("a backend on the client's own node: no tunnel", () => {
    expect(expectedHops(points(), "node-1", "node-1", false)).toEqual([1]);
  });
  test("the article's DNS pod on the server's node: five points, its own lxc is not one of them", () => {
    expect(exchange("DNS").hops).toEqual([1, 2, 3, 4, 5]);
    expect(exchange("TCP").hops).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
