/**
 * Any part of the result as HTML, by its shape alone: a list of records as a table, a record as
 * a list of its fields, a list as a list, a value as text. So a field added to the result later
 * shows up on the page without a change here.
 */
import { html, Html } from "./markup";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A field's name for people: natRules → nat rules. */
const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

export function valueHtml(value: unknown): Html {
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="none">none</span>`;
    if (value.every(isRecord)) {
      const keys = [...new Set(value.flatMap((row) => Object.keys(row)))];
      return html`<table class="data"><thead><tr>${keys.map((k) => html`<th scope="col">${words(k)}</th>`)}</tr></thead><tbody>${value.map(
        (row) => html`<tr>${keys.map((k) => html`<td>${valueHtml(row[k])}</td>`)}</tr>`,
      )}</tbody></table>`;
    }
    return html`<ul class="data">${value.map((item) => html`<li>${valueHtml(item)}</li>`)}</ul>`;
  }
  if (isRecord(value)) {
    return html`<dl class="data">${Object.entries(value).map(([k, v]) => html`<div><dt>${words(k)}</dt><dd>${valueHtml(v)}</dd></div>`)}</dl>`;
  }
  return html`${value === undefined || value === null ? "—" : String(value)}`;
}
