import { analyzeExchange } from "../journey/analyzer";
import type { Evidence } from "../journey/diagnosis";
import type { NodeFacts } from "../journey/node-facts";
import { Packet } from "../journey/decode";
import { expectedHops, makePlan } from "../journey/plan";
import { ARTICLE, articleCaptures, articlePlan, exchange, pastTheVeth, points } from "./fixtures/article-captures";

const analyze = (label: "DNS" | "TCP", packets = articleCaptures(), plan = articlePlan()) =>
  analyzeExchange(plan.exchanges.find((e) => e.label === label)!, plan, packets);

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

  test("the fields each hop changed: the Service's address, the outer header on and off, the source back to the ClusterIP", () => {
    const outer = ["outer.src", "outer.dst", "outer.dstPort", "outer.vni"];
    // The Service's port and the pod's are both 9999: only the address is rewritten.
    expect(result.hops.map((h) => h.changed)).toEqual([[], ["dst"], outer, [], outer, []]);
    expect(result.reply.map((h) => h.changed)).toEqual([[], [], outer, [], outer, ["src"]]);
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

describe("when the packet does not arrive: where it was last seen, first missed, what came back, the likely causes", () => {
  const synOnly = (p: Packet) => p.tcp?.flags.join() === "SYN";
  const synAck = (p: Packet) => p.tcp?.flags.join() === "SYN,ACK";
  /** The captures with the packets `drop` matches removed from hop `from` on (a loss, not a capture gap). */
  const lostFrom = (from: number, drop: (p: Packet) => boolean, packets = articleCaptures()) => {
    for (const [hop, list] of packets) if (hop >= from) packets.set(hop, list.filter((p) => !drop(p)));
    return packets;
  };
  const planWith = (node2: object) => {
    const plan = articlePlan();
    return { ...plan, nodes: plan.nodes.map((n) => (n.name === "node-2" ? { ...n, ...node2 } : n)) };
  };

  test("lost between the nodes: a firewall on the tunnel's port first, then the MTU", () => {
    const result = analyze("TCP", lostFrom(4, synOnly));
    expect(result.ok).toBe(false);
    expect(result.diagnosis).toMatchObject({
      direction: "forward",
      lastSeen: { hop: 3, node: "node-1", interface: "ens4" },
      firstMissed: { hop: 4, node: "node-2", interface: "ens4" },
      cameBack: "nothing",
    });
    expect(result.problem).toBe(`TCP: it left node-1 on ens4 (UDP 8472 to ${ARTICLE.node2}) and never arrived on node-2's ens4: lost between the nodes`);
    expect(result.diagnosis!.causes).toEqual([
      "a firewall between the nodes drops UDP 8472 (on Google Cloud: the VPC firewall rule for the tunnel)",
      "an MTU mismatch on the underlay: the wrapped packet is 110 bytes",
    ]);
    expect(result.hops.find((h) => h.hop === 4)!.change).toBe("✗ lost here: last seen at hop 3");
  });

  test("lost between the nodes, and the wrapped packet is larger than the far node's underlay takes: the MTU first", () => {
    const result = analyze("TCP", lostFrom(4, synOnly), planWith({ underlayMtu: 100 }));
    expect(result.diagnosis!.causes[0]).toBe("an MTU mismatch on the underlay: the wrapped packet is 110 bytes and node-2's ens4 takes 100");
  });

  test("arrived on the far node and not unwrapped: its firewall on the tunnel's port first, or a port or VNI mismatch", () => {
    const result = analyze("TCP", lostFrom(5, synOnly), planWith({ tunnel: { port: 8472 } }));
    expect(result.problem).toBe("TCP: it arrived on hop 4 (node-2 ens4) and was not unwrapped: not seen on node-2's cilium_vxlan");
    expect(result.diagnosis!.causes).toEqual([
      "node-2 drops the tunnel's UDP 8472 before its VXLAN device: a host firewall (iptables or nftables INPUT)",
      "a VNI or port mismatch between the nodes (here node-2's cilium_vxlan takes UDP 8472, as the packet had)",
    ]);
  });

  describe("what the nodes say of themselves comes first: it is evidence, the rest are suspects", () => {
    const tcp = articlePlan().exchanges.find((e) => e.label === "TCP")!;
    const facts = (nodes: Partial<NodeFacts>): Evidence => ({ nodes: { drops: [], notForwarding: [], linksDown: [], errors: [], ...nodes } });
    const drop = (node: string, chain: string, rule: string, packets: number) => ({ node, chain, rule, packets, before: 0 });

    test("a firewall rule on the node it was lost on that dropped packets of this flow during the run; one about other traffic, or on the other node, is not named", () => {
      const evidence = facts({
        drops: [
          drop("node-2", "INPUT", "-p udp -m udp --dport 8472 -j DROP", 3),
          drop("node-2", "KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP", 9),
          drop("node-1", "OUTPUT", "-p udp -j DROP", 1),
        ],
      });
      const result = analyzeExchange(tcp, articlePlan(), lostFrom(5, synOnly), evidence);
      expect(result.diagnosis!.causes).toEqual([
        "node-2's firewall: -A INPUT -p udp -m udp --dport 8472 -j DROP, a rule this flow matches, dropped 3 packets during this run (iptables-save -c)",
        "node-2 drops the tunnel's UDP 8472 before its VXLAN device: a host firewall (iptables or nftables INPUT)",
        "a VNI or port mismatch between the nodes",
      ]);
    });

    test("a chain's DROP policy, said as such", () => {
      const result = analyzeExchange(tcp, articlePlan(), lostFrom(5, synOnly), facts({ drops: [drop("node-2", "INPUT", "policy DROP", 1)] }));
      expect(result.diagnosis!.causes[0]).toBe("node-2's firewall: the INPUT chain's policy DROP, a rule this flow matches, dropped 1 packet during this run (iptables-save -c)");
    });

    test("counters zeroed during the run (the chain rewritten): at least what they counted since", () => {
      const result = analyzeExchange(tcp, articlePlan(), lostFrom(5, synOnly), facts({ drops: [{ ...drop("node-2", "INPUT", "-p udp -j DROP", 2), before: 40, reset: true }] }));
      expect(result.diagnosis!.causes[0]).toBe("node-2's firewall: -A INPUT -p udp -j DROP, a rule this flow matches, dropped at least 2 packets during this run (iptables-save -c)");
    });

    test("lost between the nodes: the receiver's firewall is not named, as a capture sees an arriving packet before it", () => {
      const result = analyzeExchange(tcp, articlePlan(), lostFrom(4, synOnly), facts({ drops: [drop("node-2", "INPUT", "policy DROP", 4)] }));
      expect(result.diagnosis!.firstMissed).toEqual({ hop: 4, node: "node-2", interface: "ens4" });
      expect(result.diagnosis!.causes.join()).not.toContain("node-2's firewall");
    });

    test("a node that forwards nothing, where the packet had to be forwarded: from the pod to the tunnel", () => {
      const evidence = facts({ notForwarding: ["node-1"] });
      expect(analyzeExchange(tcp, articlePlan(), lostFrom(2, synOnly), evidence).diagnosis!.causes[0]).toBe("node-1 forwards nothing: net.ipv4.ip_forward is 0");
      // From the tunnel device to ens4 is the node's own output, not forwarding: not named there.
      expect(analyzeExchange(tcp, articlePlan(), lostFrom(3, synOnly), evidence).diagnosis!.causes.join()).not.toContain("ip_forward");
    });

    test("the server pod's veth without carrier, where it was not delivered", () => {
      const evidence = facts({ linksDown: [{ node: "node-2", interface: ARTICLE.serverLxc, state: "LOWERLAYERDOWN" }] });
      const result = analyzeExchange(tcp, articlePlan(), lostFrom(0, synAck, lostFrom(6, synOnly)), evidence);
      expect(result.diagnosis!.causes[0]).toBe(`node-2's ${ARTICLE.serverLxc} has no carrier (LOWERLAYERDOWN): the pod's end of the veth, its eth0, is down`);
    });
  });

  test("arrived, not unwrapped, and the far tunnel listens on another port: the mismatch first", () => {
    const result = analyze("TCP", lostFrom(5, synOnly), planWith({ tunnel: { port: 4789 } }));
    expect(result.diagnosis!.causes[0]).toBe("node-2's cilium_vxlan listens on UDP 4789, the packet came to UDP 8472: a tunnel port mismatch");
  });

  test("unwrapped and not delivered to the pod, and nothing came back: a policy first, then the route to the pod", () => {
    const result = analyze("TCP", lostFrom(0, synAck, lostFrom(6, synOnly)));
    expect(result.problem).toBe(`TCP: it was unwrapped on node-2 (hop 5 (node-2 cilium_vxlan)) but not delivered to the server pod wrk-2/node-wrk-2-ubuntu24: not seen on ${ARTICLE.serverLxc}`);
    expect(result.diagnosis!.causes[0]).toMatch(/^a network policy drops it before the pod/);
  });

  test("never reached the tunnel: the route to the other node's pods first, unless nothing translated the Service", () => {
    const result = analyze("TCP", lostFrom(2, synOnly));
    expect(result.problem).toBe(`TCP: it left the pod at hop 1 (node-1 ${ARTICLE.clientLxc}) but never reached node-1's cilium_vxlan`);
    expect(result.diagnosis!.causes).toEqual([
      `node-1 has no route to ${ARTICLE.server}, the other node's pod range, through the tunnel`,
      `nothing translated the Service address ${ARTICLE.service}: no eBPF program on ${ARTICLE.clientLxc} and no kube-proxy rule for it`,
    ]);
    const untranslated = analyzeExchange(exchange("TCP"), articlePlan(), lostFrom(2, synOnly), { translation: { programs: false, natRules: false } });
    expect(untranslated.diagnosis!.causes[0]).toMatch(/^nothing translated the Service address/);
  });

  test("an ICMP error that comes back says which: unreachable for the ClusterIP itself means nothing translated it", () => {
    const packets = lostFrom(2, synOnly);
    const syn = packets.get(1)!.find(synOnly)!;
    const icmp = (dst: string): Packet => ({
      ...syn,
      src: "10.168.0.4",
      dst: ARTICLE.client,
      protocol: "icmp",
      srcPort: 0,
      dstPort: 0,
      tcp: undefined,
      time: syn.time + 0.0001,
      icmp: { type: 3, code: 0, quoted: { src: ARTICLE.client, dst, protocol: "tcp", srcPort: syn.srcPort, dstPort: 9999 } },
    });
    packets.set(1, [...packets.get(1)!, icmp(ARTICLE.service)]);
    const untranslated = analyze("TCP", packets);
    expect(untranslated.diagnosis!.cameBack).toBe("ICMP network unreachable from 10.168.0.4 (seen at hop 1)");
    expect(untranslated.diagnosis!.causes[0]).toMatch(/^nothing translated the Service address/);
    packets.set(1, [...packets.get(1)!.filter((p) => !p.icmp), icmp(ARTICLE.server)]);
    expect(analyze("TCP", packets).diagnosis!.causes[0]).toBe(`node-1 has no route to ${ARTICLE.server}, the other node's pod range, through the tunnel`);
  });

  test("reached the tunnel, never left the node wrapped: the tunnel's forwarding entry", () => {
    const result = analyze("TCP", lostFrom(3, synOnly));
    expect(result.diagnosis).toMatchObject({ lastSeen: { hop: 2 }, firstMissed: { hop: 3 } });
    expect(result.diagnosis!.causes[0]).toBe("node-1's tunnel device has no forwarding entry for the other node");
  });

  test("a TCP RST from the server: connection refused, nothing listens there", () => {
    const packets = articleCaptures();
    for (const [hop, list] of packets) packets.set(hop, list.map((p) => (synAck(p) ? { ...p, tcp: { ...p.tcp!, flags: ["ACK", "RST"] } } : p)));
    const result = analyze("TCP", packets);
    expect(result.ok).toBe(false);
    expect(result.diagnosis!.cameBack).toBe(`a TCP RST from ${ARTICLE.server}`);
    expect(result.problem).toBe(`TCP: it reached hop 6 (node-2 ${ARTICLE.serverLxc}) and ${ARTICLE.server} refused the connection with a TCP RST`);
    expect(result.diagnosis!.causes).toEqual(["connection refused: nothing listens on tcp 9999 in the server pod wrk-2/node-wrk-2-ubuntu24"]);
  });

  test("DNS that nobody serves: the query reaches the DNS pod's node, ICMP port unreachable comes back", () => {
    const packets = articleCaptures();
    const query = packets.get(1)!.find((p) => p.dns && !p.dns.response)!;
    for (const [hop, list] of packets) packets.set(hop, list.filter((p) => !p.dns?.response));
    const unreachable: Packet = {
      ...query,
      src: ARTICLE.dnsPod,
      dst: ARTICLE.client,
      protocol: "icmp",
      srcPort: 0,
      dstPort: 0,
      dns: undefined,
      interface: "cilium_vxlan",
      time: query.time + 0.001,
      icmp: { type: 3, code: 3, quoted: { src: ARTICLE.client, dst: ARTICLE.dnsPod, protocol: "udp", srcPort: query.srcPort, dstPort: 53 } },
    };
    packets.set(5, [...packets.get(5)!, unreachable]);
    const result = analyze("DNS", packets);
    expect(result.ok).toBe(false);
    expect(result.diagnosis!.cameBack).toBe(`ICMP port unreachable from ${ARTICLE.dnsPod} (seen at hop 5)`);
    expect(result.diagnosis!.causes).toEqual(["nothing listens on udp 53 in the DNS pod kube-system/coredns: cluster DNS is not answering"]);
    expect(result.dns!.every((q) => q.answer === "no answer")).toBe(true);
  });

  test("the way there works and the answer is lost: the reply direction, named from the answer's side", () => {
    // The SYN-ACK on node-1 after its ens4: at its cilium_vxlan (hop 2) and the client's lxc (hop 1).
    const packets = articleCaptures();
    for (const hop of [1, 2]) packets.set(hop, packets.get(hop)!.filter((p) => !synAck(p)));
    const result = analyze("TCP", packets);
    expect(result.ok).toBe(false);
    expect(result.diagnosis).toMatchObject({ direction: "reply", lastSeen: { hop: 3, node: "node-1", interface: "ens4" }, firstMissed: { hop: 2, node: "node-1", interface: "cilium_vxlan" } });
    expect(result.problem).toBe("TCP: the answer arrived on hop 3 (node-1 ens4) and was not unwrapped: not seen on node-1's cilium_vxlan");
    expect(result.reply.find((h) => h.hop === 2)!.change).toBe("✗ lost here: last seen at hop 3");
    expect(result.hops.every((h) => h.seen)).toBe(true);
  });

  test("no answer from the server at all", () => {
    const result = analyze("TCP", lostFrom(0, synAck));
    expect(result.problem).toBe(`TCP: it reached hop 6 (node-2 ${ARTICLE.serverLxc}) and no answer came back there`);
    expect(result.diagnosis!.causes[0]).toMatch(/^the server pod wrk-2\/node-wrk-2-ubuntu24 does not answer/);
  });

  test("a hop whose capture missed a packet that later hops saw is a gap, not a loss", () => {
    const packets = articleCaptures();
    packets.set(4, []);
    const result = analyze("TCP", packets);
    expect(result.ok).toBe(true);
    expect(result.hops.find((h) => h.hop === 4)).toMatchObject({ seen: false, change: "not captured here, though seen further on" });
  });

  test("a lookalike from another flow (same sequence numbers, another client) is not taken for the packet", () => {
    const packets = lostFrom(4, synOnly);
    const real = articleCaptures().get(4)!.find(synOnly)!;
    packets.set(4, [...packets.get(4)!, { ...real, src: "10.0.1.99", srcPort: 40000 }]);
    const result = analyze("TCP", packets);
    expect(result.hops.find((h) => h.hop === 4)!.seen).toBe(false);
    expect(result.diagnosis!.firstMissed!.hop).toBe(4);
  });

  test("the handshake crossed and the data did not: the first segment of data is followed too", () => {
    const packets = articleCaptures();
    const ack = packets.get(1)!.find((p) => p.tcp?.flags.join() === "ACK")!;
    const data = (hop: number): Packet => {
      const seen = packets.get(hop)!.find((p) => p.tcp?.flags.join() === "ACK")!;
      return { ...seen, time: seen.time + 0.01, ipId: ack.ipId + 1, length: 1300, tcp: { ...seen.tcp!, flags: ["ACK", "PUSH"], payload: 1248 }, outer: seen.outer && { ...seen.outer, ipLength: 1336 } };
    };
    for (const hop of [1, 2, 3]) packets.set(hop, [...packets.get(hop)!, data(hop)]);
    const result = analyzeExchange(exchange("TCP"), planWith({ underlayMtu: 1300 }), packets, { delivered: false });
    expect(result.ok).toBe(false);
    expect(result.hops.every((h) => h.seen)).toBe(true);
    expect(result.data!.map((h) => h.seen)).toEqual([true, true, true, false, false, false]);
    expect(result.problem).toBe(`TCP: the handshake crossed, but the first 1248 bytes of data did not: it left node-1 on ens4 (UDP 8472 to ${ARTICLE.node2}) and never arrived on node-2's ens4: lost between the nodes`);
    expect(result.diagnosis!.causes[0]).toBe("an MTU mismatch on the underlay: the wrapped packet is 1336 bytes and node-2's ens4 takes 1300");
  });

  test("no packet left the pod at all", () => {
    const result = analyze("TCP", lostFrom(1, (p) => p.protocol === "tcp"));
    expect(result.ok).toBe(false);
    expect(result.problem).toBe(`TCP: no TCP packet from ${ARTICLE.client} to port 9999 at hop 1 (node-1 ${ARTICLE.clientLxc}): the trigger's packet never left the pod`);
  });
});

describe("BPF host routing: delivered past the host-side veth", () => {
  const tcp = exchange("TCP");

  test("the server's lxc saw nothing, but the answer came back and the payload was echoed: arrived, said so, not a loss", () => {
    const result = analyzeExchange(tcp, articlePlan(), pastTheVeth(), { delivered: true, hostRouting: "BPF" });
    expect(result.ok).toBe(true);
    expect(result.diagnosis).toBeUndefined();
    expect(result.hops[5]).toMatchObject({
      hop: 6,
      seen: false,
      bypassed: true,
      change: `not captured on ${ARTICLE.serverLxc}, though it arrived: Cilium's BPF host routing (its agent says so) hands packets to the pod's own eth0 (bpf_redirect_peer), past the host-side veth`,
    });
    // The answer into the client pod, likewise.
    expect(result.reply[5]).toMatchObject({ hop: 1, seen: false, bypassed: true });
  });

  test("not the route or a policy when it arrived; still a loss when nothing says it did", () => {
    const arrived = analyzeExchange(tcp, articlePlan(), pastTheVeth(), { delivered: true });
    expect(arrived.hops[5].change).toMatch(/though it arrived: BPF host routing hands packets to the pod's own eth0/);
    // The answer came back, but the payload did not: the client's lxc missing the answer is a loss.
    const lost = analyzeExchange(tcp, articlePlan(), pastTheVeth(), { delivered: false });
    expect(lost.ok).toBe(false);
    expect(lost.hops[5]).toMatchObject({ bypassed: true });
    expect(lost.diagnosis).toMatchObject({ direction: "reply", firstMissed: { hop: 1 } });
  });

  test("the pod's own eth0, captured through its network namespace, shows the packet the lxc did not", () => {
    const onEth0 = articleCaptures().get(6)!.map((p) => ({ ...p, interface: "eth0", time: p.time + 0.00001 }));
    const result = analyzeExchange(tcp, articlePlan(), pastTheVeth(), { delivered: true }, new Map([[6, onEth0]]));
    expect(result.hops[5]).toMatchObject({ hop: 6, seen: true, insidePod: true, packet: { interface: "eth0", dst: ARTICLE.server } });
    expect(result.hops[5].change).toBe(
      `delivered to the pod; seen on the pod's own eth0, not on ${ARTICLE.serverLxc}: BPF host routing hands packets to the pod's own eth0 (bpf_redirect_peer), past the host-side veth`,
    );
    expect(result.hops[5].bypassed).toBeUndefined();
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
