import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Measured, repeat, Sample, timeCommand } from "./measure";
import { makeTemplateCopy, TEMPLATE_APP } from "./reference";
import { markdown, ratio, rows, Target } from "./report";

// `npm run bench`: synth, tests, the box and the type-check, measured side by side in one run
// against the cdktf template's path and a floor; the table goes to BENCHMARKS.md.
const ROOT = join(__dirname, "..");
const quick = process.argv.includes("--quick");
const reps = (n: number) => (quick ? 1 : n);
const measured: (Measured & { id: string })[] = [];
// Scratch folders go on every exit path, a failed measurement or Ctrl-C included.
const scratch: string[] = [];
process.on("exit", () => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
process.on("SIGINT", () => process.exit(130));

function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "labyrinth-bench-out-"));
  scratch.push(dir);
  return dir;
}

function measure(id: string, label: string, n: number, argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; expectExit?: number } = {}, warmup = 0): void {
  console.error(`bench: ${label} (${n}×)`);
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", ...options.env };
  measured.push({ id, ...repeat(label, n, () => timeCommand(argv, { cwd: options.cwd ?? ROOT, env, expectExit: options.expectExit }), warmup) });
}

const floorScript = `const { App, TerraformStack } = require("cdktf"); const app = new App({ outdir: process.env.CDKTF_OUTDIR }); new TerraformStack(app, "empty"); app.synth();`;

// 1-3: synth, the template's path, the floor.
const app = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app as string;
measure("synth-app", `synth: cdktf.json's app (${app}), its build cached`, reps(7), ["sh", "-c", app], { env: { CDKTF_OUTDIR: outdir() } }, 1);
measure("synth-app-cold", "synth: the same, first run after a change (esbuild compiles main.ts)", reps(5), ["sh", "-c", `rm -rf .cache/app && ${app}`], { env: { CDKTF_OUTDIR: outdir() } });
measure("synth-cli", "synth: npx cdktf synth, end to end", reps(3), ["npx", "cdktf", "synth"], {}, 1);
const template = makeTemplateCopy(ROOT);
scratch.push(template);
measure("synth-template", "synth: the template's path (ts-node, type-checked, providers from the package root)", reps(3), TEMPLATE_APP, { cwd: template, env: { CDKTF_OUTDIR: outdir() } }, 1);
measure("floor", "floor: node loads cdktf, writes an empty stack", reps(7), ["node", "-e", floorScript], { env: { CDKTF_OUTDIR: outdir() } }, 1);

// 4: tests. Construct and unit tests are those that need no root; cold: jest's cache off.
const unit = ["npx", "jest", "--no-cache", "--testPathIgnorePatterns", "\\.(root|integration)\\.test\\.ts$"];
measure("tests-unit", "tests: construct and unit (swc, no type-check), cold", reps(3), unit);
const tsJestConfig = join(template, "jest.ts-jest.config.js");
writeFileSync(
  tsJestConfig,
  `module.exports = { ...require(${JSON.stringify(join(ROOT, "jest.config.js"))}), rootDir: ${JSON.stringify(ROOT)}, transform: { "^.+\\\\.ts$": ["ts-jest", { tsconfig: ${JSON.stringify(join(template, "tsconfig.json"))} }] } };`,
);
measure("tests-tsjest", "tests: the same under ts-jest (type-checking), cold", reps(2), [...unit, "--config", tsJestConfig]);
measure("tests-integration", "tests: integration (scripts, the CLI, stand-in servers), cold", reps(2), ["npx", "jest", "--no-cache", "--testPathPatterns", "\\.integration\\.test\\.ts$"]);
measure("tests-full", "tests: npm test, all of them (box included, as root)", reps(2), ["npm", "test", "--silent"]);

// 5: the box, from nothing to torn down, with its own split.
const phases: { build: number; trace: number; teardown: number }[] = [];
console.error(`bench: the box (${reps(5)}×)`);
measured.push({
  id: "box",
  ...repeat("box: journey --local, build + trace + teardown", reps(5), (): Sample => {
    const run = timeCommand(["node", "bin/labyrinth.js", "journey", "--local", "--json"], { cwd: ROOT });
    phases.push(JSON.parse(run.stdout).timings);
    return run;
  }),
});
for (const phase of ["build", "trace", "teardown"] as const) {
  measured.push({ id: `box-${phase}`, label: `box: ${phase}`, samples: phases.map((p) => ({ seconds: p[phase] / 1000, peakMb: Number.NaN })) });
}

