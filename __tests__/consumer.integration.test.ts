import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { parse } from "yaml";

// The package as a consumer gets it: `npm pack` of a copy of the repository (its build writes the
// copy's dist/, not one another test may be writing, and finds a stale file there), the tarball
// installed into a project outside the repository (its dependencies from npm's cache when it has
// them), and CONSTRUCTS.md's cdktf.json and main.ts, extracted from the guide so that the two
// cannot drift, synthesized there.
// The peers (cdktf, constructs, the providers: hundreds of MB) are this repository's, linked in.
const ROOT = join(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const guide = readFileSync(join(ROOT, "CONSTRUCTS.md"), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "labyrinth-consumer-"));
const [source, project] = [join(scratch, "source"), join(scratch, "maze")];
const STALE = "dist/constructs/old.js";
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The fenced block right after the guide's `<!-- the consumer test … this block: NAME -->`. */
function guideBlock(name: string): string {
  const match = new RegExp(`<!-- the consumer test [a-z ]+ this block: ${name.replace(".", "\\.")} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(guide);
  if (!match) throw new Error(`CONSTRUCTS.md has no block marked ${name}`);
  return match[1];
}

function run(command: string, args: string[], cwd = project): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

const link = (name: string, into = join(project, "node_modules")) => {
  mkdirSync(dirname(join(into, name)), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", name), join(into, name));
};

let packed: { filename: string; files: { path: string }[] };
let install: SpawnSyncReturns<string>;
let synth: SpawnSyncReturns<string>;
const stack = (id: string) => JSON.parse(readFileSync(join(project, "cdktf.out", "stacks", id, "cdk.tf.json"), "utf8"));
const resources = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});

/** The repository's files, without what builds, runs and git make; its node_modules linked in. */
function copyOfTheRepository(): void {
  const made = new Set(["node_modules", ".git", "dist", ".cache", "cdktf.out", "coverage"]);
  cpSync(ROOT, source, { recursive: true, filter: (path) => !made.has(relative(ROOT, path).split(sep)[0]) });
  symlinkSync(join(ROOT, "node_modules"), join(source, "node_modules"));
  // What an earlier build left behind (a module since renamed): the build must not ship it.
  mkdirSync(join(source, "dist", "constructs"), { recursive: true });
  writeFileSync(join(source, STALE), "exports.old = true;\n");
}

beforeAll(() => {
  copyOfTheRepository();
  mkdirSync(project);
  [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", project], source).stdout);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "maze", private: true, dependencies: { [pkg.name]: `file:./${packed.filename}` } }));
  // Peers are left to the project (--legacy-peer-deps): linked below, after npm has pruned node_modules.
  install = run("npm", ["install", "--prefer-offline", "--legacy-peer-deps", "--no-audit", "--no-fund"]);
  for (const peer of Object.keys(pkg.peerDependencies)) link(peer);
  // The guide's dev dependency that runs main.ts, as cdktf.json's app does.
  link("tsx");
  mkdirSync(join(project, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(project, "node_modules", ".bin", "tsx"));
  writeFileSync(join(project, "cdktf.json"), guideBlock("cdktf.json"));
  writeFileSync(join(project, "main.ts"), guideBlock("main.ts"));
  // npx's own notice of a newer npm is not the app's output.
  const env = { PATH: process.env.PATH, HOME: project, npm_config_update_notifier: "false" };
  synth = spawnSync("sh", ["-c", JSON.parse(guideBlock("cdktf.json")).app], { cwd: project, encoding: "utf8", env });
}, 300_000);

/** The packages the guide's `npm install` lines name, each with the version range it asks for. */
function guideInstalls(): { name: string; range: string }[] {
  const commands = guideBlock("install").replace(/\\\n/g, " ").split("\n").filter((line) => line.startsWith("npm install "));
  return commands
    .flatMap((line) => line.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith("-") && word !== pkg.name)
    .map((word) => {
      const at = word.lastIndexOf("@");
      return { name: word.slice(0, at), range: word.slice(at + 1) };
    });
}

test("the guide installs the peers at the package's ranges, and the tools this test runs it with", () => {
  // tsx runs main.ts (cdktf.json's app) and tsc type-checks it, as linked in here from the repository.
  const runsWith = (name: string) => JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
  const expected = [
    ...Object.entries(pkg.peerDependencies).map(([name, range]) => ({ name, range })),
    ...["cdktf-cli", "tsx", "typescript"].map((name) => ({ name, range: `~${runsWith(name)}` })),
  ];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  expect(guideInstalls().sort(byName)).toEqual(expected.sort(byName));
  expect(runsWith("typescript")).toBe(pkg.devDependencies.typescript);
  expect(runsWith("tsx")).toBe(pkg.devDependencies.tsx);
});

test("installing it, npm has nothing to say of it: no script of its own to run or to approve", () => {
  expect(install.stdout + install.stderr).not.toContain(pkg.name);
});

test("the tarball holds the library, its files, its LICENSE and its guide, and no command", () => {
  const installed = join(project, "node_modules", pkg.name);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  expect(manifest.bin).toBeUndefined();
  expect(Object.keys(manifest.dependencies).sort()).toEqual(["google-auth-library", "ipaddr.js", "ms", "yaml"]);
  expect(readFileSync(join(installed, "LICENSE"), "utf8")).toContain("Apache License\n                           Version 2.0, January 2004");
  for (const file of ["CONSTRUCTS.md", "dist/constructs/index.js", "dist/constructs/index.d.ts", "dist/cloud-init/lib.sh", "dist/local-exec/wait.mjs", "dist/charts/metadata-guard/Chart.yaml", "dist/model/cilium-charts/1.19.6.json"]) {
    expect(existsSync(join(installed, file))).toBe(true);
  }
  expect(existsSync(join(installed, "bin"))).toBe(false);
});

test("the build starts from an empty dist/: a file an earlier build left there is not packed", () => {
  expect(packed.files.map((file) => file.path)).toContain("dist/constructs/index.js");
  expect(packed.files.map((file) => file.path)).not.toContain(STALE);
  expect(existsSync(join(project, "node_modules", pkg.name, STALE))).toBe(false);
});

test("the guide's main.ts synthesizes with the guide's cdktf.json, printing nothing but what it says", () => {
  expect(synth.stderr).toBe("");
  expect(synth.status).toBe(0);
});

test("it type-checks against the installed types", () => {
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "--strict", "--skipLibCheck", "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "main.ts"], {
    cwd: project,
    encoding: "utf8",
  });
  expect(tsc.stdout).toBe("");
  expect(tsc.status).toBe(0);
});

describe("the infrastructure stack", () => {
  test("its own network, with a name derived from the construct's path, and three nodes at the guide's addresses", () => {
    const infra = stack("maze-infra");
    const [network] = resources(infra, "google_compute_network");
    expect(network.name).toMatch(/^maze-infra-network-[0-9a-f]{8}$/);
    expect(resources(infra, "google_compute_subnetwork")).toEqual([expect.objectContaining({ name: `${network.name}-nodes`, region: "europe-west1", ip_cidr_range: "10.20.0.0/24" })]);
    const vms = resources(infra, "google_compute_instance");
    expect(vms.map((vm) => [vm.zone, vm.network_interface[0].network_ip])).toEqual([
      ["europe-west1-b", "10.20.0.2"],
      ["europe-west1-b", "10.20.0.4"],
      ["europe-west1-b", "10.20.0.5"],
    ]);
    expect(vms[1].metadata["user-data"]).toContain("node-labels");
    expect(vms[2].metadata["user-data"]).toContain("nodelabel=node-wrk-2");
    expect(Object.keys(infra.provider).sort()).toEqual(["google", "random", "tls"]);
    expect(infra.provider.google[0]).toMatchObject({ project: "my-project", region: "europe-west1" });
  });

  test("ends with the readiness wait, then removes the CA key from the control plane's metadata", () => {
    const infra = stack("maze-infra");
    const commands = resources(infra, "terraform_data").map((r) => r.provisioner[0]["local-exec"].command);
    expect(commands).toEqual([expect.stringMatching(/^node assets\/LabyrinthWaitScript\/\w+\/wait\.mjs readyz$/), expect.stringMatching(/^node assets\/.*\/remove-metadata-key\.mjs$/)]);
  });
});

describe("the cluster stack", () => {
  test("Cilium by Helm with the article's datapath, the guard, the probes and the check, in order", () => {
    const cluster = stack("maze-cluster");
    const releases = resources(cluster, "helm_release");
    const cilium = releases.find((r) => r.name === "cilium");
    expect(cilium).toMatchObject({ chart: "cilium", version: "1.17.4", repository: "https://helm.cilium.io" });
    expect(parse(cilium.values[0])).toMatchObject({ routingMode: "tunnel", tunnelProtocol: "vxlan", tunnelPort: 8472, kubeProxyReplacement: "false" });
    expect(releases.map((r) => r.name)).toEqual(["cilium", "labyrinth-metadata-guard"]);
    const deployments = resources(cluster, "kubernetes_deployment_v1");
    expect(deployments.map((d) => d.metadata.name)).toEqual(["node-wrk-1-ubuntu24", "node-wrk-2-ubuntu24"]);
    for (const d of deployments) expect(d.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^helm_release\.MetadataGuard_/)]));
    expect(resources(cluster, "kubernetes_job_v1")[0].spec.template.spec.container[0].env).toEqual([
      { name: "TARGET", value: "node-wrk-2-ubuntu24.wrk-2" },
      { name: "PORT", value: "9999" },
    ]);
    expect(cluster.provider.kubernetes[0].host).toMatch(/^https:\/\/\$\{data\.terraform_remote_state\.cross-stack-reference-input-maze-infra\.outputs\.[^}]+\}:6443$/);
  });

  test("its waits read the admin certificate from the infrastructure stack's state in the project", () => {
    const cluster = stack("maze-cluster");
    const infra = stack("maze-infra");
    const waits = resources(cluster, "terraform_data").map((r) => r.provisioner[0]["local-exec"]);
    expect(waits.map((w) => w.command.split(" ").slice(2).join(" ")).sort()).toEqual(["crd ciliumclusterwidenetworkpolicies.cilium.io", "job wrk-1/connectivity-check", "readyz"]);
    for (const wait of waits.filter((w) => !w.command.endsWith(" readyz"))) {
      expect(wait.environment.LABYRINTH_CLIENT_STATE).toBe(join(project, "terraform.maze-infra.tfstate"));
      expect(infra.output[wait.environment.LABYRINTH_CLIENT_KEY_OUTPUT].sensitive).toBe(true);
    }
  });
});

test("every asset is copied out of node_modules, and the scripts find their own dependencies there", () => {
  const assets = (id: string) => join(project, "cdktf.out", "stacks", id);
  const infra = stack("maze-infra");
  const removal = resources(infra, "terraform_data")[1].provisioner[0]["local-exec"].command.split(" ")[1];
  // Without its settings the script stops at its usage line: its import of google-auth-library resolved.
  const script = spawnSync(process.execPath, [removal], { cwd: assets("maze-infra"), encoding: "utf8", env: { PATH: process.env.PATH } });
  expect(script.stderr).toMatch(/^usage: LABYRINTH_INSTANCE=/);
  expect(script.status).toBe(2);
  const chart = resources(stack("maze-cluster"), "helm_release")[1].chart;
  expect(readFileSync(join(assets("maze-cluster"), chart, "Chart.yaml"), "utf8")).toContain("name: labyrinth-metadata-guard");
});
