import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BoxError } from "../../box/errors";
import { holdBox } from "../../box/lock";
import { ownedProcesses } from "../../box/processes";
import { boxNamespaces } from "../../box/teardown";
import { CLI } from "./cli";
import { requireTool } from "./tools";

/** The box's end-to-end tests: the real command, as root (as CI runs), on the one box this machine has. */
export const ROOT = join(__dirname, "..", "..");

export function labyrinth(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The host's own links and routes: the box adds none. */
function hostNetwork(): string[] {
  const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(":")[1]?.trim()).filter(Boolean);
  const routes = spawnSync("ip", ["route", "show", "table", "all"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  return [...links.map((l) => `host link ${l}`), ...routes.map((r) => `host route ${r}`)];
}

/**
 * The box's programs still loaded. The kernel frees them shortly after their last user goes, so
 * allow it a moment; the eBPF unit test's own copies (pinned in its folder) do not count.
 */
function boxProgramsLoaded(): string[] {
  let left: string[] = [];
  for (let i = 0; i < 100; i++) {
    const programs = JSON.parse(spawnSync("bpftool", ["-j", "-f", "prog", "show"], { encoding: "utf8" }).stdout) as { id: number; name?: string; pinned?: string[] }[];
    left = programs
      .filter((p) => (p.name === "from_pod" || p.name === "to_pod") && !(p.pinned ?? []).some((path) => path.includes("labyrinth-bpf-test-")))
      .map((p) => `${p.name} (id ${p.id})`);
    if (left.length === 0) break;
    spawnSync("sleep", ["0.05"]);
  }
  return left;
}

/** Everything that could be left of a box: empty when nothing is. */
export function leftOfTheBox(): string[] {
  return [
    ...boxNamespaces("labyrinth").map((n) => `namespace ${n}`),
    ...(existsSync("/run/labyrinth") ? ["/run/labyrinth"] : []),
    ...(existsSync("/run/labyrinth.lock") ? ["/run/labyrinth.lock"] : []),
    ...(existsSync("/etc/netns") ? readdirSync("/etc/netns").filter((n) => n.startsWith("labyrinth-")).map((n) => `/etc/netns/${n}`) : []),
    ...boxProgramsLoaded().map((p) => `program ${p}`),
    ...ownedProcesses("labyrinth").map((p) => `process ${p.pid} ${p.command}`),
    // What a box from before processes carried their mark would leave: its DNS server.
    ...(spawnSync("pgrep", ["-f", "host-record=node-wrk-2-ubuntu24"]).status === 0 ? ["a dnsmasq of the box"] : []),
    ...hostNetwork().filter((l) => !networkBefore.includes(l)),
  ];
}

let networkBefore: string[] = [];

/**
 * For a test file that uses the box: the tools it needs, one such file at a time (jest runs files
 * side by side, and there is one box), a machine with no box up, and nothing left of it afterwards.
 */
export function useTheBox(): void {
  for (const tool of ["ip", "tc", "dumpcap", "tshark", "dnsmasq", "socat", "bpftool", "clang", "iptables"]) requireTool(tool);
  jest.setTimeout(120_000);
  let held: Awaited<ReturnType<typeof holdBox>> | undefined;
  beforeAll(async () => {
    // The box's own kind of lock, under a name of the tests': a jest worker that dies lets go of it.
    while (!held) {
      held = await holdBox("labyrinth-tests", "testing").catch((error: unknown) => {
        if (!(error instanceof BoxError)) throw error;
        return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100));
      });
    }
    if (boxNamespaces("labyrinth").length > 0) throw new Error("a box is up on this machine: npx labyrinth box down, then run the tests");
    networkBefore = hostNetwork();
  }, 600_000);
  afterAll(() => {
    // Whatever a failed test left up goes too; the box is let go of last, once nothing is left of it.
    try {
      labyrinth(["box", "down"]);
      expect(leftOfTheBox()).toEqual([]);
    } finally {
      held?.release();
    }
  });
}
