import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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

// The copy must hold everything main.ts imports: a folder left out fails the template's path only
// at the benchmark's run, after minutes of other measurements.
test("the copy holds every file that main.ts imports, and what those import", () => {
  const dir = makeTemplateCopy(join(__dirname, ".."));
  try {
    const unresolved: string[] = [];
    const seen = new Set<string>();
    const queue = [join(dir, "main.ts")];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        const found = [".ts", "/index.ts"].map((ending) => `${resolve(dirname(file), spec)}${ending}`).find((path) => existsSync(path));
        if (found) queue.push(found);
        else if (!existsSync(resolve(dirname(file), spec))) unresolved.push(`${file.slice(dir.length + 1)} → ${spec}`);
      }
    }
    expect(unresolved).toEqual([]);
    // It did follow the app: the stacks and constructs main.ts reaches.
    expect(seen.size).toBeGreaterThan(20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
