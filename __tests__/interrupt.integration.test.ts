import { spawn } from "node:child_process";
import { join } from "node:path";

// Ctrl-C reaches the whole process group: the command a run is waiting on (spawnSync) dies of it
// too, and the run sees it fail. The run still ends as interrupted, after its cleanup, not as a failure.
const INTERRUPT = join(__dirname, "..", "journey", "interrupt.ts");

/** A run whose work waits on `sleep` and fails when it is killed; resolves with its exit code and what it said. */
function runInGroup(signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  const code = `const { spawnSync } = require("node:child_process");
const { cleanUpOnInterrupt } = require(${JSON.stringify(INTERRUPT)});
cleanUpOnInterrupt(() => console.log("cleaned up"), () => {
  console.log("waiting");
  const slept = spawnSync("sleep", ["20"], { stdio: "ignore" });
  if (slept.signal) throw new Error("sleep was killed by " + slept.signal);
}).then(() => console.log("done"), (error) => { console.log("failed: " + error.message); process.exit(1); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", code], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d) => {
      const waiting = !out.includes("waiting");
      out += d;
      // The whole group, as Ctrl-C: the run and its sleep.
      if (waiting && out.includes("waiting")) setTimeout(() => process.kill(-child.pid!, signal), 200);
    });
    child.on("close", (status) => resolve({ code: status, out: out.trim() }));
  });
}

test.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)("a %s that kills the command the run waits on ends the run as interrupted (%i), after its cleanup", async (signal, code) => {
  expect(await runInGroup(signal)).toEqual({ code, out: "waiting\ncleaned up" });
}, 30_000);
