import { analyzeExchange } from "../journey/analyzer";
import { readCiliumEvidence, readCiliumMaps, relateFlow } from "../journey/cilium-evidence";
import { parseCtList } from "../journey/cilium-ct";
import { parseLbList } from "../journey/cilium-lb";
import { Packet } from "../journey/decode";
import { parseHubbleFlows } from "../journey/hubble";
import { ARTICLE, articleCaptures, articlePlan, pastTheVeth } from "./fixtures/article-captures";
import { ok, standInExecutor } from "./support/stand-in-executor";

// Cilium's evidence beside the article's captures. The maps and flows are written in the formats of
// the real output (fixtures/cilium/cli-output.ts) for the article's addresses: built, not captured.

const plan = articlePlan();
const PORT = 38430;
const client = `${ARTICLE.client}:${PORT}`;
const analyzed = (packets = articleCaptures(), evidence = {}) => analyzeExchange(plan.exchanges.find((e) => e.label === "TCP")!, plan, packets, evidence);

/** The 1.18 row format (protocol and slot per row), for the article's Service. */
const lbList = (backend = ARTICLE.server) => `SERVICE ADDRESS             BACKEND ADDRESS (REVNAT_ID) (SLOT)
10.96.0.10:53/UDP (0)       0.0.0.0:0 (3) (0) [ClusterIP, non-routable]
10.96.0.10:53/UDP (1)       ${ARTICLE.dnsPod}:53/UDP (3) (1)
${ARTICLE.service}:9999/TCP (0)   0.0.0.0:0 (7) (0) [ClusterIP, non-routable]
${ARTICLE.service}:9999/TCP (1)   ${backend}:9999/TCP (7) (1)
`;
const ctLine = (direction: string, from: string, to: string, extra: string, revNat: number) =>
  `TCP ${direction} ${from} -> ${to} ${extra}expires=17 RxPackets=1 RxBytes=74 RxFlagsSeen=0x12 LastRxReport=5 TxPackets=2 TxBytes=140 TxFlagsSeen=0x12 LastTxReport=5 Flags=0x0010 [ SeenNonSyn ] RevNAT=${revNat} SourceSecurityID=27453 IfIndex=0`;
const ctList = (backend = ARTICLE.server, revNat = 7) =>
  [ctLine("OUT", `${ARTICLE.service}:9999`, client, "service ", 7), ctLine("OUT", client, `${backend}:9999`, "", revNat), ctLine("OUT", `${ARTICLE.client}:40000`, `${ARTICLE.server}:9999`, "", 7)].join("\n");

/** A flow line in hubble observe's jsonpb shape. */
function flow(point: string, reply: boolean, src: string, dst: string, more: object = {}) {
  const [sa, sp] = src.split(":");
  const [da, dp] = dst.split(":");
  return JSON.stringify({
    flow: {
      time: "2025-05-21T00:23:20.091833823Z",
      verdict: "FORWARDED",
      IP: { source: sa, destination: da, ipVersion: "IPv4" },
      l4: { TCP: { source_port: Number(sp), destination_port: Number(dp), flags: reply ? { SYN: true, ACK: true } : { SYN: true } } },
      event_type: { type: 4 },
      trace_observation_point: point,
      ...(reply ? { is_reply: true } : {}),
      ...more,
    },
  });
}
const server = `${ARTICLE.server}:9999`;
const node1Flows = [
  flow("FROM_ENDPOINT", false, client, `${ARTICLE.service}:9999`, { destination_service: { name: "node-wrk-2-ubuntu24", namespace: "wrk-2" } }),
  flow("TO_OVERLAY", false, client, server),
  flow("FROM_OVERLAY", true, server, client),
  flow("TO_ENDPOINT", true, server, client, { IP: { source: ARTICLE.server, source_xlated: ARTICLE.service, destination: ARTICLE.client } }),
];
const node2Flows = [flow("FROM_OVERLAY", false, client, server), flow("TO_ENDPOINT", false, client, server), flow("FROM_ENDPOINT", true, server, client), flow("TO_OVERLAY", true, server, client)];
const hubble = (lines: string[], node: string) => parseHubbleFlows(lines.join("\n")).map((e) => ({ ...e, node }));
const allHubble = () => [...hubble(node1Flows, "node-1"), ...hubble(node2Flows, "node-2")];
const maps = (lb = lbList(), ct = ctList()) => ({ services: parseLbList(lb), conntrack: parseCtList(ct) });

