import { spawn } from "node:child_process";
import { join } from "node:path";

export const CLI = join(__dirname, "..", "..", "bin", "labyrinth.js");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI while it runs: to signal it (the Ctrl-C cases), or to act once it has printed something. */
export interface RunningCli {
  kill(signal: NodeJS.Signals): void;
  /** Resolves true once stdout so far matches `pattern`, false if the CLI ended without it. */
  printed(pattern: RegExp): Promise<boolean>;
}

/**
 * The CLI as a child process that does not block this one, since a stand-in server in this
 * process answers it. `onSpawn` gets a handle on it while it runs.
 */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }, onSpawn?: (cli: RunningCli) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], options);
    let stdout = "";
    let stderr = "";
    let ended = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      ended = true;
      resolve({ code, stdout, stderr });
    });
    const printed = (pattern: RegExp) =>
      new Promise<boolean>((seen) => {
        const look = () => {
          if (!pattern.test(stdout) && !ended) return false;
          child.stdout.off("data", look);
          child.off("close", look);
          seen(pattern.test(stdout));
          return true;
        };
        if (!look()) {
          child.stdout.on("data", look);
          child.on("close", look);
        }
      });
    onSpawn?.({ kill: (signal) => child.kill(signal), printed });
  });
}
