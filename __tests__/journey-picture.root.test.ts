import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Page } from "playwright-core";
import { labyrinth, leftOfTheBox, ROOT, useTheBox } from "./support/box";
import { Browser, openBrowser, printedSheets } from "./support/browser";

// The page `journey --local --html` writes, opened in Debian's Chromium: what a reader sees,
// checked against the JSON of the same run. The screenshots are kept for a reviewer in
// .cache/screenshots (ports and times differ at every run); SCREENSHOTS_DIR=docs makes the README's.
useTheBox();
const SHOTS = process.env.SCREENSHOTS_DIR ? join(ROOT, process.env.SCREENSHOTS_DIR) : join(ROOT, ".cache", "screenshots");
mkdirSync(SHOTS, { recursive: true });

const dir = mkdtempSync(join(tmpdir(), "labyrinth-picture-"));
let browser: Browser;
beforeAll(async () => (browser = await openBrowser()));
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One run, with both the JSON and the page of it. */
function journey(name: string, expectExit: number): { result: any; file: string } {
  const file = join(dir, `${name}.html`);
  const run = labyrinth(["journey", "--local", "--json", "--html", file]);
  expect(run.status).toBe(expectExit);
  expect(run.stderr).toContain(`labyrinth: the journey is drawn in ${file}: open it in any browser`);
  return { result: JSON.parse(run.stdout), file };
}

/** The page opened, with every request it made and every complaint the browser had about it. */
async function open(file: string): Promise<{ page: Page; requests: string[]; complaints: string[] }> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const complaints: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && complaints.push(m.text()));
  page.on("pageerror", (e) => complaints.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, requests, complaints };
}

interface DrawnHop {
  hop: number;
  x: number;
  sentence: string;
  classes: string[];
  text: string;
  fields: { name: string; text: string; changed: boolean; removed: boolean }[];
}

/** The hops of one way of one exchange, as the browser laid them out. */
function drawn(page: Page, label: string, way: "there" | "back" | "data"): Promise<DrawnHop[]> {
  return page.locator(`section[aria-labelledby="exchange-${label}"] ol.way.${way} > li.hop`).evaluateAll((items) =>
    items.map((li: any) => ({
      hop: Number(li.dataset.hop),
      x: li.getBoundingClientRect().x,
      sentence: li.querySelector(".visually-hidden").textContent,
      classes: [...li.classList],
      text: li.querySelector(".card").innerText,
      fields: [...li.querySelectorAll("[data-field]")].map((f: any) => ({ name: f.dataset.field, text: f.textContent, changed: f.classList.contains("changed"), removed: f.classList.contains("removed") })),
    })),
  );
}

// The test's own reading of a packet's headers, to hold the page against: not the analyzer's.
const HEADERS: Record<string, (p: any) => unknown> = {
  src: (p) => p.src,
  srcPort: (p) => p.srcPort,
  dst: (p) => p.dst,
  dstPort: (p) => p.dstPort,
  "outer.src": (p) => p.outer?.src,
  "outer.dst": (p) => p.outer?.dst,
  "outer.dstPort": (p) => p.outer?.dstPort,
  "outer.vni": (p) => p.outer?.vni,
};

/** Each hop of `views` (the JSON's) against the page's: the same hops in order, the same addresses, exactly the changed fields marked. */
function expectDrawnAsInJson(hops: DrawnHop[], views: any[]): void {
  expect(hops.map((h) => h.hop)).toEqual(views.map((v) => v.hop));
  let previous: any;
  views.forEach((view, i) => {
    const hop = hops[i];
    expect(hop.sentence).toMatch(new RegExp(`^Hop ${view.hop}, ${view.node} ${view.interface}: `));
    if (!view.seen) {
      expect(hop.fields).toEqual([]);
      expect(hop.sentence).toContain("not seen");
      return;
    }
    const p = view.packet;
    const shown = Object.fromEntries(hop.fields.filter((f) => !f.removed).map((f) => [f.name, f.text]));
    const expected = Object.fromEntries(Object.entries(HEADERS).filter(([, read]) => read(p) !== undefined).map(([name, read]) => [name, String(read(p))]));
    expect(shown).toEqual(expected);
    const changed = previous ? Object.keys(HEADERS).filter((name) => HEADERS[name](previous) !== HEADERS[name](p)) : [];
    expect(hop.fields.filter((f) => f.changed).map((f) => f.name)).toEqual(changed);
    // What was taken off is shown struck through, with the values it had.
    const removed = hop.fields.filter((f) => f.removed);
    expect(removed.map((f) => f.text)).toEqual(previous?.outer && !p.outer ? ["src", "dst", "dstPort", "vni"].map((k) => String(previous.outer[k])) : []);
    expect(hop.text).toContain(view.change);
    expect(hop.sentence).toContain(`from ${p.src}:${p.srcPort} to ${p.dst}:${p.dstPort}`);
    previous = p;
  });
}

