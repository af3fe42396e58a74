import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ownedProcesses } from "../box/processes";
import { labyrinth, leftOfTheBox, ROOT, useTheBox } from "./support/box";
import { CLI } from "./support/cli";
import { until } from "./support/until";

// Every way a run can end leaves nothing of the box, processes included; one run at a time.
useTheBox();
// A test that failed with a box up must not fail the next one.
afterEach(() => labyrinth(["box", "down"]));

/** The CLI in a process group of its own, as a shell runs a command: a signal to the group reaches all of it, as Ctrl-C does. */
function start(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, detached: true, stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  return { child, exit: new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr }))) };
}

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // it ended first
  }
};

test("an interrupt at any moment, from the first millisecond to teardown, SIGINT or SIGTERM, leaves nothing", async () => {
  const begin = Date.now();
  const reference = await start(["journey", "--local"]).exit;
  expect(reference.code).toBe(0);
  const whole = Date.now() - begin;
  const offsets = Array.from({ length: 22 }, (_, i) => Math.round((i / 21) * whole * 1.05));
  const outcomes: string[] = [];
  for (const [i, offset] of offsets.entries()) {
    const signal = i % 2 === 0 ? "SIGINT" : "SIGTERM";
    const run = start(["journey", "--local"]);
    await new Promise((resolve) => setTimeout(resolve, offset));
    signalGroup(run.child, signal);
    const { code, stderr } = await run.exit;
    // Interrupted (130, 143), done before the signal (0), or killed by it before Node had set any
    // handler (no code: then nothing was made yet); never a half-reported failure.
    const expected = [0, 130, 143, null];
    expect({ offset, signal, code, left: leftOfTheBox() }).toEqual({ offset, signal, code: expected.includes(code) ? code : `one of ${expected.join(", ")}`, left: [] });
    expect(stderr).not.toMatch(/failed \(exit -1\)/);
    outcomes.push(String(code));
  }
  // The sweep did interrupt runs, at several stages.
  expect(outcomes.filter((c) => c !== "0").length).toBeGreaterThan(10);
}, 600_000);

test("interrupted through npx by timeout, as a newcomer would: nothing left", async () => {
  for (const seconds of ["0.5", "1.2", "2.0", "2.4"]) {
    const run = spawn("timeout", ["-s", "INT", seconds, "npx", "labyrinth", "journey", "--local"], { cwd: ROOT, stdio: "ignore" });
    await new Promise((resolve) => run.on("close", resolve));
    expect({ seconds, left: leftOfTheBox() }).toEqual({ seconds, left: [] });
  }
}, 120_000);

test("box down also removes processes the box started in a namespace whose name is gone, and says so", () => {
  expect(labyrinth(["box", "up"]).status).toBe(0);
  // What a crash between `ip netns delete` and the kill would leave: dnsmasq in a nameless namespace.
  const dns = ownedProcesses("labyrinth").find((p) => p.command.startsWith("dnsmasq"));
  expect(dns).toBeDefined();
  expect(spawnSync("ip", ["netns", "delete", "labyrinth-coredns"]).status).toBe(0);
  const down = labyrinth(["box", "down"]);
  expect(down.status).toBe(0);
  expect(down.stdout).toContain(`process ${dns!.pid} (dnsmasq --keep-in-foreground)`);
  expect(leftOfTheBox()).toEqual([]);
});

test("a journey on a box that is up, interrupted (the signal to it alone), stops what it started and leaves the box as it was", async () => {
  expect(labyrinth(["box", "up"]).status).toBe(0);
  const before = ownedProcesses("labyrinth").map((p) => p.pid).sort();
  const gate = captureGate();
  const journey = start(["journey", "--local"], gate.env);
  // Its captures are waiting at the gate: they run, and are this run's.
  await until("the journey's captures run", () => ownedProcesses("labyrinth").some((p) => p.command.includes(gate.dir)));
  process.kill(journey.child.pid!, "SIGTERM");
  expect((await journey.exit).code).toBe(143);
  // Its processes are gone (the gate's own `sleep 0.05` may outlive its shell by that long).
  await until("the run's processes are gone", () => JSON.stringify(ownedProcesses("labyrinth").map((p) => p.pid).sort()) === JSON.stringify(before));
  expect(existsSync(`/run/labyrinth/captures/${journey.child.pid}`)).toBe(false);
  expect(labyrinth(["box", "status"]).stdout).toMatch(/^box up, datapath ebpf$/m);
  expect(labyrinth(["box", "down"]).status).toBe(0);
  expect(leftOfTheBox()).toEqual([]);
}, 60_000);

