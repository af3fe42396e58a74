/**
 * What a node's bootstrap says on its serial console (cloud-init/lib.sh's log lines), read back:
 * the phases of its latest try, with their times, how it ended, and how this boot's earlier tries
 * ended (systemd restarts a failed bootstrap).
 */

/** The bootstrap unit's RestartSec (cloud-init/labyrinth-bootstrap.service): the pause before a failed try is run again. */
export const RESTART_SECONDS = 60;

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
  /**
   * When systemd runs the failed try again, or undefined for a failure that stays. The rule, from
   * the log: a start line that numbers its try ("attempt N of this boot", cloud-init/lib.sh's
   * count_attempt) was written by the bootstrap whose unit restarts on failure, RESTART_SECONDS
   * later and with no limit on restarts; so its failure is retried. A start line without the number
   * comes from the bootstrap before that, a oneshot that never ran again: its failure is final.
   */
  readonly retryAt?: Date;
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
  const latest = tries[tries.length - 1];
  const numbered = START.exec(latest[0]?.text ?? "")?.[2];
  const attempt = Number(numbered ?? 1);
  // This boot's earlier tries are the attempt-1 ones just before it; earlier boots come before those.
  const earlier = tries.slice(Math.max(0, tries.length - attempt), -1);

  const phases: Phase[] = [];
  let complete = false;
  let failure: Line | undefined;
  let role: string | undefined;
  for (const { at, text } of latest) {
    let m: RegExpExecArray | null;
    if ((m = START.exec(text))) role = m[1];
    else if ((m = /^phase (\S+): start$/.exec(text))) phases.push({ name: m[1], state: "running", startedAt: at });
    else if ((m = /^phase (\S+): done in (\d+)s$/.exec(text))) end(phases, m[1], "done", Number(m[2]));
    else if ((m = FAILED.exec(text))) {
      end(phases, m[1], "failed", Number(m[2]));
      failure = { at, text };
    } else if (text === "bootstrap complete") complete = true;
  }
  return {
    role,
    startedAt: latest[0]?.at,
    attempt,
    earlierFailures: earlier.map((t) => t.find((l) => FAILED.test(l.text))?.text ?? "stopped without a failure line (a timeout or a signal)"),
    phases,
    complete,
    failure: failure?.text,
    retryAt: failure && numbered !== undefined ? new Date(failure.at.getTime() + RESTART_SECONDS * 1000) : undefined,
    lastLines: latest.slice(-8).map((l) => `${l.at.toISOString().slice(11, 19)} ${l.text}`),
  };
}

/** The phase a failure line names, or undefined for a try that stopped without one. */
export function failedPhase(line: string): string | undefined {
  return FAILED.exec(line)?.[1];
}

function end(phases: Phase[], name: string, state: "done" | "failed", seconds: number): void {
  const index = phases.findLastIndex((p) => p.name === name);
  if (index >= 0) phases[index] = { ...phases[index], state, seconds };
}
