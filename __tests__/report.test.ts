import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeExchange } from "../journey/analyzer";
import { Packet } from "../journey/decode";
import { Proof } from "../journey/proof";
import { renderSummary, renderTables } from "../journey/report";
import { JourneyResult } from "../journey/result";
import { ARTICLE, articleCaptures, articlePlan } from "./fixtures/article-captures";

// The summary a learner reads, from analyses of the article's captures and proofs as a run reads them.

const plan = articlePlan();
const programs = [{ interface: ARTICLE.clientLxc, hook: "ingress", name: "cil_from_container" }];
const natRules = (packets: number, before: number, reset?: true) => [{ packets, before, ...(reset ? { reset } : {}), chain: "KUBE-SERVICES", rule: `-d ${ARTICLE.service}/32 -p tcp --dport 9999 -j KUBE-SVC-X` }];
const kept = { kubeProxyReplacement: false, socketLB: "off", hostRouting: "Legacy", network: "Tunnel [vxlan]" } as const;

function result(proof: Partial<Proof>, packets = articleCaptures()): JourneyResult {
  const full: Proof = { node: "node-1", programs, natRules: natRules(0, 0), hasAgent: true, agent: kept, verdict: "ebpf", errors: [], ...proof };
  const exchanges = plan.exchanges.map((e) => analyzeExchange(e, plan, packets));
  return { where: "lab", ok: true, plan, trigger: { resolved: ARTICLE.service, deliveries: [] }, exchanges, proof: full, problems: [], pcaps: [], notes: [] };
}
const summary = (r: JourneyResult) => renderSummary(r).join("\n");

/** The captures as socket load balancing in the pod makes them: the ClusterIP never on the wire, even at hop 1. */
function translatedAtConnect(): Map<number, Packet[]> {
  const packets = articleCaptures();
  const toPod = (a: string) => (a === ARTICLE.service ? ARTICLE.server : a);
  packets.set(1, packets.get(1)!.map((p) => ({ ...p, src: toPod(p.src), dst: toPod(p.dst) })));
  return packets;
}

describe("kube-proxy's counters in the text", () => {
  test("what this run counted, and what was counted before it, apart", () => {
    expect(summary(result({ natRules: natRules(0, 5) }))).toContain(
      `- kube-proxy's nat rules for ${ARTICLE.service} (iptables-save -c): 0 packets during this run in 1 rules (KUBE-SERVICES); 5 before it, from earlier connections`,
    );
  });

  test("counters reset during the run: what they counted since, as a floor", () => {
    const text = summary(result({ natRules: natRules(2, 5, true), verdict: "iptables" }));
    expect(text).toContain(`- kube-proxy's nat rules for ${ARTICLE.service} (iptables-save -c): counters were reset during the run (a kube-proxy sync): at least 2 packets since, in 1 rules (KUBE-SERVICES)`);
    expect(text).not.toContain("during this run in");
  });
});

