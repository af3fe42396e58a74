import { Measured, Stats, stats } from "./measure";

export interface Row {
  readonly id: string;
  readonly what: string;
  readonly reps: number;
  readonly stats: Stats;
}

/** A ratio of two measured medians, and what it is for. */
export interface Ratio {
  readonly of: string;
  readonly to: string;
  readonly value: number;
}

export interface Target {
  readonly what: string;
  readonly met: boolean;
  readonly measured: string;
}

export function rows(measured: (Measured & { id: string })[]): Row[] {
  return measured.map((m) => ({ id: m.id, what: m.label, reps: m.samples.length, stats: stats(m.samples) }));
}

/** `of`'s median over `to`'s: computed from the measured figures, never typed in. */
export function ratio(table: Row[], of: string, to: string): Ratio {
  const find = (id: string) => {
    const row = table.find((r) => r.id === id);
    if (!row) throw new Error(`no measurement ${id}`);
    return row.stats.median;
  };
  return { of, to, value: find(of) / find(to) };
}

const s = (seconds: number) => `${seconds.toFixed(2)} s`;

export function markdown(table: Row[], ratios: Ratio[], targets: Target[], environment: string[], notes: string[]): string {
  const by = (id: string) => table.find((r) => r.id === id)?.what ?? id;
  return [
    "# Benchmarks",
    "",
    ...environment.map((line) => `- ${line}`),
    "",
    "Each figure: min / median / max of the repetitions, wall time. Peak RSS is GNU time's `%M`: the largest single process of the run (for jest, its largest worker; jest runs three), not the sum.",
    "Construct and unit tests are the files that spawn no process (`npm run test:unit`); integration tests (`*.integration.test.ts`) run scripts, the CLI and stand-in servers; `*.root.test.ts` need root (the box, the eBPF program).",
    "",
    "| measure | reps | min | median | max | peak RSS |",
    "|---|---|---|---|---|---|",
    ...table.map((r) => `| ${r.what} | ${r.reps} | ${s(r.stats.min)} | ${s(r.stats.median)} | ${s(r.stats.max)} | ${Number.isNaN(r.stats.peakMb) ? "—" : `${Math.round(r.stats.peakMb)} MB`} |`),
    "",
    "| ratio (medians) | value |",
    "|---|---|",
    ...ratios.map((q) => `| ${by(q.of)} / ${by(q.to)} | ${q.value.toFixed(2)} (${q.value < 1 ? `${(1 / q.value).toFixed(1)}× faster` : `${q.value.toFixed(1)}× as long`}) |`),
    "",
    "| target | measured | met |",
    "|---|---|---|",
    ...targets.map((t) => `| ${t.what} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    "",
    ...notes,
    "",
  ].join("\n");
}
