/**
 * What a node's bootstrap says on its serial console (cloud-init/lib.sh's log lines), read back:
 * the phases of its latest boot, with their times, and how it ended.
 */

export interface Phase {
  readonly name: string;
  readonly state: "running" | "done" | "failed";
  readonly startedAt: Date;
  /** How long it took, once it ended. */
  readonly seconds?: number;
}

export interface NodeBootstrap {
  readonly role?: string;
  readonly startedAt?: Date;
  readonly phases: Phase[];
  readonly complete: boolean;
  /** The failure line, when a phase failed. */
  readonly failure?: string;
  /** The last lines it logged (for a failure, what led to it). */
  readonly lastLines: string[];
}

const LINE = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) labyrinth: (.*)$/;

export function parseBootstrapLog(console: string): NodeBootstrap {
  const lines = console
    .split(/\r?\n/)
    .map((line) => LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: new Date(m[1]), text: m[2] }));
  // The console keeps every boot: only the latest bootstrap counts.
  const boot = lines.slice(Math.max(0, lines.findLastIndex((l) => l.text.startsWith("bootstrap of a "))));
  const phases: Phase[] = [];
  let complete = false;
  let failure: string | undefined;
  let role: string | undefined;
  for (const { at, text } of boot) {
    let m: RegExpExecArray | null;
    if ((m = /^bootstrap of a (\S+) node/.exec(text))) role = m[1];
    else if ((m = /^phase (\S+): start$/.exec(text))) phases.push({ name: m[1], state: "running", startedAt: at });
    else if ((m = /^phase (\S+): done in (\d+)s$/.exec(text))) end(phases, m[1], "done", Number(m[2]));
    else if ((m = /^phase (\S+): FAILED after (\d+)s/.exec(text))) {
      end(phases, m[1], "failed", Number(m[2]));
      failure = text;
    } else if (text === "bootstrap complete") complete = true;
  }
  return {
    role,
    startedAt: boot[0]?.at,
    phases,
    complete,
    failure,
    lastLines: boot.slice(-8).map((l) => `${l.at.toISOString().slice(11, 19)} ${l.text}`),
  };
}

function end(phases: Phase[], name: string, state: "done" | "failed", seconds: number): void {
  const index = phases.findLastIndex((p) => p.name === name);
  if (index >= 0) phases[index] = { ...phases[index], state, seconds };
}
