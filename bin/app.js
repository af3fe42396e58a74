#!/usr/bin/env node
// cdktf.json's app: main.ts, compiled once by esbuild and reused while no source changes.
// A TypeScript loader at every synth would cost a third of it (see BENCHMARKS.md).
const { createHash } = require("node:crypto");
const { existsSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync } = require("node:fs");
const { join, relative } = require("node:path");

const ROOT = join(__dirname, "..");
const SOURCES = ["main.ts", "model", "stacks", "constructs", "lab"];
// The constructs find these beside their own folder, compiled or not; the model imports the JSON
// of its data folders, which esbuild leaves where they lie.
const ASSETS = ["cloud-init", "workload", "local-exec", "charts", "model/cilium-charts"];

function typescript(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => (name.endsWith(".ts") ? [join(path, name)] : []));
}

const sources = SOURCES.flatMap((s) => typescript(join(ROOT, s)));
// Content-addressed by each source's path, size and time: a changed source means a new folder.
const key = createHash("sha256");
for (const file of sources) {
  const { size, mtimeMs } = statSync(file);
  key.update(`${relative(ROOT, file)}:${size}:${mtimeMs}\n`);
}
const cache = join(ROOT, ".cache", "app");
const out = join(cache, key.digest("hex").slice(0, 16));
// Every load sets its build's time to now, so that time is the build's last use. A build is
// removed only when unused for an hour: a synth loads its build in about a second, so a build
// another synth may be loading is never removed (nor a partial one another synth is writing).
const UNUSED_MS = 60 * 60 * 1000;

if (!existsSync(out)) {
  const building = `${out}.${process.pid}`;
  require("esbuild").buildSync({ entryPoints: sources, outdir: building, outbase: ROOT, format: "cjs", platform: "node", target: "node20", logLevel: "error" });
  for (const asset of ASSETS) symlinkSync(join(ROOT, asset), join(building, asset));
  try {
    renameSync(building, out);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another synth built the same sources
  }
  for (const old of readdirSync(cache)) {
    const path = join(cache, old);
    // Another synth may have removed it since the listing.
    const lastUse = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - lastUse > UNUSED_MS) rmSync(path, { recursive: true, force: true });
  }
}
const now = new Date();
utimesSync(out, now, now);
require(join(out, "main.js"));
