import { escapeUTF8 } from "entities";
import { analyzeExchange } from "../journey/analyzer";
import { Packet } from "../journey/decode";
import { renderHtml } from "../journey/html/page";
import { renderSummary, renderText, summarySections } from "../journey/report";
import { JourneyResult } from "../journey/result";
import { ARTICLE, articleCaptures, articlePlan } from "./fixtures/article-captures";

// The page as a string, from the article's own captures; the browser test looks at it rendered.

function articleResult(packets = articleCaptures()): JourneyResult {
  const plan = articlePlan();
  const exchanges = plan.exchanges.map((e) => analyzeExchange(e, plan, packets));
  return {
    where: "lab",
    ok: exchanges.every((e) => e.ok),
    plan,
    trigger: { resolved: ARTICLE.service, deliveries: [] },
    exchanges,
    proof: { node: "node-1", programs: [{ interface: ARTICLE.clientLxc, hook: "ingress", name: "cil_from_container" }], natRules: [], hasAgent: true, verdict: "ebpf", errors: [] },
    problems: exchanges.flatMap((e) => (e.problem ? [e.problem] : [])),
    pcaps: [],
    notes: [],
  };
}

/** The captures with the TCP SYN gone from hop `from` on: lost there. */
function synLostFrom(from: number): Map<number, Packet[]> {
  const packets = articleCaptures();
  for (const [hop, list] of packets) if (hop >= from) packets.set(hop, list.filter((p) => p.tcp?.flags.join() !== "SYN"));
  return packets;
}

describe("the summary in sections", () => {
  test.each([
    ["went through", articleResult()],
    ["broken", articleResult(synLostFrom(5))],
  ])("%s: put back together, the sections are renderSummary's lines, word for word", (_case, result) => {
    const lines = summarySections(result).flatMap((s) => ["", ...(s.title ? [`${s.title}:`] : []), ...s.items.map((i) => `${s.title ? "- " : "✗ "}${i}`)]);
    expect(lines).toEqual(renderSummary(result));
  });
});

describe("the page", () => {
  test("a failed exchange says where it stopped, what came back and each likely cause in the text's own words", () => {
    const result = articleResult(synLostFrom(5));
    const tcp = result.exchanges.find((e) => e.label === "TCP")!;
    const { seen, cameBack, causes } = tcp.diagnosis!;
    expect(causes.length).toBeGreaterThan(1);
    // The box under the TCP picture (the summary further down says them too).
    const tcpSection = renderHtml(result).split('<section class="exchange" aria-labelledby="exchange-TCP">')[1];
    const box = tcpSection.slice(tcpSection.indexOf('<div class="diagnosis"'), tcpSection.indexOf("</section>"));
    const text = renderText(result);
    for (const words of [seen, `What came back: ${cameBack}.`, ...causes]) {
      expect(text).toContain(words);
      expect(box).toContain(escapeUTF8(words));
    }
  });

  test("a field the proof gains later shows up without a change to the page", () => {
    const result = articleResult();
    const later = { ...result, proof: { ...result.proof, ciliumEndpoints: [{ endpointId: 1234, securityIdentity: 58213 }] } };
    const page = renderHtml(later);
    expect(page).toContain("cilium endpoints");
    expect(page).toContain("security identity");
    expect(page).toContain("58213");
    expect(renderHtml(result)).not.toContain("58213");
  });

  test("what the captures carry is shown as text, never as markup", () => {
    const hostile = '<img src=x onerror="alert(1)">.wrk-1.svc.cluster.local';
    // New packets: the fixture's own are shared between tests.
    const packets = new Map([...articleCaptures()].map(([hop, list]) => [hop, list.map((p) => (p.dns ? { ...p, dns: { ...p.dns, name: hostile } } : p))]));
    const page = renderHtml(articleResult(packets));
    expect(page).not.toContain("<img");
    expect(page).toContain(escapeUTF8(hostile));
  });

  test("the legend's changed field is the server pod's address of the result drawn", () => {
    const result = articleResult();
    const moved = { ...result, plan: { ...result.plan, server: { ...result.plan.server, address: "10.44.2.215" } } };
    const legendOf = (page: string) => page.split('<aside class="legend"')[1].split("</aside>")[0];
    expect(legendOf(renderHtml(result))).toContain(`<mark class="changed">${ARTICLE.server}</mark>`);
    expect(legendOf(renderHtml(moved))).toContain('<mark class="changed">10.44.2.215</mark>');
  });

  test("nothing to fetch: no script, link, source or image, and a policy that forbids fetching", () => {
    const page = renderHtml(articleResult());
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(page).not.toMatch(/<(script|link|img|iframe|object)\b/);
    expect(page).not.toMatch(/\s(src|href)=/);
  });
});
