// Writes the value keys of a cilium chart archive's values.yaml as model/cilium-charts/<version>.json,
// which CiliumRelease checks every value against. Usage, with an archive from helm.cilium.io:
//   npx tsx bin/cilium-chart-keys.ts cilium-1.19.6.tgz > model/cilium-charts/1.19.6.json
// keys: every key path values.yaml defines (maps walked, lists are leaves), and those it documents
// only as a comment that its templates read (`# -- doc` then `# key: value`, as
// kubeProxyReplacement in 1.17); open: maps whose keys are the user's, `{}` in values.yaml or
// Kubernetes objects.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { valuePath } from "../model/helm-values";

const archive = process.argv[2];
if (!archive) {
  console.error("usage: npx tsx bin/cilium-chart-keys.ts cilium-X.Y.Z.tgz");
  process.exit(2);
}
const member = (name: string): string => {
  const tar = spawnSync("tar", ["-xzOf", archive, `cilium/${name}`], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (tar.status !== 0) throw new Error(`${archive} has no cilium/${name}: ${tar.stderr.trim()}`);
  return tar.stdout;
};
const version: string = parse(member("Chart.yaml")).version;
const digest = createHash("sha256").update(readFileSync(archive)).digest("hex");
const text = member("values.yaml");

/** Kubernetes objects the chart passes through whole: their keys are Kubernetes', not the chart's. */
const KUBERNETES_OBJECTS = new Set(["affinity", "nodeSelector", "securityContext", "podSecurityContext", "resources", "readinessProbe", "livenessProbe", "startupProbe", "updateStrategy"]);

const keys = new Set<string>();
const open = new Set<string>();
function walk(map: Record<string, unknown>, prefix: string): void {
  for (const [key, value] of Object.entries(map)) {
    const path = valuePath(prefix, key);
    keys.add(path);
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    if (Object.keys(value).length === 0 || KUBERNETES_OBJECTS.has(key)) open.add(path);
    walk(value as Record<string, unknown>, path);
  }
}
walk(parse(text), "");

// Keys documented only as comments: a `# key: value` line right after a `# --` doc block, its path
// from the indentation of the real keys around it.
const lines = text.split("\n");
const real = /^(\s*)([A-Za-z0-9_"./-]+):(\s|$)/;
const commented = /^(\s*)#\s?([A-Za-z][A-Za-z0-9_]*):(\s.*)?$/;
const NOT_KEYS = new Set(["ref", "Ref", "Note", "NOTE", "Example", "Default"]);
const enclosing: { indent: number; key: string }[] = [];
lines.forEach((line, i) => {
  const key = real.exec(line);
  if (key && !line.trimStart().startsWith("-")) {
    const indent = key[1].length;
    while (enclosing.length > 0 && enclosing[enclosing.length - 1].indent >= indent) enclosing.pop();
    enclosing.push({ indent, key: key[2] });
    return;
  }
  const comment = commented.exec(line);
  if (!comment || NOT_KEYS.has(comment[2]) || line.includes("://") || /#\s*type: \[/.test(line)) return;
  let j = i - 1;
  while (j >= 0 && lines[j].trim().startsWith("#") && !lines[j].trim().startsWith("# --")) j--;
  if (j < 0 || !lines[j].trim().startsWith("# --")) return;
  const indent = comment[1].length;
  let path = [...enclosing.filter((e) => e.indent < indent).map((e) => e.key), comment[2]].join(".");
  // Two quirks of the chart, reviewed by hand: maglev's keys are documented under `maglev: {}` at
  // column 0, and ciliumEndpointSlice's commented lines are examples, not keys.
  if (path === "tableSize" || path === "hashSeed") path = `maglev.${path}`;
  if (path.endsWith("WARNING") || path.startsWith("ciliumEndpointSlice.")) return;
  keys.add(path);
});

const sorted = (set: Set<string>) => [...set].sort();
process.stdout.write(
  JSON.stringify({ chart: "cilium", version, source: `values.yaml of cilium-${version}.tgz (helm.cilium.io), sha256 ${digest}`, keys: sorted(keys), open: sorted(open) }, null, 1) + "\n",
);
