import { ChildProcess, spawn, SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Every process the box starts carries this variable (its value: the box's prefix), and so do
 * their children: teardown finds them all through /proc, even in a namespace whose name is gone.
 * Lowercase, so that it is never taken for one of the lab's LABYRINTH_* settings.
 */
const OWNER = "labyrinth_box";

/** The environment of a process the box owns. */
export function ownedEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [OWNER]: prefix };
}

/** Starts a command in a network namespace, owned by the box, in a session of its own: a Ctrl-C at the terminal does not reach it, teardown does. */
export function spawnOwned(prefix: string, netns: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn("ip", ["netns", "exec", netns, ...argv], { stdio: "ignore", ...options, detached: true, env: ownedEnv(prefix, options.env) });
}

/** The processes a box with this prefix started, still running: pid and command line. */
export function ownedProcesses(prefix: string): { pid: number; command: string }[] {
  const mark = `${OWNER}=${prefix}`;
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        if (!readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(mark)) return [];
        return [{ pid: Number(name), command: readFileSync(`/proc/${name}/cmdline`, "latin1").split("\0").filter(Boolean).join(" ") }];
      } catch {
        return []; // gone meanwhile, or a kernel thread
      }
    });
}

/** Kills the box's processes and waits (at most a second) until they are gone; returns what it killed. */
export function killOwned(prefix: string): { pid: number; command: string }[] {
  const found = ownedProcesses(prefix);
  for (const { pid } of found) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 1000;
  while (ownedProcesses(prefix).length > 0 && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  return found;
}