describe("Cilium's evidence beside the hops it confirms", () => {
  const evidence = relateFlow(plan, analyzed(), maps(), allHubble());

  test("the load balancer's entry and the connection's tracking entries beside the hop that shows the translation", () => {
    expect(evidence.beside.filter((b) => b.hop === 2 && b.direction === "forward").map((b) => b.text)).toEqual([
      `Cilium's load balancer on node-1: ${ARTICLE.service}:9999/TCP → ${ARTICLE.server}:9999 (RevNAT 7)`,
      `Cilium's conntrack on node-1: the Service's entry TCP OUT ${ARTICLE.service}:9999 → ${client}, RevNAT 7 (the Service's)`,
      `Cilium's conntrack on node-1: TCP OUT ${client} → ${ARTICLE.server}:9999, RevNAT 7 (the Service's)`,
      `Hubble to-overlay: ${client} → ${server} SYN FORWARDED`,
    ]);
    // Only this client port's entries: another connection to the same backend is not this flow's.
    expect(evidence.conntrack).toHaveLength(2);
  });

  test("Hubble's events at their hops: the ClusterIP before translation at hop 1, delivery at hop 6, the reverse translation on the way back", () => {
    const at = (direction: string, hop: number) => evidence.beside.filter((b) => b.direction === direction && b.hop === hop && b.text.startsWith("Hubble")).map((b) => b.text);
    expect(at("forward", 1)).toEqual([`Hubble from-endpoint: ${client} → ${ARTICLE.service}:9999 SYN FORWARDED (the Service wrk-2/node-wrk-2-ubuntu24, before translation)`]);
    expect(at("forward", 5)).toEqual([`Hubble from-overlay: ${client} → ${server} SYN FORWARDED`]);
    expect(at("forward", 6)).toEqual([`Hubble to-endpoint: ${client} → ${server} SYN FORWARDED`]);
    expect(at("reply", 6)).toEqual([`Hubble from-endpoint: ${server} → ${client} SYN,ACK FORWARDED`]);
    expect(at("reply", 1)).toEqual([`Hubble to-endpoint: ${server} → ${client} SYN,ACK FORWARDED (on the wire from ${ARTICLE.service}: translated back)`]);
    expect(evidence.disagreements).toEqual([]);
  });
});

describe("where Cilium and the captures disagree, it is said", () => {
  test("Hubble saw the packet delivered where the capture did not", () => {
    // Lost at hop 6 as far as the captures tell: not seen there, and no answer anywhere.
    const packets = articleCaptures();
    for (const [hop, list] of packets) packets.set(hop, list.filter((p: Packet) => !p.tcp || (hop !== 6 && p.dst !== ARTICLE.client)));
    expect(relateFlow(plan, analyzed(packets), maps(), allHubble()).disagreements).toEqual([
      `Hubble saw the packet at to-endpoint on node-2 (hop 6, ${ARTICLE.serverLxc}), where the capture did not`,
    ]);
  });

  test("not where BPF host routing delivered past the lxc: Hubble's to-endpoint there confirms the delivery the capture could not see", () => {
    const evidence = relateFlow(plan, analyzed(pastTheVeth(), { delivered: true, hostRouting: "BPF" }), maps(), allHubble());
    expect(evidence.disagreements).toEqual([]);
    const confirmations = evidence.beside.filter((b) => b.text.includes("confirms"));
    expect(confirmations).toEqual([
      { direction: "reply", hop: 1, text: `Hubble's to-endpoint on node-1 confirms the answer was delivered past ${ARTICLE.clientLxc}, which did not see it: BPF host routing` },
      { direction: "forward", hop: 6, text: `Hubble's to-endpoint on node-2 confirms the packet was delivered past ${ARTICLE.serverLxc}, which did not see it: BPF host routing` },
    ]);
  });

  test("Hubble's address at a hop is not the captured one", () => {
    const elsewhere = [...node1Flows.filter((l) => !l.includes("TO_OVERLAY")), flow("TO_OVERLAY", false, client, "10.0.2.99:9999")];
    expect(relateFlow(plan, analyzed(), maps(), hubble(elsewhere, "node-1")).disagreements).toEqual(["Hubble's to-overlay on node-1 has 10.0.2.99, the capture at hop 2 has 10.0.2.215"]);
  });

  test("the load balancer's backends, the conntrack entry's backend and its RevNAT, each against the captures", () => {
    expect(relateFlow(plan, analyzed(), maps(lbList("10.0.2.99")), []).disagreements).toEqual([
      `the capture at hop 2 shows ${server}, which is not among Cilium's backends for ${ARTICLE.service}:9999 (10.0.2.99:9999)`,
    ]);
    expect(relateFlow(plan, analyzed(), maps(lbList(), ctList("10.0.2.99", 9)), []).disagreements).toEqual([
      `Cilium's conntrack sends ${client} to 10.0.2.99:9999, the capture at hop 2 shows ${server}`,
      `Cilium's conntrack ties ${client} to RevNAT 9, the Service ${ARTICLE.service}:9999 has 7`,
    ]);
  });

  test("a translation the captures show, with no entry in Cilium's load balancer", () => {
    const evidence = relateFlow(plan, analyzed(), maps(lbList().split("\n").filter((l) => !l.startsWith(ARTICLE.service)).join("\n")), []);
    expect(evidence.service).toBeUndefined();
    expect(evidence.disagreements).toEqual([`the captures show ${ARTICLE.service}:9999 translated to ${server}, but Cilium's load balancer on node-1 has no entry for it`]);
  });

  test("a drop Hubble saw goes beside the node's last hop, with its reason", () => {
    const drop = flow("UNKNOWN_POINT", false, client, server, { verdict: "DROPPED", event_type: { type: 1 }, drop_reason_desc: "POLICY_DENIED" });
    const evidence = relateFlow(plan, analyzed(), maps(), hubble([drop], "node-2"));
    expect(evidence.beside).toContainEqual({ direction: "forward", hop: 6, text: `Hubble drop: ${client} → ${server} SYN DROPPED: POLICY_DENIED` });
  });
});

