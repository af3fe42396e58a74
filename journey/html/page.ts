/**
 * The journey as one self-contained HTML page: a picture of each exchange, the DNS lookup, the
 * failure's words where one failed, then the summary and the proof as the text says them. Drawn
 * from the result the text and JSON views print; it fetches nothing (its policy forbids it).
 */
import { ExchangeResult } from "../analyzer";
import { summarySections } from "../report";
import { JourneyResult } from "../result";
import { html, Html } from "./markup";
import { STYLE } from "./style";
import { tripFigure } from "./trip";
import { valueHtml } from "./value";

/** The failure in the text's words: where it stopped, what came back, the likely causes in order. */
function failure(exchange: ExchangeResult): Html {
  const d = exchange.diagnosis;
  if (!d) return html`<div class="diagnosis" role="note"><p><strong>✗ ${exchange.problem ?? `${exchange.label}: it did not go through`}</strong></p></div>`;
  return html`<div class="diagnosis" role="note">
<h3>✗ Where it stopped</h3>
<p><strong>${exchange.label}:</strong> ${d.direction === "reply" ? "the way there worked; " : ""}${d.seen}.</p>
<p>What came back: ${d.cameBack}.</p>
<p>Likely causes, most likely first:</p>
<ol class="causes">${d.causes.map((c) => html`<li>${c}</li>`)}</ol>
</div>`;
}

function dnsLookups(result: JourneyResult, exchange: ExchangeResult): Html {
  if (!exchange.dns || exchange.dns.length === 0) return html``;
  const used = result.trigger.resolved;
  return html`<table class="dns">
<caption>The names the client's resolver asked for, in order: its search list first</caption>
<thead><tr><th scope="col">name</th><th scope="col">type</th><th scope="col">answer</th><th scope="col">asked</th></tr></thead>
<tbody>${exchange.dns.map(
    (q) => html`<tr${q.answer === used ? html` class="used"` : ""}><td>${q.name}</td><td>${q.type}</td><td>${q.answer}${q.answer === used && html` <span class="badge">✓ the address used</span>`}</td><td>${q.server}</td></tr>`,
  )}</tbody>
</table>`;
}

function exchangeSection(result: JourneyResult, exchange: ExchangeResult): Html {
  const id = `exchange-${exchange.label}`;
  return html`<section class="exchange" aria-labelledby="${id}">
<h2 id="${id}">${exchange.label} <span class="verdict ${exchange.ok ? "ok" : "failed"}">${exchange.ok ? "✓ there and back" : "✗ did not go through"}</span></h2>
${tripFigure(result.plan, exchange)}
${!exchange.ok && failure(exchange)}
${dnsLookups(result, exchange)}
</section>`;
}

/** How to read the picture; its example of a changed field is the server pod's address, which the Service's translation puts in. */
const legend = (plan: JourneyResult["plan"]) => html`<aside class="legend" aria-label="How to read the picture">
<span><mark class="changed">${plan.server.address}</mark> changed since the point before (highlighted, underlined)</span>
<span><span class="key-card missing">✗ not seen</span> that point did not see the packet</span>
<span><span class="badge last-seen">● last seen</span> <span class="key-card missing lost">✗ lost here</span> where a broken path stops</span>
<span><b>there →</b> <b>← back</b> the packet, then its answer</span>
</aside>`;

export function renderHtml(result: JourneyResult): string {
  const { plan } = result;
  const title = `The packet's journey ${result.where === "box" ? "in the box" : "on the lab"}`;
  const failed = result.exchanges.filter((e) => !e.ok).map((e) => e.label);
  const verdict = result.ok
    ? `✓ It went there and back: ${result.exchanges.map((e) => e.label).join(", ")}.`
    : `✗ It did not go there and back${failed.length > 0 ? `: ${failed.join(", ")}` : ""}. Where it stopped and why is under each picture.`;
  const sections = summarySections(result).map(
    (s) => html`<section class="summary${s.title ? "" : " problems"}">${s.title && html`<h2>${s.title}</h2>`}<ul>${s.items.map((i) => html`<li>${s.title ? "" : "✗ "}${i}</li>`)}</ul></section>`,
  );
  const page = html`<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="route">${plan.client.pod} (${plan.client.address}, ${plan.client.node}) → ${plan.target.name} (${plan.target.service.address}:${plan.target.service.port}) → ${plan.server.pod} (${plan.server.address}, ${plan.server.node})</p>
<p class="verdict-line ${result.ok ? "ok" : "failed"}">${verdict}</p>
${legend(plan)}
</header>
<main>
${result.exchanges.map((e) => exchangeSection(result, e))}
${sections}
<section class="summary proof-data"><h2>The proof, field by field</h2>${valueHtml(result.proof)}</section>
</main>
</body>
</html>
`;
  return `<!doctype html>\n${page}`;
}
