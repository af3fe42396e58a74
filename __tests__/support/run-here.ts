import { spawn } from "node:child_process";
import { ExecResult } from "../../journey/executor";

/** Runs what the journey would ask of a node or a pod on this machine instead, and collects what it says. */
export function runHere(argv: string[]): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}
