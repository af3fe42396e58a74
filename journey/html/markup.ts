/** HTML built from template literals: every value put in is escaped, unless it is markup made here. */
import { escapeUTF8 } from "entities";

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function markup(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(markup).join("");
  // Nothing for absent parts: `${cond && html`…`}` leaves no trace when cond is false.
  if (value === undefined || value === null || value === false) return "";
  return escapeUTF8(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, s, i) => out + markup(values[i - 1]) + s));
}
