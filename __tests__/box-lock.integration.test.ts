import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The box's lock, taken by real processes at the same moment: one at a time, never read half-made,
// and a run that dies lets go of it.
const dir = mkdtempSync(join(tmpdir(), "labyrinth-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOCK = join(__dirname, "..", "box", "lock.ts");

/** A process that runs `script` with the lock module as `lock`, started when `go` exists; resolves with what it printed. */
function runner(script: string, go: string): Promise<string> {
  const code = `const lock = require(${JSON.stringify(LOCK)}); const fs = require("node:fs");
while (!fs.existsSync(${JSON.stringify(go)})) {}
${script}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(err))));
  });
}

/** Starts `n` runners, lets them go at once, and gathers what each printed. */
async function race(n: number, script: string): Promise<string[]> {
  const go = join(dir, `go-${Math.random()}`);
  const runners = Array.from({ length: n }, () => runner(script, go));
  // Every runner is waiting on the same file: give them a moment to be there, then go.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  writeFileSync(go, "");
  return Promise.all(runners);
}

/** Takes the lock; the one that gets it holds it until the other `n - 1` have tried, so a late starter cannot take it after it is let go. */
const take = (n: number, round: string) => `const tried = ${JSON.stringify(join(dir, "tried-"))} + ${JSON.stringify(round)};
lock.holdBox("race", "testing", ${JSON.stringify(dir)}).then(
  (held) => { const wait = setInterval(() => { if (fs.readdirSync(${JSON.stringify(dir)}).filter((f) => f.startsWith("tried-" + ${JSON.stringify(round)})).length >= ${n - 1}) { clearInterval(wait); held.release(); console.log("got"); } }, 10); },
  (e) => { fs.writeFileSync(tried + "-" + process.pid, ""); console.log("busy: " + e.message); });`;

test("of runs that take the lock at the same moment, exactly one gets it, and the others are told who", async () => {
  for (let round = 0; round < 3; round++) {
    const said = await race(4, take(4, `same-${round}`));
    expect(said.filter((s) => s === "got")).toHaveLength(1);
    for (const other of said.filter((s) => s !== "got")) expect(other).toMatch(/^busy: another run \(pid \d+\) is testing the box: wait for it to end$/);
    expect(existsSync(join(dir, "race.lock"))).toBe(false);
  }
}, 60_000);

test("a lock left by a run that died is no lock: exactly one of the runs that find it gets the box", async () => {
  for (let round = 0; round < 3; round++) {
    // A pid no process has: the highest the kernel gives, plus one.
    const dead = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
    writeFileSync(join(dir, "race.lock"), JSON.stringify({ pid: dead, doing: "building" }));
    const said = await race(4, take(4, `dead-${round}`));
    expect(said.filter((s) => s === "got")).toHaveLength(1);
    expect(existsSync(join(dir, "race.lock"))).toBe(false);
  }
}, 60_000);

test("a run killed while it holds the box lets go of it with its process", async () => {
  const go = join(dir, "go-killed");
  const holding = join(dir, "killed-holding");
  const killed = runner(`lock.holdBox("killed", "building", ${JSON.stringify(dir)}).then(() => { fs.writeFileSync(${JSON.stringify(holding)}, ""); process.kill(process.pid, "SIGKILL"); });`, go);
  writeFileSync(go, "");
  await expect(killed).rejects.toThrow();
  expect(existsSync(holding)).toBe(true);
  const next = await runner(`lock.holdBox("killed", "tracing in", ${JSON.stringify(dir)}).then((held) => { console.log(fs.readFileSync(${JSON.stringify(join(dir, "killed.lock"))}, "utf8")); held.release(); });`, go);
  expect(JSON.parse(next)).toEqual({ pid: expect.any(Number), doing: "tracing in" });
}, 60_000);

test("what the holder says it is doing changes whole: a reader never finds the lock empty or half-written", async () => {
  const go = join(dir, "go-busy");
  const done = join(dir, "busy-done");
  const writer = runner(
    `lock.holdBox("busy", "building", ${JSON.stringify(dir)}).then((held) => {
for (let i = 0; i < 5000; i++) held.now(i % 2 ? "tracing in" : "building");
held.release(); fs.writeFileSync(${JSON.stringify(done)}, ""); console.log("wrote"); });`,
    go,
  );
  // Reads while the other rewrites: each read parses the whole lock, or finds none.
  const reader = runner(
    `let reads = 0, seen = 0;
while (!fs.existsSync(${JSON.stringify(done)})) { reads++; if (lock.holder("busy", ${JSON.stringify(dir)})) seen++; }
console.log(reads > 0 && seen > 0 ? "read whole" : "read nothing: " + reads + " " + seen);`,
    go,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  writeFileSync(go, "");
  expect(await Promise.all([writer, reader])).toEqual(["wrote", "read whole"]);
}, 60_000);