describe("reading it from the agents", () => {
  test("the maps on the client's node, Hubble for the flow's client port on each traced node", async () => {
    const { executor, calls } = standInExecutor([
      [/^agent node-1: cilium-dbg bpf lb list$/, ok(lbList())],
      [/^agent node-1: cilium-dbg bpf ct list global$/, ok(ctList())],
      [/^agent node-1: hubble observe/, ok(node1Flows.join("\n"))],
      [/^agent node-2: hubble observe/, ok(node2Flows.join("\n") + "\n")],
    ]);
    const read = await readCiliumEvidence(executor, plan, [analyzed()], await readCiliumMaps(executor, plan), 30);
    expect(calls).toEqual([
      "agent node-1: cilium-dbg bpf lb list",
      "agent node-1: cilium-dbg bpf ct list global",
      `agent node-1: hubble observe --since 30s --ip ${ARTICLE.client} --port ${PORT} --protocol tcp -o jsonpb`,
      `agent node-2: hubble observe --since 30s --ip ${ARTICLE.client} --port ${PORT} --protocol tcp -o jsonpb`,
    ]);
    expect(read.flows).toHaveLength(1);
    expect(read.flows[0]).toMatchObject({ label: "TCP", client: ARTICLE.client, clientPort: PORT, disagreements: [] });
    expect(read.flows[0].hubble.map((e) => `${e.node} ${e.point}`)).toContain("node-2 to-endpoint");
    expect(read).toMatchObject({ notes: [], errors: [] });
  });

  test("no from-* point at all: the agent aggregates its events, and that is said; what failed is named", async () => {
    const { executor } = standInExecutor([
      [/bpf lb list/, { status: 1, stdout: "", stderr: "Error: cannot open map" }],
      [/bpf ct list/, ok(ctList())],
      [/^agent node-1: hubble observe/, ok(node1Flows.filter((l) => !l.includes("FROM_")).join("\n"))],
      [/^agent node-2: hubble observe/, ok("rpc error: code = Unavailable")],
    ]);
    const read = await readCiliumEvidence(executor, plan, [analyzed()], await readCiliumMaps(executor, plan), 30);
    expect(read.notes).toEqual([expect.stringMatching(/^Hubble reported no from-endpoint or from-overlay events: the agent aggregates its trace events/)]);
    expect(read.errors).toEqual(["cilium-dbg bpf lb list failed on node-1: Error: cannot open map", expect.stringMatching(/^hubble observe on node-2 could not be read: /)]);
  });
});