describe("one box at a time, for every command", () => {
  test("while a journey traces in the box that is up, box down, box up and box break are told to wait, and the box is left alone", async () => {
    expect(labyrinth(["box", "up"]).status).toBe(0);
    expect(labyrinth(["box", "break", "tunnel-blocked-node-2"]).status).toBe(0);
    const gate = captureGate();
    const journey = start(["journey", "--local"], gate.env);
    await until("the journey holds the box", () => /tracing in/.test(lockText()));
    for (const args of [["box", "down"], ["box", "up"], ["box", "break", "dns-down"], ["journey", "--local"]]) {
      const other = labyrinth(args);
      expect({ args, status: other.status, stderr: other.stderr.trim() }).toEqual({
        args,
        status: 1,
        stderr: `labyrinth: another run (pid ${journey.child.pid}) is tracing in the box: wait for it to end`,
      });
    }
    gate.open();
    expect((await journey.exit).code).toBe(1);
    expect(labyrinth(["box", "status"]).stdout).toMatch(/^fault: tunnel-blocked-node-2/m);
    expect(labyrinth(["box", "down"]).status).toBe(0);
    expect(leftOfTheBox()).toEqual([]);
  }, 60_000);

  test("a second journey while one builds its own box is told to wait, and the first one's box is left alone", async () => {
    const gate = captureGate();
    const first = start(["journey", "--local"], gate.env);
    await until("the first journey holds the box", () => lockText() !== "");
    const second = labyrinth(["journey", "--local"]);
    gate.open();
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^labyrinth: another run \\(pid ${first.child.pid}\\) is (building|tracing in) the box: wait for it to end$`));
    expect((await first.exit).code).toBe(0);
    expect(leftOfTheBox()).toEqual([]);
  }, 60_000);
});

test("an error in the middle of a run (a capture that cannot start) tears the box down, host routes included", () => {
  const bin = mkdtempSync(join(tmpdir(), "labyrinth-broken-dumpcap-"));
  try {
    writeFileSync(join(bin, "dumpcap"), "#!/bin/sh\necho 'dumpcap: cannot open the capture device' >&2\nexit 1\n");
    chmodSync(join(bin, "dumpcap"), 0o755);
    const run = labyrinth(["journey", "--local"], { PATH: `${bin}:${process.env.PATH}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^labyrinth: the capture on node-\d did not start: dumpcap: cannot open the capture device$/m);
    expect(leftOfTheBox()).toEqual([]);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

/**
 * A dumpcap that waits, before it captures, until the test opens the gate: a run holds the box as
 * long as the test needs, however slow the machine, with no sleep to guess.
 */
function captureGate(): { dir: string; env: NodeJS.ProcessEnv; open: () => void } {
  const bin = mkdtempSync(join(tmpdir(), "labyrinth-gate-"));
  const go = join(bin, "go");
  const real = spawnSync("sh", ["-c", "command -v dumpcap"], { encoding: "utf8" }).stdout.trim();
  writeFileSync(join(bin, "dumpcap"), `#!/bin/sh\nuntil [ -e ${go} ]; do sleep 0.05; done\nexec ${real} "$@"\n`);
  chmodSync(join(bin, "dumpcap"), 0o755);
  gates.push(bin);
  return { dir: bin, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, open: () => writeFileSync(go, "") };
}
const gates: string[] = [];
afterAll(() => gates.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function lockText(): string {
  try {
    return readFileSync("/run/labyrinth.lock", "utf8");
  } catch {
    return "";
  }
}
