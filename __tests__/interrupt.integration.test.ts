import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runScript, type ScriptRun } from "./support/script";
import { until } from "./support/until";

// Ctrl-C reaches the whole process group: the command a run is waiting on (spawnSync) dies of it
// too, and the run sees it fail. The run still ends as interrupted, after its cleanup, not as a failure.
const INTERRUPT = join(__dirname, "..", "journey", "interrupt.ts");

/** A run whose work waits on `sleep` and fails when it is killed; resolves with its exit code and what it said. */
function runInGroup(signal: NodeJS.Signals): Promise<ScriptRun> {
  const code = `const { spawnSync } = require("node:child_process");
const { cleanUpOnInterrupt } = require(${JSON.stringify(INTERRUPT)});
cleanUpOnInterrupt(() => console.log("cleaned up"), () => {
  console.log("waiting");
  const slept = spawnSync("sleep", ["20"], { stdio: "ignore" });
  if (slept.signal) throw new Error("sleep was killed by " + slept.signal);
}).then(() => console.log("done"), (error) => { console.log("failed: " + error.message); process.exit(1); });`;
  return runScript(code, { detached: true }, (child) => {
    const ended = () => child.exitCode !== null || child.signalCode !== null;
    const sleeping = () => spawnSync("pgrep", ["-g", String(child.pid), "-x", "sleep"]).status === 0;
    // The whole group, as Ctrl-C: the run and its sleep, once the sleep is there to be killed.
    until("the run's sleep started", () => ended() || sleeping(), { seconds: 20, every: 20 }).then(
      () => ended() || process.kill(-child.pid!, signal),
      () => process.kill(-child.pid!, "SIGKILL"),
    );
  });
}

test.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)("a %s that kills the command the run waits on ends the run as interrupted (%i), after its cleanup", async (signal, code) => {
  expect(await runInGroup(signal)).toEqual({ code, stdout: "waiting\ncleaned up", stderr: "" });
}, 30_000);