describe("the hop-1 sentence about kube-proxy replacement: only from what the agent says and hop 1 shows", () => {
  test("the agent says it replaces kube-proxy and hop 1 shows the ClusterIP: the rewrite is at the lxc", () => {
    const text = summary(result({ natRules: [], agent: { ...kept, kubeProxyReplacement: true, socketLB: "host namespace only" } }));
    expect(text).toContain(
      `- no kube-proxy rules for ${ARTICLE.service}: Cilium replaces kube-proxy and alone translates; socket load balancing is kept to the host's namespace, so hop 1 still shows the ClusterIP and the rewrite happens at the lxc`,
    );
    expect(text).toContain("- Cilium's agent (cilium-dbg status): kube-proxy replacement on, socket load balancing host namespace only, host routing Legacy, network Tunnel [vxlan]");
  });

  test("replaced, and hop 1 already shows the pod: the sentence says connect(), not that hop 1 shows the ClusterIP", () => {
    const text = summary(result({ natRules: [], agent: { ...kept, kubeProxyReplacement: true, socketLB: "pods too" } }, translatedAtConnect()));
    expect(text).toContain("the rewrite happened at connect() and hop 1 already shows the pod's address");
    expect(text).not.toContain("hop 1 still shows the ClusterIP");
  });

  test("no rules found while the agent says kube-proxy is kept: invisible rules, not a replacement", () => {
    const text = summary(result({ natRules: [] }));
    expect(text).toContain(`- no kube-proxy rules for ${ARTICLE.service} found, though Cilium's agent says it does not replace kube-proxy: the rules may sit in the other iptables backend (legacy or nft) than the one iptables-save read`);
    expect(text).not.toMatch(/replaces kube-proxy and alone/);
  });

  test("no rules found and no word from the agent: nothing is claimed", () => {
    const text = summary(result({ natRules: [], agent: undefined, errors: ["cilium-dbg status failed on node-1: Error: cannot reach the agent"] }));
    expect(text).toContain("- could not read: cilium-dbg status failed on node-1: Error: cannot reach the agent");
    expect(text).toContain(`- no kube-proxy rules for ${ARTICLE.service} found; Cilium's own view could not be read, so whether it replaces kube-proxy is not known`);
    expect(text).not.toMatch(/replaces kube-proxy and alone|hop 1 still shows/);
  });

  test("the box: it says it has no agent, and reads no failure into that", () => {
    const text = summary(result({ hasAgent: false, agent: undefined }));
    expect(text).toContain("- the box has no Cilium agent: no cilium-dbg, no load-balancer or connection-tracking maps to read, no Hubble; its eBPF program and kube-proxy's rules stand in for them");
    expect(text).not.toContain("could not read");
  });
});

