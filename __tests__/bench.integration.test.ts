import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { timeCommand } from "../bench/measure";
import { makeTemplateCopy } from "../bench/reference";

test("a command is run under GNU time, which reports its wall time and peak memory", () => {
  const sample = timeCommand(["sh", "-c", "echo measured"]);
  expect(sample.stdout).toBe("measured\n");
  expect(Number.isFinite(sample.seconds)).toBe(true);
  expect(sample.peakMb).toBeGreaterThan(0);
  expect(() => timeCommand(["sh", "-c", "exit 3"])).toThrow(/failed \(exit 3\)/);
});

// The benchmark's reference must really be the template's path: provider imports from the
// package root, type-checked by ts-node. A type error in the copy must stop it.
test("ts-node type-checks the rewritten copy: a type error beside its root imports stops it", () => {
  const dir = makeTemplateCopy(join(__dirname, ".."));
  try {
    writeFileSync(
      join(dir, "probe.ts"),
      'import { LabyrinthNetwork } from "./constructs/labyrinth-network";\nconst wrong: number = "not a number";\nconsole.log(LabyrinthNetwork.name, wrong);\n',
    );
    const run = spawnSync("npx", ["ts-node", "probe.ts"], { cwd: dir, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    const said = run.stdout + run.stderr;
    expect(said).toContain("TS2322: Type 'string' is not assignable to type 'number'");
    // Only the probe's own line: the rewritten imports type-check.
    expect(said.match(/error TS\d+/g)).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
