import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runScript } from "./support/script";
import { until } from "./support/until";

// The box's lock, taken by real processes at the same moment: one at a time, never read half-made,
// and a run that dies lets go of it.
const dir = mkdtempSync(join(tmpdir(), "labyrinth-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOCK = join(__dirname, "..", "box", "lock.ts");
const LOCK_FILE = join(__dirname, "support", "lock-file.ts");

/**
 * A process that runs `script` with the lock module as `lock`; resolves with what it printed. Given
 * `go`, it first says it is ready (a file `<go>-ready-<pid>`), then waits for `go` to exist. Its
 * waits call `late(what)`, which ends it once the test could no longer be waiting for it.
 */
async function runner(script: string, go?: string): Promise<string> {
  const start = go ? `fs.writeFileSync(${JSON.stringify(go)} + "-ready-" + process.pid, "");\nwhile (!fs.existsSync(${JSON.stringify(go)})) late("go");\n` : "";
  const run = await runScript(`const lock = require(${JSON.stringify(LOCK)}); const fs = require("node:fs");
const deadline = Date.now() + 60_000;
function late(what) { if (Date.now() > deadline) throw new Error("never, within 60 s: " + what); }
${start}${script}`);
  if (run.code !== 0) throw new Error(run.stderr);
  return run.stdout;
}

/** Starts `n` runners, lets them go at once when all of them are ready, and gathers what each printed. */
async function race(n: number, script: string): Promise<string[]> {
  const go = join(dir, `go-${Math.random()}`);
  const runners = Array.from({ length: n }, () => runner(script, go));
  const ready = () => readdirSync(dir).filter((f) => f.startsWith(`${basename(go)}-ready-`)).length === n;
  await Promise.race([until(`${n} runners ready`, ready), ...runners]);
  writeFileSync(go, "");
  return Promise.all(runners);
}

/**
 * Takes the lock, then says it tried (a file `tried-<round>-<pid>`); one that gets it holds it
 * until all `n` have tried, so a late starter cannot take it after it is let go.
 */
const take = (n: number, round: string) => `const tried = () => fs.writeFileSync(${JSON.stringify(join(dir, `tried-${round}-`))} + process.pid, "");
lock.holdBox("race", "testing", ${JSON.stringify(dir)}).then(
  (held) => { tried(); const wait = setInterval(() => { late("the others tried"); if (fs.readdirSync(${JSON.stringify(dir)}).filter((f) => f.startsWith(${JSON.stringify(`tried-${round}-`)})).length === ${n}) { clearInterval(wait); held.release(); console.log("got"); } }, 10); },
  (e) => { tried(); console.log("busy: " + e.message); });`;

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
  const holding = join(dir, "killed-holding");
  const killed = runner(`lock.holdBox("killed", "building", ${JSON.stringify(dir)}).then(() => { fs.writeFileSync(${JSON.stringify(holding)}, ""); process.kill(process.pid, "SIGKILL"); });`);
  await expect(killed).rejects.toThrow();
  expect(existsSync(holding)).toBe(true);
  const next = await runner(`lock.holdBox("killed", "tracing in", ${JSON.stringify(dir)}).then((held) => { console.log(fs.readFileSync(${JSON.stringify(join(dir, "killed.lock"))}, "utf8")); held.release(); });`);
  expect(JSON.parse(next)).toEqual({ pid: expect.any(Number), doing: "tracing in" });
}, 60_000);

test("what the holder says it is doing changes whole: a reader never finds the lock empty or half-written", async () => {
  const path = join(dir, "busy.lock");
  const readsDone = join(dir, "busy-reads-done");
  // Rewrites what it is doing until the reader has done all its reads.
  const writer = runner(`lock.holdBox("busy", "building", ${JSON.stringify(dir)}).then((held) => {
for (let i = 0; !fs.existsSync(${JSON.stringify(readsDone)}); i++, late("the reads")) held.now(i % 2 ? "tracing in" : "building");
held.release(); console.log("wrote"); });`);
  // Once the writer holds the lock, reads it while the other rewrites: each read parses the whole lock.
  const reader = runner(`const { lockFileSays } = require(${JSON.stringify(LOCK_FILE)});
while (!fs.existsSync(${JSON.stringify(path)})) late("the writer");
let whole = 0;
for (let i = 0; i < 5000; i++) if (lockFileSays(${JSON.stringify(path)})) whole++;
fs.writeFileSync(${JSON.stringify(readsDone)}, "");
console.log(whole + " of 5000 read whole");`);
  expect(await Promise.all([writer, reader])).toEqual(["wrote", "5000 of 5000 read whole"]);
  expect(existsSync(path)).toBe(false);
}, 60_000);
