import { spawnSync, SpawnSyncOptionsWithStringEncoding } from "node:child_process";

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A system command that failed: the command line and what it said, on one line. */
export class CommandError extends Error {
  constructor(
    public readonly argv: string[],
    public readonly result: CommandResult,
  ) {
    super(`\`${argv.join(" ")}\` failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split("\n")[0]}`);
    this.name = "CommandError";
  }
}

/**
 * Runs a command to completion; throws a CommandError unless it succeeds (or `allowFailure`). In a
 * session of its own: a Ctrl-C at the terminal reaches this process, which tears down in order,
 * never a half-done `ip` or `tc`.
 */
export function run(argv: string[], options: { input?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {}): CommandResult {
  // spawnSync takes `detached` as spawn does (Node's spawn_sync reads it), though its types leave it out.
  const spawnOptions = { input: options.input, encoding: "utf8", env: options.env ?? process.env, detached: true } as SpawnSyncOptionsWithStringEncoding;
  const child = spawnSync(argv[0], argv.slice(1), spawnOptions);
  if (child.error) throw new CommandError(argv, { status: -1, stdout: "", stderr: child.error.message });
  const result = { status: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
  if (result.status !== 0 && !options.allowFailure) throw new CommandError(argv, result);
  return result;
}

/** Runs `ip` commands in one network namespace, in one process (`ip -batch`). */
export function ipBatch(netns: string, commands: string[]): void {
  if (commands.length > 0) run(["ip", "-n", netns, "-batch", "-"], { input: commands.join("\n") + "\n" });
}

/** Runs a command inside a network namespace. */
export function inNetns(netns: string, argv: string[], options: Parameters<typeof run>[1] = {}): CommandResult {
  return run(["ip", "netns", "exec", netns, ...argv], options);
}
