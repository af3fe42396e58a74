import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// bin/app.js, cdktf.json's app: main.ts compiled once by esbuild, reused while no source changes.
// Each test runs a copy of the app in a scratch folder, never the repository's own sources or
// cache, with an esbuild stand-in that records every build.
const ROOT = join(__dirname, "..");
const NOT_COPIED = new Set(["node_modules", ".git", ".cache", "cdktf.out", "dist", "coverage"]);
const work = mkdtempSync(join(tmpdir(), "labyrinth-app-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The app in a scratch folder: its node_modules are the repository's, but for esbuild. */
function scratchApp() {
  const dir = mkdtempSync(join(work, "app-"));
  for (const entry of readdirSync(ROOT).filter((name) => !NOT_COPIED.has(name))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  const modules = join(ROOT, "node_modules");
  mkdirSync(join(dir, "node_modules", "esbuild"), { recursive: true });
  for (const name of readdirSync(modules).filter((name) => name !== "esbuild")) symlinkSync(join(modules, name), join(dir, "node_modules", name));
  writeFileSync(
    join(dir, "node_modules", "esbuild", "index.js"),
    [
      "// Stand-in for esbuild: records each build's folder in $ESBUILD_RUNS, then builds with the real one.",
      `const real = require(${JSON.stringify(join(modules, "esbuild"))});`,
      'module.exports = { ...real, buildSync: (options) => (require("node:fs").appendFileSync(process.env.ESBUILD_RUNS, `${options.outdir}\\n`), real.buildSync(options)) };',
      "",
    ].join("\n"),
  );
  const runs = join(dir, "esbuild-runs");
  const cache = join(dir, ".cache", "app");
  return {
    dir,
    /** Runs `argv` in the copy as cdktf would, writing the Terraform to `outdir`. */
    synth(argv: string[], outdir: string) {
      const result = spawnSync(argv[0], argv.slice(1), { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: join(dir, outdir), ESBUILD_RUNS: runs }, encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    },
    esbuildRuns: () => (existsSync(runs) ? readFileSync(runs, "utf8").trim().split("\n").length : 0),
    builds: () => readdirSync(cache).sort(),
    stackJson: (outdir: string, stack: string) => readFileSync(join(dir, outdir, "stacks", stack, "cdk.tf.json"), "utf8"),
    /** Gives a source a time no earlier run used, as an edit would. */
    touchSource(hoursAhead: number) {
      const source = join(dir, "model", "checks.ts");
      const when = new Date(Date.now() + hoursAhead * 3_600_000);
      utimesSync(source, when, when);
    },
    /** Makes a build look last used `hours` ago. */
    age(build: string, hours: number) {
      const when = new Date(Date.now() - hours * 3_600_000);
      utimesSync(join(cache, build), when, when);
    },
  };
}

test("the compiled app synthesizes exactly what main.ts does under a TypeScript loader", () => {
  const app = scratchApp();
  app.synth(["node", "bin/app.js"], "compiled");
  app.synth(["node", "--require", "tsx/cjs", "main.ts"], "loader");
  for (const stack of ["labyrinth-infra", "labyrinth-cluster"]) {
    expect(app.stackJson("compiled", stack)).toBe(app.stackJson("loader", stack));
  }
});

test("a second synth reuses the build (esbuild runs once); a changed source makes a new one", () => {
  const app = scratchApp();
  app.synth(["node", "bin/app.js"], "first");
  expect(app.esbuildRuns()).toBe(1);
  const [first] = app.builds();
  app.synth(["node", "bin/app.js"], "second");
  expect(app.esbuildRuns()).toBe(1);
  expect(app.builds()).toEqual([first]);

  app.touchSource(1);
  app.synth(["node", "bin/app.js"], "changed");
  expect(app.esbuildRuns()).toBe(2);
  // The first build was used a moment ago: another synth may still be loading it.
  expect(app.builds()).toHaveLength(2);
  expect(app.builds()).toContain(first);
});

test("a build goes only after an hour unused: a load counts as a use, however old the build", () => {
  const app = scratchApp();
  app.synth(["node", "bin/app.js"], "first");
  const [built] = app.builds();
  // Built long ago, but loaded again just now.
  app.age(built, 2);
  app.synth(["node", "bin/app.js"], "again");
  app.touchSource(1);
  app.synth(["node", "bin/app.js"], "changed");
  expect(app.builds()).toContain(built);
  expect(app.builds()).toHaveLength(2);

  // Unused for two hours (and a partial build a crashed synth left): both go with the next build.
  const second = app.builds().find((b) => b !== built)!;
  app.age(built, 2);
  mkdirSync(join(app.dir, ".cache", "app", `${built}.12345`));
  app.age(`${built}.12345`, 2);
  app.touchSource(2);
  app.synth(["node", "bin/app.js"], "changed-again");
  expect(app.esbuildRuns()).toBe(3);
  expect(app.builds()).toHaveLength(2);
  expect(app.builds()).toContain(second);
  expect(app.builds()).not.toContain(built);
});