// 5a: the page. journey --html times its own drawing (render + write, in the box's timings); the
// page one of these runs wrote is then rendered in headless Chromium, from navigation to a frame.
const pageFile = join(outdir(), "journey.html");
const drawing: number[] = [];
console.error(`bench: the box with --html (${reps(5)}×)`);
measured.push({
  id: "box-html",
  ...repeat("box: journey --local --html, build + trace + page + teardown", reps(5), (): Sample => {
    const run = timeCommand(["node", "bin/labyrinth.js", "journey", "--local", "--json", "--html", pageFile], { cwd: ROOT });
    drawing.push(JSON.parse(run.stdout).timings.page);
    return run;
  }),
});
measured.push({ id: "page-write", label: "page: drawing it, render + write (journey's own timing)", samples: drawing.map((ms) => ({ seconds: ms / 1000, peakMb: Number.NaN })) });
console.error(`bench: the page in Chromium (${reps(5)}×)`);
const rendered = JSON.parse(execFileSync("node", ["--import", "tsx", "bench/page-render.ts", pageFile, String(reps(5))], { cwd: ROOT, encoding: "utf8" })) as number[];
measured.push({ id: "page-render", label: "page: headless Chromium renders it (navigation to a painted frame)", samples: rendered.map((ms) => ({ seconds: ms / 1000, peakMb: Number.NaN })) });

// 5b: a broken path, as a learner meets it: the box up, the tunnel's port blocked on node-2, the
// journey run on it (exit 1: it names the hop). Bounded by the trigger's own timeouts.
const cli = (...args: string[]) => execFileSync("node", ["bin/labyrinth.js", ...args], { cwd: ROOT, stdio: "ignore" });
cli("box", "up");
try {
  cli("box", "break", "tunnel-blocked-node-2");
  measure("box-broken", "box: journey --local on a broken path (node-2 drops the tunnel's port; the box already up)", reps(5), ["node", "bin/labyrinth.js", "journey", "--local"], { expectExit: 1 });
} finally {
  cli("box", "down");
}

// 6: the type-check.
measure("typecheck", "type-check: npm run typecheck", reps(3), ["npm", "run", "--silent", "typecheck"]);

const table = rows(measured);
const ratios = [ratio(table, "synth-app", "synth-template"), ratio(table, "synth-app", "floor"), ratio(table, "tests-unit", "tests-tsjest")];
const median = (id: string) => table.find((r) => r.id === id)!.stats.median;
const peak = (id: string) => table.find((r) => r.id === id)!.stats.peakMb;
const target = (what: string, met: boolean, value: string): Target => ({ what, met, measured: value });
const targets = [
  target("synth ≥ 5× faster than the template's path", ratios[0].value <= 1 / 5, `${(1 / ratios[0].value).toFixed(1)}×`),
  target("synth ≤ 1.5 s wall", median("synth-app") <= 1.5, `${median("synth-app").toFixed(2)} s`),
  target("synth ≤ 300 MB peak RSS", peak("synth-app") <= 300, `${Math.round(peak("synth-app"))} MB`),
  target("synth within 3× of the floor", ratios[1].value <= 3, `${ratios[1].value.toFixed(2)}×`),
  target("construct and unit tests ≤ 20 s cold", median("tests-unit") <= 20, `${median("tests-unit").toFixed(1)} s`),
  target("construct and unit tests ≤ 1 GB peak RSS", peak("tests-unit") <= 1024, `${Math.round(peak("tests-unit"))} MB`),
  target("construct and unit tests ≥ 3× faster than ts-jest", ratios[2].value <= 1 / 3, `${(1 / ratios[2].value).toFixed(1)}×`),
  // One box per machine: the files that use it run one after another (real journeys on broken paths, a real browser), and they set the pace.
  target("the full test command ≤ 6 min", median("tests-full") <= 360, `${median("tests-full").toFixed(1)} s`),
  target("journey --local end to end ≤ 2.5 s", median("box") <= 2.5, `${median("box").toFixed(2)} s`),
  target("journey --local on a broken path ≤ 10 s", median("box-broken") <= 10, `${median("box-broken").toFixed(2)} s`),
  target("drawing the page adds ≤ 100 ms to a journey", median("page-write") <= 0.1, `${(median("page-write") * 1000).toFixed(0)} ms`),
  target("the page renders in ≤ 1 s in headless Chromium", median("page-render") <= 1, `${(median("page-render") * 1000).toFixed(0)} ms`),
];

const installBytes = Number(execFileSync("du", ["-sb", join(ROOT, "node_modules")], { encoding: "utf8" }).split("\t")[0]);
const biggest = execFileSync("sh", ["-c", "du -sm node_modules/* node_modules/@*/* 2>/dev/null | sort -rn | head -8"], { cwd: ROOT, encoding: "utf8" })
  .trim()
  .split("\n")
  .map((line) => line.replace(/^(\d+)\s+node_modules\//, "$1 MB "));
const environment = [
  `date: ${new Date().toISOString().slice(0, 10)}`,
  `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${Math.round(require("node:os").totalmem() / 2 ** 30)} GiB`,
  `install: npm ci → node_modules ${Math.round(installBytes / 2 ** 20)} MB; the largest: ${biggest.join(", ")}`,
  quick ? "**--quick: one repetition each, for a smoke test; not for the record**" : "",
].filter(Boolean);
const notes = [readFileSync(join(__dirname, "deploy-time.md"), "utf8").trim()];
const text = markdown(table, ratios, targets, environment, notes);
writeFileSync(join(ROOT, quick ? "BENCHMARKS.quick.md" : "BENCHMARKS.md"), text);
console.log(text);
process.exitCode = targets.every((t) => t.met) ? 0 : 1;
