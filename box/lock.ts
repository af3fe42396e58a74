import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { BoxError } from "./errors";

/** Where a box's lock lives: /run, which a reboot empties; tests give a folder of their own. */
function lockPath(prefix: string, dir = "/run"): string {
  return `${dir}/${prefix}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Held {
  readonly pid: number;
  readonly doing: string;
  /** The lock file's inode: which lock this was, should it be replaced meanwhile. */
  readonly ino: number;
}

/** The lock as it is now, or undefined when there is none. Its content is always whole: it is only ever linked or renamed into place. */
function read(path: string): Held | undefined {
  try {
    const { ino } = statSync(path);
    const { pid, doing } = JSON.parse(readFileSync(path, "utf8")) as { pid: number; doing: string };
    return { pid, doing, ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Who holds the box, if a live process other than this one does. */
export function holder(prefix: string, dir?: string): { pid: number; doing: string } | undefined {
  const held = read(lockPath(prefix, dir));
  return held && alive(held.pid) && held.pid !== process.pid ? held : undefined;
}

/** The lock's content, written whole to a file of its own first. */
function staged(path: string, doing: string): string {
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, doing }));
  return tmp;
}

/** Creates the lock if there is none: link() fails when the name exists, so of two runs only one gets it. */
function create(path: string, doing: string): boolean {
  const tmp = staged(path, doing);
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes the lock a dead run left, unless another run took it over meanwhile (then it is put back). */
function clearStale(path: string, stale: Held): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  // What was moved is the dead run's lock, or a fresh one made since it was read: that one goes back.
  if (statSync(aside).ino !== stale.ino) {
    try {
      linkSync(aside, path);
    } catch {
      // a third run holds it now: the fresh one is lost to it either way
    }
  }
  rmSync(aside, { force: true });
}

/**
 * One run at a time, for every command that changes the box or traces in it. Atomic: of two runs
 * that start together, one holds it and the other is told who, before it touches anything. A lock
 * left by a run that died is taken over. Returns a way to say what the run is now doing, and to
 * let go.
 */
export function holdBox(prefix: string, doing: string, dir?: string): { now: (doing: string) => void; release: () => void } {
  const path = lockPath(prefix, dir);
  while (!create(path, doing)) {
    const held = read(path);
    if (!held) continue;
    if (alive(held.pid)) throw new BoxError(`another run (pid ${held.pid}) is ${held.doing} the box: wait for it to end`);
    clearStale(path, held);
  }
  return {
    // Renamed into place: a reader never sees the lock empty or half-written.
    now: (what) => renameSync(staged(path, what), path),
    release: () => {
      if (read(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
