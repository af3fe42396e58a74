import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// bin/app.js, cdktf.json's app: main.ts compiled once by esbuild, reused while no source changes.
const ROOT = join(__dirname, "..");
const CACHE = join(ROOT, ".cache", "app");
const work = mkdtempSync(join(tmpdir(), "labyrinth-app-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(argv: string[], outdir: string) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir }, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}

const builds = () => readdirSync(CACHE).filter((name) => !name.includes("."));
const stackJson = (outdir: string, stack: string) => readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");

test("the compiled app synthesizes exactly what main.ts does under a TypeScript loader", () => {
  synth(["node", "bin/app.js"], join(work, "compiled"));
  synth(["node", "--require", "tsx/cjs", "main.ts"], join(work, "loader"));
  for (const stack of ["labyrinth-infra", "labyrinth-cluster"]) {
    expect(stackJson(join(work, "compiled"), stack)).toBe(stackJson(join(work, "loader"), stack));
  }
});

test("a second synth reuses the build; a changed source makes a new one", () => {
  synth(["node", "bin/app.js"], join(work, "first"));
  const before = builds();
  const built = statSync(join(CACHE, before[0])).mtimeMs;
  synth(["node", "bin/app.js"], join(work, "second"));
  expect(builds()).toEqual(before);
  expect(statSync(join(CACHE, before[0])).mtimeMs).toBe(built);

  const source = join(ROOT, "model", "checks.ts");
  const { atime, mtime } = statSync(source);
  try {
    // A time no earlier run used, so that the build it makes is certainly new.
    utimesSync(source, atime, new Date(Date.now() + 86_400_000 + Math.floor(Math.random() * 1e6)));
    synth(["node", "bin/app.js"], join(work, "changed"));
    expect(builds().filter((b) => !before.includes(b))).toHaveLength(1);
  } finally {
    utimesSync(source, atime, mtime);
  }
});
