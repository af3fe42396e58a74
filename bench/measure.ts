import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One timed run: wall seconds and the largest resident set of the command's processes. */
export interface Sample {
  readonly seconds: number;
  readonly peakMb: number;
}

export interface Measured {
  readonly label: string;
  readonly samples: Sample[];
}

/** Runs a command under GNU time (`%e %M`), failing loudly if the command fails (exits other than `expectExit`). */
export function timeCommand(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; expectExit?: number } = {}): Sample & { stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "labyrinth-bench-"));
  try {
    const report = join(dir, "time");
    const result = spawnSync("/usr/bin/time", ["-o", report, "-f", "%e %M", ...argv], { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== (options.expectExit ?? 0)) throw new Error(`\`${argv.join(" ")}\` failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" | ")}`);
    // GNU time says "Command exited with non-zero status N" first when it does.
    const [seconds, kb] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    return { seconds, peakMb: kb / 1024, stdout: result.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `run` `reps` times, after `warmup` untimed runs. */
export function repeat(label: string, reps: number, run: () => Sample, warmup = 0): Measured {
  for (let i = 0; i < warmup; i++) run();
  return { label, samples: Array.from({ length: reps }, run) };
}

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly peakMb: number;
}

export function stats(samples: Sample[]): Stats {
  const sorted = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], peakMb: Math.max(...samples.map((s) => s.peakMb)) };
}
