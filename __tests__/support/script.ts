import { spawn, type ChildProcess } from "node:child_process";

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `code` run by a node of its own that loads TypeScript modules (tsx), for what must happen in
 * another process: a race between processes, a signal to a process group. `onSpawn` gets the
 * child while it runs; `detached` makes it the leader of a process group of its own.
 */
export function runScript(code: string, { detached = false } = {}, onSpawn?: (child: ChildProcess) => void): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", code], { detached, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ code: status, stdout: stdout.trim(), stderr }));
    onSpawn?.(child);
  });
}
