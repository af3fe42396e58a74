/**
 * What a node's bootstrap says on its serial console (cloud-init/lib.sh's log lines), read back:
 * the phases of its latest try, with their times, how it ended, and how this boot's earlier tries
 * ended (systemd restarts a failed bootstrap).
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
  /** When the latest try started. */
  readonly startedAt?: Date;
  /** Which try of the current boot the latest is: 1 for the first. */
  readonly attempt: number;
  /** How this boot's earlier tries ended, oldest first: each one's failure line. */
  readonly earlierFailures: string[];
  readonly phases: Phase[];
  readonly complete: boolean;
  /** The failure line, when a phase failed. */
  readonly failure?: string;
  /** The last lines it logged (for a failure, what led to it). */
  readonly lastLines: string[];
}

const LINE = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) labyrinth: (.*)$/;
const START = /^bootstrap of a (\S+) node.*?(?:, attempt (\d+) of this boot)?$/;
const FAILED = /^phase (\S+): FAILED after (\d+)s/;

interface Line {
  readonly at: Date;
  readonly text: string;
}

export function parseBootstrapLog(console: string): NodeBootstrap {
  const lines: Line[] = console
    .split(/\r?\n/)
    .map((line) => LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: new Date(m[1]), text: m[2] }));
  // The console keeps every boot and every try: split it into tries, the latest one counts.
  const starts = lines.flatMap((l, i) => (START.test(l.text) ? [i] : []));
  const tries = starts.length === 0 ? [lines] : starts.map((start, i) => lines.slice(start, starts[i + 1]));
  const attemptOf = (t: Line[]) => Number(START.exec(t[0]?.text ?? "")?.[2] ?? 1);
  const latest = tries[tries.length - 1];
  const attempt = attemptOf(latest);
  // This boot's earlier tries are the attempt-1 ones just before it; earlier boots come before those.
  const earlier = tries.slice(Math.max(0, tries.length - attempt), -1);

  const phases: Phase[] = [];
  let complete = false;
  let failure: string | undefined;
  let role: string | undefined;
  for (const { at, text } of latest) {
    let m: RegExpExecArray | null;
    if ((m = START.exec(text))) role = m[1];
    else if ((m = /^phase (\S+): start$/.exec(text))) phases.push({ name: m[1], state: "running", startedAt: at });
    else if ((m = /^phase (\S+): done in (\d+)s$/.exec(text))) end(phases, m[1], "done", Number(m[2]));
    else if ((m = FAILED.exec(text))) {
      end(phases, m[1], "failed", Number(m[2]));
      failure = text;
    } else if (text === "bootstrap complete") complete = true;
  }
  return {
    role,
    startedAt: latest[0]?.at,
    attempt,
    earlierFailures: earlier.map((t) => t.find((l) => FAILED.test(l.text))?.text ?? "stopped without a failure line (a timeout or a signal)"),
    phases,
    complete,
    failure,
    lastLines: latest.slice(-8).map((l) => `${l.at.toISOString().slice(11, 19)} ${l.text}`),
  };
}

function end(phases: Phase[], name: string, state: "done" | "failed", seconds: number): void {
  const index = phases.findLastIndex((p) => p.name === name);
  if (index >= 0) phases[index] = { ...phases[index], state, seconds };
}
