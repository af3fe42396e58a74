import { createServer, type Server } from "node:net";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

/** Who holds the box and what it is doing, as its holder last wrote it; undefined when there is no such file. */
function read(path: string): { pid: number; doing: string } | undefined {
  try {
    const { pid, doing } = JSON.parse(readFileSync(path, "utf8")) as { pid: number; doing: string };
    return { pid, doing };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Says what this run is doing: written whole to a file of its own, then renamed into place, so a reader never finds it empty or half-written. */
function say(path: string, doing: string): void {
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, doing }));
  renameSync(tmp, path);
}

/**
 * Binds an abstract Unix socket named after the lock (Linux): of runs that bind the same name, one
 * gets it, and the kernel lets go of it when that process ends, however it ends, so no run ever has
 * to judge a lock stale. Abstract names belong to a network namespace: every command binds it from
 * the host's. Resolves with nothing when another process holds the name.
 */
function bind(path: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(undefined) : reject(error)));
    server.listen({ path: `\0${path}` }, () => resolve(server.unref()));
  });
}

/** What the run holding the box says it is doing; it may not have said yet, or its file may be a dead run's. */
async function whoHolds(path: string): Promise<string> {
  for (let tries = 0; tries < 20; tries++) {
    const held = read(path);
    if (held && held.pid !== process.pid && alive(held.pid)) return `another run (pid ${held.pid}) is ${held.doing} the box`;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return "another run is using the box";
}

/**
 * One run at a time, for every command that changes the box or traces in it. Of two runs that
 * start together, one holds it and the other is told who, before it touches anything. A run that
 * dies lets go of it with its process. Returns a way to say what the run is now doing, and to let go.
 */
export async function holdBox(prefix: string, doing: string, dir?: string): Promise<{ now: (doing: string) => void; release: () => void }> {
  const path = lockPath(prefix, dir);
  const server = await bind(path);
  if (!server) throw new BoxError(`${await whoHolds(path)}: wait for it to end`);
  say(path, doing);
  return {
    now: (what) => say(path, what),
    release: () => {
      if (!server.listening) return;
      if (read(path)?.pid === process.pid) rmSync(path, { force: true });
      server.close();
    },
  };
}