describe("the summary follows the table", () => {
  test("a packet that left the pod for the ClusterIP was rewritten by the lxc's program", () => {
    const text = summary(result({}));
    expect(text).toContain(`TCP: the first packet left the client pod for the Service's ClusterIP ${ARTICLE.service}:9999 (hop 1, ${ARTICLE.clientLxc}).`);
    expect(text).toContain(`At node-1's cilium_vxlan its destination was already the pod ${ARTICLE.server}:9999: the eBPF program on ${ARTICLE.clientLxc} rewrote it`);
  });

  test("a packet that left the pod already addressed to the backend: translated at connect(), nothing rewrote it on the way", () => {
    const r = result({ natRules: [], agent: { ...kept, kubeProxyReplacement: true, socketLB: "pods too" } }, translatedAtConnect());
    const tcp = r.exchanges.find((e) => e.label === "TCP")!;
    expect(tcp.hops[0].change).toMatch(/translated at connect\(\), not at the lxc/);
    const text = summary(r);
    expect(text).toContain(`TCP: the first packet left the client pod already addressed to the pod ${ARTICLE.server}:9999 (hop 1, ${ARTICLE.clientLxc}): the Service ${ARTICLE.service}:9999 was translated at connect()`);
    expect(text).toContain(`At node-1's cilium_vxlan its destination was the same pod, ${ARTICLE.server}:9999: nothing on the way rewrote it.`);
    expect(text).toContain(`from the pod's own address (${ARTICLE.server})`);
    expect(text).not.toMatch(/for the Service's ClusterIP|rewrote it \(|its source was the ClusterIP again/);
  });
});

describe("BPF host routing in the summary", () => {
  /** The host-side lxcs see nothing that enters the pods. */
  const pastTheVeth = () => {
    const packets = articleCaptures();
    packets.set(1, packets.get(1)!.filter((p) => p.dst !== ARTICLE.client));
    packets.set(6, packets.get(6)!.filter((p) => p.dst !== ARTICLE.server));
    return packets;
  };
  const analyzed = (inside?: Map<number, Packet[]>) => {
    const exchanges = plan.exchanges.map((e) => analyzeExchange(e, plan, pastTheVeth(), { delivered: true }, inside));
    return { ...result({}), exchanges };
  };

  test("arrived past the lxc, not captured: said so, not that the lxc delivered it", () => {
    const text = summary(analyzed());
    expect(text).toContain(`node-2's cilium_vxlan unwrapped it and it reached the server pod past ${ARTICLE.serverLxc}, which did not see it (BPF host routing).`);
    expect(text).not.toContain(`${ARTICLE.serverLxc} delivered it`);
  });

  test("seen on the pod's own eth0: said so, and the table names it", () => {
    const inside = new Map([[6, articleCaptures().get(6)!.map((p) => ({ ...p, interface: "eth0" }))]]);
    const r = analyzed(inside);
    expect(summary(r)).toContain(`Cilium handed it straight to the server pod's eth0, where it was seen, past ${ARTICLE.serverLxc} (BPF host routing).`);
    expect(renderTables(r).some((l) => /^ {2}6 +node-2 +eth0, inside the pod +10\.0\.1\.15:38430 → 10\.0\.2\.215:9999 TCP SYN/.test(l))).toBe(true);
  });
});

describe("Cilium's evidence in the text", () => {
  const withEvidence = (disagreements: string[]): JourneyResult => ({
    ...result({}),
    cilium: {
      flows: [
        {
          label: "TCP",
          client: ARTICLE.client,
          clientPort: 38430,
          conntrack: [],
          hubble: [],
          beside: [
            { direction: "forward", hop: 2, text: "Hubble to-overlay: a → b SYN FORWARDED" },
            { direction: "reply", hop: 1, text: "Hubble to-endpoint: b → a SYN,ACK FORWARDED" },
          ],
          disagreements,
        },
      ],
      notes: ["a note on Hubble"],
      errors: ["hubble observe failed on node-2: rpc error"],
    },
  });

  test("each line right under the hop it speaks of, in its direction", () => {
    const lines = renderTables(withEvidence([]));
    const below = (pattern: RegExp) => lines[lines.findIndex((l) => pattern.test(l)) + 1];
    expect(below(/^ {2}2 +node-1 +cilium_vxlan +10\.0\.1\.15:38430 → 10\.0\.2\.215:9999 TCP SYN /)).toBe("       ↳ Hubble to-overlay: a → b SYN FORWARDED");
    const reply = lines.indexOf("  reply:", lines.findIndex((l) => l.startsWith("TCP from")));
    expect(lines.slice(reply).find((l) => l.includes("↳"))).toBe("       ↳ Hubble to-endpoint: b → a SYN,ACK FORWARDED");
    expect(lines.filter((l) => l.includes("↳"))).toHaveLength(2);
  });

  test("per flow: agrees, or where it disagrees; the notes and what could not be read", () => {
    expect(summary(withEvidence([]))).toContain("- TCP from 10.0.1.15:38430: agrees with the captures (the load balancer's map (no entry), 0 conntrack entries, 0 Hubble events)");
    const text = summary(withEvidence(["Hubble saw it at to-endpoint", "another"]));
    expect(text).toContain("- TCP from 10.0.1.15:38430: disagrees with the captures: Hubble saw it at to-endpoint; another");
    expect(text).toContain("- a note on Hubble");
    expect(text).toContain("- could not read: hubble observe failed on node-2: rpc error");
  });
});

describe("a run where the packet was lost: what happened, and the likely causes", () => {
  /**
   * node-2 drops the tunnel's port, as `box break tunnel-blocked-node-2` makes it: every flow is seen
   * up to node-2's ens4 and no further, and node-2's rule counted the packets it dropped.
   */
  function tunnelBlocked(): JourneyResult {
    const tunnel = { port: 8472, vni: 2 };
    const base = articlePlan(["tcp", "udp"]);
    const lostPlan = { ...base, nodes: base.nodes.map((n) => (n.name === "node-2" ? { ...n, tunnel } : n)) };
    const packets = new Map<number, Packet[]>();
    for (const [hop, list] of articleCaptures()) {
      if (hop > 4) continue;
      // What the client sent (the box's constant VNI on the wire), and a UDP datagram beside the TCP SYN.
      const sent = list.filter((p) => p.src === ARTICLE.client).map((p) => (p.outer ? { ...p, outer: { ...p.outer, vni: tunnel.vni } } : p));
      const datagrams = sent.filter((p) => p.tcp?.flags.join() === "SYN").map((p) => ({ ...p, protocol: "udp" as const, tcp: undefined, srcPort: 41000, udpLength: 39 }));
      packets.set(hop, [...sent, ...datagrams]);
    }
    const rule = "-p udp -m udp --dport 8472 -m comment --comment labyrinth-fault -j DROP";
    const nodes = { drops: [{ node: "node-2", chain: "INPUT", rule, packets: 6, before: 0 }], notForwarding: [], linksDown: [], errors: [] };
    const deliveries = [
      { protocol: "tcp" as const, sent: "x".repeat(30), received: "", ok: false, error: "Connection timed out" },
      { protocol: "udp" as const, sent: "x".repeat(30), received: "", ok: false },
    ];
    const exchanges = lostPlan.exchanges.map((e) => {
      const delivery = deliveries.find((d) => d.protocol === e.protocol && e.label !== "DNS");
      return analyzeExchange(e, lostPlan, packets, { delivered: delivery?.ok ?? false, socketError: delivery?.error, nodes });
    });
    const problems = exchanges.flatMap((e) => (e.problem ? [e.problem] : []));
    return { ...result({}), ok: false, plan: lostPlan, exchanges, problems, trigger: { resolved: undefined, deliveries } };
  }

  const unwrapped = "it arrived on hop 4 (node-2 ens4) and was not unwrapped: not seen on node-2's cilium_vxlan.";
  const causes =
    "Likely causes, most likely first: (1) node-2's firewall: -A INPUT -p udp -m udp --dport 8472 -m comment --comment labyrinth-fault -j DROP, a rule this flow matches, dropped 6 packets during this run (iptables-save -c); (2) node-2 drops the tunnel's UDP 8472 before its VXLAN device: a host firewall (iptables or nftables INPUT); (3) a VNI or port mismatch between the nodes (here node-2's cilium_vxlan takes UDP 8472, VNI 2, as the packet had).";

  test("for each flow, where it stopped, what came back and the likely causes, most likely first; a flow that stopped alike is said the same as the first", () => {
    const lines = renderSummary(tunnelBlocked());
    const happened = lines.indexOf("What happened:");
    expect(lines.slice(happened, lines.indexOf("", happened))).toEqual([
      "What happened:",
      `- DNS: ${unwrapped} What came back: nothing. ${causes} The resolver asked: node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local → no answer; node-wrk-2-ubuntu24.wrk-2.svc.cluster.local → no answer.`,
      `- TCP: ${unwrapped} What came back: nothing was captured; the client's socket said "Connection timed out". ${causes}`,
      "- UDP: the same as DNS.",
    ]);
    expect(lines.slice(-6)).toEqual([
      "- TCP payload (31 bytes) NOT echoed back (Connection timed out)",
      "- UDP payload (31 bytes) NOT echoed back (nothing came back)",
      "",
      ...["DNS", "TCP", "UDP"].map((label) => `✗ ${label}: ${unwrapped.slice(0, -1)}`),
    ]);
  });

  test("the README's example of such a run is this text, but for the names the resolver asked", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const example = /With node-2 dropping the tunnel's port[^`]*```\n([^`]*)\n```/.exec(readme)![1].split("\n");
    const lines = renderSummary(tunnelBlocked());
    const happened = lines.indexOf("What happened:");
    const asked = (line: string) => line.replace(/ The resolver asked: .*$/, "");
    expect(example.map(asked)).toEqual(lines.slice(happened, lines.indexOf("", happened)).map(asked));
  });
});
