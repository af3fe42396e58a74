/**
 * The page's stylesheet, inlined into it. Every colour has a second cue beside it (a mark, a
 * dashed border, a word), so the page reads in black and white and to the colour-blind; the
 * print rules fit an exchange on a landscape page.
 */
export const STYLE = `
:root {
  --ink: #1b1f24; --muted: #5b6470; --line: #c9ced6; --paper: #fff;
  --node-1: #eef3fa; --node-2: #eef7f1; --underlay: #f2efe8;
  --changed: #ffd866; --changed-ink: #5c3d00;
  --ok: #1e6b34; --bad: #a4211b; --seen: #1f4fb8;
  --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 1.25rem 1.5rem 3rem; max-width: 1500px; color: var(--ink); background: var(--paper);
  font: .9375rem/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .4rem; }
.route { margin: 0 0 .5rem; font-family: var(--mono); font-size: .85rem; color: var(--muted); }
.verdict-line { font-weight: 700; margin: .4rem 0; }
.ok { color: var(--ok); }
.failed { color: var(--bad); }
.verdict { font-size: .85rem; font-weight: 600; margin-left: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.5rem; font-size: .8rem; color: var(--muted); border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: .45rem 0; margin: .6rem 0 0; }
.key-card { display: inline-block; border: 1.5px dashed var(--muted); border-radius: 4px; padding: 0 .35rem; font-size: .75rem; }
.key-card.lost { border-color: var(--bad); color: var(--bad); }

mark.changed { background: var(--changed); color: var(--changed-ink); font-weight: 700; border-bottom: 2px solid var(--changed-ink); padding: 0 .1em; border-radius: 2px; }
mark.changed.removed { text-decoration: line-through; }

figure { margin: 0; overflow-x: auto; }
figcaption { font-size: .85rem; color: var(--muted); margin-bottom: .7rem; }
.trip { --label: 4.2rem; --underlay-width: 4.8rem; display: grid; column-gap: 1.1rem; row-gap: .55rem; min-width: 1040px; padding: .6rem .75rem .8rem; }
.node-frame { grid-row: 1 / -1; margin: -.45rem -.55rem; border: 1.5px solid var(--line); border-radius: 8px; }
.node-frame.client { background: var(--node-1); }
.node-frame.far { background: var(--node-2); }
.node-head { grid-row: 1; display: flex; flex-wrap: wrap; align-items: baseline; gap: .2rem .7rem; font-size: .85rem; position: relative; }
.node-name { font-weight: 700; font-size: 1rem; }
.node-address, .pod { font-family: var(--mono); font-size: .78rem; }
.pod { border: 1px solid var(--muted); border-radius: 999px; padding: 0 .5rem; background: var(--paper); }
.underlay-head { grid-row: 1; font-size: .78rem; color: var(--muted); text-align: center; align-self: end; position: relative; }
.underlay-band { grid-row: 2 / -1; background: repeating-linear-gradient(0deg, var(--underlay) 0 6px, transparent 6px 9px); border-left: 1px dashed var(--line); border-right: 1px dashed var(--line); }
.point { grid-row: 2; position: relative; font-size: .8rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; }
.point .ifname { font-family: var(--mono); font-weight: 700; }
.point-what { display: block; color: var(--muted); font-size: .72rem; }
.hop-no { display: inline-grid; place-items: center; min-width: 1.35rem; height: 1.35rem; border-radius: 50%; background: var(--ink); color: var(--paper); font-size: .72rem; font-weight: 700; }

.way-label { grid-column: 1; align-self: center; font-weight: 700; font-size: .85rem; position: relative; }
ol.way { grid-column: 1 / -1; display: grid; grid-template-columns: subgrid; list-style: none; margin: 0; padding: 0; }
li.hop { grid-row: 1; position: relative; display: flex; }
li.hop.next::after { position: absolute; top: 1.1rem; font-size: 1rem; color: var(--ink); }
ol.there li.hop.next::after, ol.data li.hop.next::after { content: "→"; right: -1.05rem; }
ol.back li.hop.next::after { content: "←"; left: -1.05rem; }
li.hop.to-missing::after { color: var(--bad); font-weight: 700; }
ol.way li.hop.next.to-missing::after { content: "✗"; }
.card { flex: 1; background: var(--paper); border: 1.5px solid var(--ink); border-radius: 6px; padding: .35rem .45rem; font-size: .78rem; }
.card-head { display: flex; align-items: center; gap: .35rem; flex-wrap: wrap; }
.card .what { font-weight: 600; overflow-wrap: anywhere; }
.card .time { margin-left: auto; color: var(--muted); font-size: .7rem; }
.card .row { display: grid; grid-template-columns: 1.7rem 1fr; }
.card .k { color: var(--muted); }
.card .v { font-family: var(--mono); font-size: .74rem; }
.inner { margin-top: .3rem; }
.outer { margin-top: .3rem; padding: .2rem .3rem; border: 1px dashed var(--muted); border-radius: 4px; background: #f6f6f6; }
.outer.gone { color: var(--muted); }
.outer-title { font-size: .7rem; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.why { margin: .3rem 0 0; font-size: .74rem; }
.card.missing { border-style: dashed; border-color: var(--muted); color: var(--muted); background: transparent; }
.card.missing.lost { border-color: var(--bad); border-width: 2.5px; color: var(--bad); background: #fdf0ef; }
.card.last-seen { border-color: var(--seen); border-width: 3px; }
.badge { display: inline-block; font-size: .7rem; font-weight: 700; border-radius: 999px; padding: 0 .45rem; border: 1px solid currentColor; }
.badge.last-seen { color: var(--seen); margin-top: .2rem; }

.wire { align-self: center; position: relative; display: grid; place-items: center; min-height: 2.4rem; }
.wire-line { position: absolute; left: -1.1rem; right: -1.1rem; top: 50%; border-top: 3px solid var(--ink); }
.wire.broken .wire-line { border-top: 3px dashed var(--bad); }
.wire-label { position: relative; background: var(--paper); border: 1px solid currentColor; border-radius: 4px; padding: 0 .25rem; font-size: .72rem; font-weight: 700; white-space: nowrap; }
.wire.broken .wire-label { color: var(--bad); }

.diagnosis { margin: .9rem 0 0; border: 2px solid var(--bad); border-left-width: 8px; border-radius: 6px; padding: .6rem .9rem; background: #fdf0ef; }
.diagnosis h3 { color: var(--bad); }
.diagnosis p { margin: .2rem 0; }
.causes { margin: .2rem 0 0; }

table { border-collapse: collapse; font-size: .82rem; margin-top: .8rem; }
caption { text-align: left; color: var(--muted); font-size: .82rem; padding-bottom: .25rem; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top; }
td { font-family: var(--mono); }
tr.used td { font-weight: 700; }
.summary ul { padding-left: 1.2rem; }
.summary li { margin: .25rem 0; }
.summary.problems ul { list-style: none; padding-left: 0; color: var(--bad); font-weight: 600; }
dl.data { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .9rem; margin: 0; }
dl.data > div { display: contents; }
dt { font-weight: 600; }
dd { margin: 0; font-family: var(--mono); font-size: .82rem; }
dd table { margin-top: 0; }
ul.data { margin: 0; padding-left: 1.1rem; }
.none { color: var(--muted); }

@media print {
  @page { size: A4 landscape; margin: 9mm; }
  /* Everything is sized in rem: a smaller root fits an exchange across the page. */
  html { font-size: 10.5px; }
  body { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .trip { --label: 3.2rem; --underlay-width: 3.6rem; min-width: 0; column-gap: .8rem; }
  figure { overflow: visible; }
  .exchange { break-inside: avoid; }
  .summary, .diagnosis, table { break-inside: avoid; }
}
`;
