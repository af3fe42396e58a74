/**
 * One exchange drawn: the client's node and the server's side by side, each with its capture
 * points (the pod's lxc, cilium_vxlan, the node's own interface), the underlay between them, and
 * a row of packet cards per way the packet went (there, back, the first data), in the columns of
 * the points that saw it. Drawn from the result alone.
 */
import { ExchangeResult, HopView } from "../analyzer";
import { Packet } from "../decode";
import { CapturePlan, CapturePoint } from "../plan";
import { html, Html } from "./markup";
import { hopSentence, Mark, packetCard } from "./packet";

interface Way {
  readonly name: "there" | "back" | "data";
  readonly words: string;
  readonly views: HopView[];
}

/** The row's label: its words, with an arrow the way the packet goes. */
const labelOf = (way: Way) => (way.name === "back" ? `← ${way.words}` : `${way.words} →`);

interface Columns {
  /** The grid column of the capture point `hop`. */
  readonly of: (hop: number) => number;
  readonly underlay: number;
  readonly client: CapturePoint[];
  readonly far: CapturePoint[];
}

/** The grid's columns: the row labels first, then the client's node's points, the underlay, the far node's. */
function columns(plan: CapturePlan): Columns {
  const client = plan.points.filter((p) => p.node === plan.client.node);
  const far = plan.points.filter((p) => p.node !== plan.client.node);
  const underlay = 2 + client.length;
  const of = (hop: number) => {
    const i = client.findIndex((p) => p.hop === hop);
    return i >= 0 ? 2 + i : underlay + 1 + far.findIndex((p) => p.hop === hop);
  };
  return { of, underlay, client, far };
}

function waysOf(exchange: ExchangeResult): Way[] {
  return [
    { name: "there" as const, words: "there", views: exchange.hops },
    { name: "back" as const, words: "back", views: exchange.reply },
    { name: "data" as const, words: "first data", views: exchange.data ?? [] },
  ].filter((w) => w.views.length > 0);
}

/** The way the diagnosis is about: the answer's, the first data's (it exists only when the data did not cross), or the first packet's. */
function brokenWay(exchange: ExchangeResult): Way["name"] | undefined {
  if (!exchange.diagnosis) return undefined;
  return exchange.diagnosis.direction === "reply" ? "back" : exchange.data ? "data" : "there";
}

function markOf(exchange: ExchangeResult, way: Way, view: HopView): Mark {
  const d = exchange.diagnosis;
  if (!d || brokenWay(exchange) !== way.name) return undefined;
  if (view.seen && d.lastSeen?.hop === view.hop) return "last-seen";
  if (!view.seen && d.firstMissed?.hop === view.hop) return "lost";
  return undefined;
}

/** The underlay between the two nodes' own interfaces, on one row: crossed, or not. */
function wire(way: Way, column: number, row: number, tunnelPort: number): Html {
  const ends = way.views.filter((v) => v.kind === "underlay");
  if (ends.length < 2) return html``;
  const crossed = ends.every((v) => v.seen);
  const label = way.name === "back" ? `← UDP ${tunnelPort}` : `→ UDP ${tunnelPort}`;
  return html`<div class="wire ${crossed ? "crossed" : "broken"} ${way.name}" style="grid-column:${column};grid-row:${row}" aria-hidden="true"><span class="wire-line"></span><span class="wire-label">${crossed ? label : "✗ not across"}</span></div>`;
}

function wayRow(exchange: ExchangeResult, way: Way, row: number, { of, underlay }: Columns, tunnelPort: number): Html {
  let previous: Packet | undefined;
  const cards = way.views.map((view, i) => {
    const mark = markOf(exchange, way, view);
    // An arrow to the next point on the same node; the underlay draws its own.
    const next = way.views[i + 1]?.node === view.node ? (way.views[i + 1].seen ? " next" : " next to-missing") : "";
    const card = html`<li class="hop${mark ? ` ${mark}` : ""}${next}" data-hop="${view.hop}" style="grid-column:${of(view.hop)}"><span class="visually-hidden">${hopSentence(view, mark)}</span>${packetCard(view, previous, mark)}</li>`;
    if (view.packet) previous = view.packet;
    return card;
  });
  return html`<div class="way-label ${way.name}" style="grid-row:${row}">${labelOf(way)}</div>
<ol class="way ${way.name}" style="grid-row:${row}" aria-label="${exchange.label}, ${way.words}: hop by hop">${cards}</ol>
${wire(way, underlay, row, tunnelPort)}`;
}

function nodeFrame(plan: CapturePlan, side: "client" | "far", points: CapturePoint[], first: number, pod: Html): Html {
  const node = plan.nodes.find((n) => n.name === points[0].node);
  return html`<div class="node-frame ${side}" style="grid-column:${first} / span ${points.length}" aria-hidden="true"></div>
<div class="node-head" style="grid-column:${first} / span ${points.length}"><span class="node-name">${points[0].node}</span>${node && html` <span class="node-address">${node.address}</span>`} ${pod}</div>`;
}

function pointHead(point: CapturePoint, column: number): Html {
  return html`<div class="point kind-${point.kind}" style="grid-column:${column}"><span class="hop-no">${point.hop}</span> <span class="ifname">${point.interface}</span><span class="point-what">${point.description}</span></div>`;
}

export function tripFigure(plan: CapturePlan, exchange: ExchangeResult): Html {
  const grid = columns(plan);
  const { of, underlay, client, far } = grid;
  const planned = plan.exchanges.find((e) => e.label === exchange.label);
  const backend = planned?.backend;
  const ways = waysOf(exchange);
  const clientPod = html`<span class="pod">client pod ${plan.client.pod} · ${plan.client.address}</span>`;
  const farPod = backend && far.some((p) => p.node === backend.node) ? html`<span class="pod">${backend.name} · ${backend.address}</span>` : html``;
  const caption = planned
    ? `${exchange.label} from ${plan.client.pod} (${planned.client}) to the Service ${planned.service.address}:${planned.service.port}, answered by ${planned.backend.name} (${planned.backend.address}:${planned.backend.port}${planned.backend.node ? ` on ${planned.backend.node}` : ""})`
    : exchange.label;
  return html`<figure class="trip-figure">
<figcaption>${caption}</figcaption>
<div class="trip" style="grid-template-columns:var(--label) repeat(${client.length}, minmax(0, 1fr)) var(--underlay-width) repeat(${far.length}, minmax(0, 1fr));grid-template-rows:repeat(${2 + ways.length}, auto)">
${client.length > 0 && nodeFrame(plan, "client", client, 2, clientPod)}
<div class="underlay-head" style="grid-column:${underlay}"><span>underlay</span></div>
<div class="underlay-band" style="grid-column:${underlay}" aria-hidden="true"></div>
${far.length > 0 && nodeFrame(plan, "far", far, underlay + 1, farPod)}
${plan.points.map((p) => pointHead(p, of(p.hop)))}
${ways.map((way, i) => wayRow(exchange, way, 3 + i, grid, plan.tunnelPort))}
</div>
</figure>`;
}
