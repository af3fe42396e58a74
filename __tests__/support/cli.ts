import { spawn } from "node:child_process";
import { join } from "node:path";

export const CLI = join(__dirname, "..", "..", "bin", "labyrinth.js");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The CLI as a child process that does not block this one, since a stand-in server in this
 * process answers it. `onSpawn` gets a way to signal it (for the Ctrl-C cases).
 */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }, onSpawn?: (kill: (signal: NodeJS.Signals) => void) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    onSpawn?.((signal) => child.kill(signal));
  });
}
