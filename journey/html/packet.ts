/**
 * The packet at one capture point, as a card: its inner addresses and ports, the VXLAN outer
 * header where it is wrapped (struck through where it was just taken off), the fields the
 * analyzer found changed marked, and its words for the change.
 */
import { HEADER_FIELDS, HeaderField, HopView } from "../analyzer";
import { Packet } from "../decode";
import { packetWhat } from "../report";
import { html, Html } from "./markup";

/** Where the diagnosis puts this hop: the last point that saw the packet, or the first that missed it. */
export type Mark = "last-seen" | "lost" | undefined;

function field(view: HopView, name: HeaderField, from: Packet, removed = false): Html {
  const value = HEADER_FIELDS[name](from);
  return view.changed.includes(name)
    ? html`<mark class="changed${removed ? " removed" : ""}" data-field="${name}">${value}</mark>`
    : html`<span data-field="${name}">${value}</span>`;
}

function outerHeader(view: HopView, from: Packet, removed: boolean): Html {
  const f = (name: HeaderField) => field(view, name, from, removed);
  return html`<div class="outer${removed ? " gone" : ""}">
  <div class="outer-title">${removed ? "VXLAN header taken off" : "VXLAN outer header"}</div>
  <div class="row"><span class="k">src</span> <span class="v">${f("outer.src")}</span></div>
  <div class="row"><span class="k">dst</span> <span class="v">${f("outer.dst")}</span></div>
  <div class="row"><span class="k">udp</span> <span class="v">${f("outer.dstPort")} · vni ${f("outer.vni")}</span></div>
</div>`;
}

/** The hop in words, for a screen reader and for anyone who cannot tell the marks apart. */
export function hopSentence(view: HopView, mark: Mark): string {
  const where = `Hop ${view.hop}, ${view.node} ${view.interface}`;
  const p = view.packet;
  const marked = mark === "last-seen" ? " Last seen here." : "";
  if (!p) return `${where}: not seen. ${view.change}.${marked}`;
  const outer = p.outer ? `, inside VXLAN from ${p.outer.src} to ${p.outer.dst}, UDP ${p.outer.dstPort}, VNI ${p.outer.vni}` : "";
  return `${where}: ${packetWhat(p)} from ${p.src}:${p.srcPort} to ${p.dst}:${p.dstPort}${outer}. ${view.change}.${marked}`;
}

/** The card for `view`; `previous` is the packet at the point before, whose outer header this one may have lost. */
export function packetCard(view: HopView, previous: Packet | undefined, mark: Mark): Html {
  const p = view.packet;
  const badge = mark === "last-seen" ? html`<span class="badge last-seen">● last seen</span>` : "";
  if (!p) {
    return html`<div class="card missing${mark === "lost" ? " lost" : ""}" aria-hidden="true">
  <div class="card-head"><span class="hop-no">${view.hop}</span> <span class="what">✗ not seen</span></div>
  <p class="why">${view.change}</p>
</div>`;
  }
  const f = (name: HeaderField) => field(view, name, p);
  const unwrapped = previous?.outer && !p.outer;
  return html`<div class="card${mark === "last-seen" ? " last-seen" : ""}" aria-hidden="true">
  <div class="card-head"><span class="hop-no">${view.hop}</span> <span class="what">${packetWhat(p)}</span>${view.sinceMs !== undefined && html` <span class="time">+${view.sinceMs.toFixed(3)} ms</span>`}</div>
  ${badge}
  <div class="inner">
    <div class="row"><span class="k">src</span> <span class="v">${f("src")}:<wbr>${f("srcPort")}</span></div>
    <div class="row"><span class="k">dst</span> <span class="v">${f("dst")}:<wbr>${f("dstPort")}</span></div>
  </div>
  ${p.outer ? outerHeader(view, p, false) : unwrapped ? outerHeader(view, previous!, true) : ""}
  <p class="why">${view.change}</p>
</div>`;
}
