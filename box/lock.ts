import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { BoxError } from "./errors";

function lockPath(prefix: string): string {
  return `/run/${prefix}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Who holds the box, if a live process does. */
export function holder(prefix: string): { pid: number; doing: string } | undefined {
  try {
    const held = JSON.parse(readFileSync(lockPath(prefix), "utf8")) as { pid: number; doing: string };
    return alive(held.pid) && held.pid !== process.pid ? held : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One run at a time, for every command that changes the box or traces in it. Atomic: of two runs
 * that start together, one holds it and the other is told who, before it touches anything. A lock
 * left by a run that died is taken over. Returns a way to say what the run is now doing, and to
 * let go.
 */
export function holdBox(prefix: string, doing: string): { now: (doing: string) => void; release: () => void } {
  const path = lockPath(prefix);
  const write = (what: string, flag: "wx" | "w") => writeFileSync(path, JSON.stringify({ pid: process.pid, doing: what }), { flag });
  for (let attempt = 0; ; attempt++) {
    try {
      write(doing, "wx");
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const other = holder(prefix);
      if (other) throw new BoxError(`another run (pid ${other.pid}) is ${other.doing} the box: wait for it to end`);
      rmSync(path, { force: true });
    }
  }
  return {
    now: (what) => write(what, "w"),
    release: () => {
      if (holder(prefix) === undefined) rmSync(path, { force: true });
    },
  };
}