describe("the page of a journey that went through", () => {
  let result: any;
  let page: Page;
  let requests: string[];
  let complaints: string[];
  let file: string;
  beforeAll(async () => {
    ({ result, file } = journey("through", 0));
    ({ page, requests, complaints } = await open(file));
  });

  test("TCP and UDP: six hops there, left to right, and six back, right to left; DNS: the five its path has", async () => {
    for (const label of ["TCP", "UDP"]) {
      const there = await drawn(page, label, "there");
      const back = await drawn(page, label, "back");
      expect(there.map((h) => h.hop)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(back.map((h) => h.hop)).toEqual([6, 5, 4, 3, 2, 1]);
      const xs = there.map((h) => h.x);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(back.map((h) => h.x)).toEqual([...xs].reverse());
    }
    expect((await drawn(page, "DNS", "there")).map((h) => h.hop)).toEqual([1, 2, 3, 4, 5]);
  });

  test("every hop shows the JSON's addresses and ports, inner and outer, and exactly the fields that changed are marked", async () => {
    for (const exchange of result.exchanges) {
      expectDrawnAsInJson(await drawn(page, exchange.label, "there"), exchange.hops);
      expectDrawnAsInJson(await drawn(page, exchange.label, "back"), exchange.reply);
    }
    // The service rewrite, on the way there and back, for the reader to see.
    const [, vxlan] = await drawn(page, "TCP", "there");
    expect(vxlan.fields.filter((f) => f.changed).map((f) => f.text)).toEqual([result.plan.server.address]);
  });

  test("the DNS lookup: every name asked, its answer, the one used", async () => {
    const rows = await page.locator("table.dns tbody tr").evaluateAll((trs) => trs.map((tr: any) => [...tr.cells].map((c: any) => c.innerText.trim())));
    const dns = result.exchanges.find((e: any) => e.label === "DNS").dns;
    expect(rows.map((r) => [r[0], r[1], r[2].replace(/ ✓ the address used$/, ""), r[3]])).toEqual(dns.map((q: any) => [q.name, q.type, q.answer, q.server]));
    expect(rows.some((r) => r[2] === "NXDOMAIN")).toBe(true);
    expect(rows.filter((r) => r[2].endsWith("✓ the address used")).map((r) => r[2])).toEqual([`${result.trigger.resolved} ✓ the address used`]);
  });

  test("the proof: the programs and nat rules of the result", async () => {
    const proof = await page.locator("section.proof-data").innerText();
    for (const program of result.proof.programs) expect(proof).toContain(program.name);
    expect(proof).toContain(result.proof.natRules[0].chain);
  });

  test("nothing was fetched but the file itself, and the browser had nothing to complain of", () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    // A load the content security policy blocks may raise no request (a frame, an icon): the console still says it.
    expect(complaints).toEqual([]);
  });

  test("in print, each exchange fits on a landscape A4 page, across and down", async () => {
    // A4 landscape less the print stylesheet's 9 mm margins, at 96 CSS pixels to the inch.
    const sheet = { width: Math.floor(((297 - 18) / 25.4) * 96), height: Math.floor(((210 - 18) / 25.4) * 96) };
    await page.emulateMedia({ media: "print" });
    await page.setViewportSize(sheet);
    const sizes = await page.locator("section.exchange").evaluateAll((sections) =>
      sections.map((s: any) => ({ height: s.getBoundingClientRect().height, overflow: s.querySelector("figure").scrollWidth - s.querySelector("figure").clientWidth })),
    );
    expect(sizes.length).toBe(result.exchanges.length);
    for (const size of sizes) {
      expect(size.overflow).toBe(0);
      expect(size.height).toBeLessThanOrEqual(sheet.height);
    }
    await page.emulateMedia({ media: "screen" });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test("printed on real landscape A4 sheets: each exchange whole on a sheet of its own, one after the other", async () => {
    const print = (await open(file)).page;
    try {
      // A mark at the top and at the bottom of each exchange, taking no room, to find the sheet each lands on.
      await print.locator("section.exchange").evaluateAll((sections) =>
        sections.forEach((section: any) => {
          for (const edge of ["top", "bottom"]) {
            const mark = Object.assign(section.ownerDocument.createElement("span"), { textContent: `mark-${edge}-${section.getAttribute("aria-labelledby")}` });
            mark.style.cssText = "display: block; height: 0; font-size: 1px; line-height: 1px";
            if (edge === "top") section.prepend(mark);
            else section.append(mark);
          }
        }),
      );
      const sheets = await printedSheets(print);
      const sheetOf = (mark: string) => sheets.findIndex((text) => text.includes(mark));
      const spans = result.exchanges.map((e: any) => [sheetOf(`mark-top-exchange-${e.label}`), sheetOf(`mark-bottom-exchange-${e.label}`)]);
      const first = spans[0][0];
      expect(first).toBeGreaterThanOrEqual(0);
      expect(spans).toEqual(result.exchanges.map((_: unknown, i: number) => [first + i, first + i]));
    } finally {
      await print.close();
    }
  });

  test("a screenshot of the happy path: journey.png", async () => {
    await page.locator('section[aria-labelledby="exchange-TCP"]').screenshot({ path: join(SHOTS, "journey.png") });
  });
});

describe("the page of a journey on a broken path (node-2 drops the tunnel's port)", () => {
  let result: any;
  let page: Page;
  let requests: string[];
  let complaints: string[];
  let file: string;
  beforeAll(async () => {
    expect(labyrinth(["box", "up"]).status).toBe(0);
    try {
      expect(labyrinth(["box", "break", "tunnel-blocked-node-2"]).status).toBe(0);
      ({ result, file } = journey("broken", 1));
    } finally {
      labyrinth(["box", "fix"]);
      labyrinth(["box", "down"]);
    }
    ({ page, requests, complaints } = await open(file));
  });

  test("where it was last seen and where it was lost, said in words beside the colour", async () => {
    const tcp = result.exchanges.find((e: any) => e.label === "TCP");
    const { lastSeen, firstMissed } = tcp.diagnosis;
    const there = await drawn(page, "TCP", "there");
    expectDrawnAsInJson(there, tcp.hops);
    const marked = (mark: string) => there.filter((h) => h.classes.includes(mark));
    expect(marked("last-seen").map((h) => h.hop)).toEqual([lastSeen.hop]);
    expect(marked("last-seen")[0].text).toContain("● last seen");
    expect(marked("lost").map((h) => h.hop)).toEqual([firstMissed.hop]);
    expect(marked("lost")[0].text).toContain("✗ lost here");
  });

  test("the failure in the text's words: where it stopped, what came back, the likely causes in order", async () => {
    const tcp = result.exchanges.find((e: any) => e.label === "TCP");
    const box = page.locator('section[aria-labelledby="exchange-TCP"] .diagnosis');
    expect(await box.innerText()).toContain(`TCP: ${tcp.diagnosis.seen}.`);
    expect(await box.innerText()).toContain(`What came back: ${tcp.diagnosis.cameBack}.`);
    expect(await box.locator("ol.causes > li").allInnerTexts()).toEqual(tcp.diagnosis.causes);
  });

  test("nothing was fetched, and the browser had nothing to complain of; the box is gone", () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(complaints).toEqual([]);
    expect(leftOfTheBox()).toEqual([]);
  });

  test("a screenshot of the broken path: journey-broken.png", async () => {
    await page.locator('section[aria-labelledby="exchange-TCP"]').screenshot({ path: join(SHOTS, "journey-broken.png") });
  });
});
