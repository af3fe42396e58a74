import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";
import { recordCopyPath } from "../lab/state";
import { stateFileName } from "../model/names";
import { recordOutput } from "../model/record";
import { LabSettings } from "../model/settings";
import { writeInfraState } from "./support/deployed";
import { kubeconfigFor, standInApi, StandInApi } from "./support/stand-in-api";
import { makeTestPki } from "./support/test-pki";

const pki = makeTestPki();
const work = mkdtempSync(join(tmpdir(), "labyrinth-destroy-"));
let api: StandInApi;
beforeAll(async () => {
  api = await standInApi((path) => (path.startsWith("/readyz") ? { status: 200, body: "ok" } : { status: 404, body: {} }), pki);
});
afterAll(async () => {
  await api.close();
  rmSync(work, { recursive: true, force: true });
});

const vm = { name: "labyrinth-node-0", zone: "projects/my-lab/zones/us-east4-b", status: "RUNNING", labels: { lab: "labyrinth", role: "control-plane" } };

/**
 * A project folder with the lab's state, stand-ins for npx (cdktf) and gcloud, and what they answer.
 * cdktf destroy empties the states it destroys, as Terraform does. `declined`: it exits 0 having
 * destroyed nothing, as cdktf does when its prompt is answered no.
 * `stopsHalfway`: the first cdktf destroy fails having emptied the state's outputs, as Terraform
 * does, and left a resource; the next one finishes.
 */
function scene(options: { instances: object[]; server: string; after?: Record<string, object[]>; settings?: Partial<LabSettings>; declined?: boolean; stopsHalfway?: boolean; garbles?: boolean }) {
  const dir = mkdtempSync(join(work, "scene-"));
  const stub = join(dir, "stub");
  const bin = join(dir, "bin");
  for (const d of [stub, bin]) mkdirSync(d);
  const model = writeInfraState(dir, { kubeconfig: kubeconfigFor(options.server, pki) }, { project: "my-lab", ...options.settings });
  writeFileSync(join(dir, `terraform.${model.stacks.cluster}.tfstate`), JSON.stringify({ resources: [{ type: "helm_release" }] }));
  writeFileSync(join(stub, "instances.json"), JSON.stringify(options.instances));
  for (const [file, items] of Object.entries(options.after ?? {})) writeFileSync(join(stub, `after-${file}.json`), JSON.stringify(items));
  // cdktf destroy: recorded, and from then on gcloud answers what is left. Shell builtins only: some tests leave no PATH but bin.
  const halfway = JSON.stringify({ version: 4, outputs: {}, resources: [{ type: "google_compute_network" }] });
  const stop = `if [ ! -e "$STUB_DIR/stopped" ]; then : > "$STUB_DIR/stopped"; printf '%s' '${halfway}' > ${stateFileName(model.stacks.infrastructure)}; exit 1; fi\n`;
  const emptied = JSON.stringify({ version: 4, outputs: {}, resources: [] });
  const empty = (stack: string) => `printf '%s' '${emptied}' > ${stateFileName(stack)}`;
  // With "*" both stacks go; with the infrastructure stack alone, the cluster's state is left as it is.
  const destroyStacks = `${empty(model.stacks.infrastructure)}; case "$*" in *'*'*) ${empty(model.stacks.cluster)};; esac`;
  const garbled = `printf '{ half' > ${stateFileName(model.stacks.infrastructure)}; exit 0`;
  const done = options.declined ? "exit 0" : options.garbles ? garbled : `${options.stopsHalfway ? stop : ""}${destroyStacks}; : > "$STUB_DIR/destroyed"`;
  writeFileSync(join(bin, "npx"), `#!/bin/sh\necho "npx $* project=$LABYRINTH_PROJECT name=$LABYRINTH_NAME workers=$LABYRINTH_WORKERS" >> "$CALLS"\numask > "$STUB_DIR/umask"\n${done}\n`);
  chmodSync(join(bin, "npx"), 0o755);
  return { dir, stub, model, calls: () => readFileSync(join(stub, "calls"), "utf8").trim().split("\n") };
}

function destroy(dir: string, stub: string, args: string[] = [], env: NodeJS.ProcessEnv = { LABYRINTH_PROJECT: "my-lab" }) {
  return runCli(["destroy", ...args], {
    cwd: dir,
    env: { PATH: `${join(dir, "bin")}:${join(__dirname, "stand-ins")}:${process.env.PATH}`, STUB_DIR: stub, CALLS: join(stub, "calls"), HOME: dir, ...env },
  });
}

test("the normal path: both stacks destroyed through cdktf, then nothing left", async () => {
  const s = scene({ instances: [vm], server: api.url, after: { instances: [] } });
  const run = await destroy(s.dir, s.stub, ["--auto-approve"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate"))).toBe(true);
  // cdktf ran with owner-only files, its states made so first: they hold the cluster's keys.
  expect(readFileSync(join(s.stub, "umask"), "utf8").trim()).toBe("0077");
  expect(statSync(join(s.dir, "terraform.labyrinth-cluster.tfstate")).mode & 0o777).toBe(0o600);
  expect(run.stdout.trim()).toBe("labyrinth: nothing of lab labyrinth is left in my-lab");
  expect(s.calls()).toEqual([
    // First, whether the VMs are still there (if not, the cluster died with them)…
    "gcloud compute instances list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
    "npx cdktf destroy * --auto-approve project=my-lab name=labyrinth workers=2",
    // …then what is left: by label where labels exist, by name where they do not.
    "gcloud compute instances list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
    "gcloud compute disks list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
    "gcloud compute addresses list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
    "gcloud compute firewall-rules list --filter=name=(labyrinth-allow-ssh labyrinth-allow-apiserver labyrinth-allow-nodes-apiserver labyrinth-allow-nodes-kubelet labyrinth-allow-nodes-vxlan labyrinth-allow-nodes-health labyrinth-allow-nodes-hubble) --format=json --project=my-lab --quiet",
    "gcloud compute networks subnets list --filter=name=labyrinth-nodes --format=json --project=my-lab --quiet",
    "gcloud compute networks list --filter=name=labyrinth --format=json --project=my-lab --quiet",
  ]);
});

test("the VMs expired: the in-cluster resources are dropped from state with a message, the rest destroyed", async () => {
  const s = scene({ instances: [], server: api.url });
  const run = await destroy(s.dir, s.stub);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("labyrinth: the VMs are gone (expired or reclaimed): the in-cluster resources died with the cluster; destroying labyrinth-infra alone");
  expect(run.stdout).toContain(`labyrinth: dropped the in-cluster resources from labyrinth-cluster's state (kept aside in ${join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped")})`);
  expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate"))).toBe(false);
  expect(readFileSync(join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped"), "utf8")).toContain("helm_release");
  expect(statSync(join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped")).mode & 0o777).toBe(0o600);
  expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual(["npx cdktf destroy labyrinth-infra --ignore-missing-stack-dependencies project=my-lab name=labyrinth workers=2"]);
});

test("the API server does not answer three tries: the same, naming it", async () => {
  // Accepts each connection and drops it: no TLS, no answer; counts the tries.
  let tries = 0;
  const silent = createServer((socket) => {
    tries++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const s = scene({ instances: [vm], server: url, after: { instances: [] } });
    const run = await destroy(s.dir, s.stub);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`labyrinth: the API server at ${url} does not answer: the in-cluster resources died with the cluster`);
    expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual(["npx cdktf destroy labyrinth-infra --ignore-missing-stack-dependencies project=my-lab name=labyrinth workers=2"]);
    expect(tries).toBe(3);
  } finally {
    await new Promise((resolve) => silent.close(resolve));
  }
});

test("one lost answer is not a dead cluster: ready at the third try, both stacks go through cdktf", async () => {
  let asked = 0;
  const slow = await standInApi((path) => (path.startsWith("/readyz") && ++asked >= 3 ? { status: 200, body: "ok" } : { status: 503, body: "[-]etcd failed" }), pki);
  try {
    const s = scene({ instances: [vm], server: slow.url, after: { instances: [] } });
    const run = await destroy(s.dir, s.stub);
    expect(run.code).toBe(0);
    expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual(["npx cdktf destroy * project=my-lab name=labyrinth workers=2"]);
    expect(slow.hits.get("/readyz")).toBe(3);
  } finally {
    await slow.close();
  }
});

test("leftovers are reported, each with the command that removes it", async () => {
  const s = scene({
    instances: [vm],
    server: api.url,
    after: {
      instances: [],
      disks: [{ name: "labyrinth-node-1", zone: "projects/my-lab/zones/us-east4-b" }],
      "firewall-rules": [{ name: "labyrinth-allow-ssh" }],
      networks: [{ name: "labyrinth" }],
    },
  });
  const run = await destroy(s.dir, s.stub);
  expect(run.code).toBe(1);
  expect(run.stdout.trim().split("\n")).toEqual([
    "labyrinth: still in my-lab after destroy (remove with the command beside each):",
    "labyrinth:   disk labyrinth-node-1                gcloud compute disks delete labyrinth-node-1 --zone=us-east4-b --project=my-lab",
    "labyrinth:   firewall rule labyrinth-allow-ssh    gcloud compute firewall-rules delete labyrinth-allow-ssh --project=my-lab",
    "labyrinth:   network labyrinth                    gcloud compute networks delete labyrinth --project=my-lab",
  ]);
});

test("a lab deployed as team-a is destroyed from a shell that names nothing: its own stacks, project and settings", async () => {
  const s = scene({ instances: [], server: api.url, settings: { name: "team-a", workers: 3 } });
  const run = await destroy(s.dir, s.stub, [], {});
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("dropped the in-cluster resources from team-a-cluster's state");
  expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual(["npx cdktf destroy team-a-infra --ignore-missing-stack-dependencies project=my-lab name=team-a workers=3"]);
  expect(s.calls()).toContain("gcloud compute instances list --filter=labels.lab=team-a --format=json --project=my-lab --quiet");
  expect(run.stdout).toContain("nothing of lab team-a is left in my-lab");
});

test("a declined cdktf destroy (cdktf exits 0 when its prompt is answered no) leaves the cluster's state where it was", async () => {
  const s = scene({ instances: [], server: api.url, declined: true });
  writeFileSync(join(s.stub, "networks.json"), JSON.stringify([{ name: "labyrinth" }]));
  const run = await destroy(s.dir, s.stub);
  expect(run.code).toBe(1);
  expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual(["npx cdktf destroy labyrinth-infra --ignore-missing-stack-dependencies project=my-lab name=labyrinth workers=2"]);
  expect(run.stdout).toContain("labyrinth: cdktf destroy ended with resources still in labyrinth-infra's state: declined at its prompt, or stopped");
  expect(run.stdout).toContain("labyrinth: cdktf destroy did not finish (declined, or failed as it says above): labyrinth-cluster's state is kept as it was");
  expect(existsSync(recordCopyPath("labyrinth", s.dir))).toBe(true);
  expect(readFileSync(join(s.dir, "terraform.labyrinth-cluster.tfstate"), "utf8")).toContain("helm_release");
  expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped"))).toBe(false);
  expect(run.stdout).toContain("labyrinth: still in my-lab after a destroy that did not finish (remove with the command beside each):");
});

test("a state left unreadable after cdktf destroy: said, with what to do; not counted as finished", async () => {
  const s = scene({ instances: [], server: api.url, garbles: true });
  const run = await destroy(s.dir, s.stub);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^labyrinth: .*terraform\.labyrinth-infra\.tfstate is not a Terraform state \(.+\): restore it from .+\.backup, or remove it if nothing was deployed$/m);
  expect(existsSync(recordCopyPath("labyrinth", s.dir))).toBe(true);
  expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped"))).toBe(false);
});

test("a destroy that stops halfway keeps the lab's record beside the state: the next destroy uses the settings the lab was deployed with", async () => {
  const s = scene({ instances: [], server: api.url, settings: { name: "team-a", workers: 3 }, stopsHalfway: true });
  const copy = recordCopyPath(s.model.name, s.dir);
  const stopped = await destroy(s.dir, s.stub, [], {});
  expect(stopped.code).toBe(1);
  expect(readFileSync(join(s.dir, stateFileName(s.model.stacks.infrastructure)), "utf8")).not.toContain('"lab"');
  expect(readFileSync(copy, "utf8")).toBe(recordOutput(s.model).value);
  expect(stopped.stdout).toContain(`labyrinth: the lab's settings are kept in ${copy} until a destroy finishes: one that stops halfway leaves the lab with no record in its state`);

  const again = await destroy(s.dir, s.stub, [], {});
  expect(again.stderr).toBe("");
  expect(again.code).toBe(0);
  expect(s.calls().filter((c) => c.startsWith("npx"))).toEqual([
    "npx cdktf destroy team-a-infra --ignore-missing-stack-dependencies project=my-lab name=team-a workers=3",
    "npx cdktf destroy team-a-infra --ignore-missing-stack-dependencies project=my-lab name=team-a workers=3",
  ]);
  // Finished: the copy goes, so a folder with the lab gone does not claim it.
  expect(existsSync(copy)).toBe(false);
});

describe("without a gcloud that answers, destroy still works: the API server decides, and the leftover check says why it could not run", () => {
  const notLoggedIn = [
    "ERROR: (gcloud.compute.instances.list) You do not currently have an active account selected.",
    "Please run:",
    "",
    "  $ gcloud auth login",
    "",
    "to obtain new credentials.",
  ];

  test("gcloud not logged in: its whole error", async () => {
    const s = scene({ instances: [vm], server: api.url });
    writeFileSync(join(s.stub, "gcloud-error"), notLoggedIn.join("\n") + "\n");
    const run = await destroy(s.dir, s.stub);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // The API server answers: both stacks through cdktf, the cluster's state untouched.
    expect(s.calls()).toEqual([
      "gcloud compute instances list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
      "npx cdktf destroy * project=my-lab name=labyrinth workers=2",
      "gcloud compute instances list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
    ]);
    expect(api.hits.get("/readyz")).toBeGreaterThan(0);
    expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate"))).toBe(true);
    expect(run.stdout.trim().split("\n")).toEqual([
      "labyrinth: gcloud could not list the lab's VMs: asking the API server whether the cluster is there",
      "labyrinth: the leftover check could not run, so nothing says whether anything of lab labyrinth is left in my-lab: gcloud cannot answer",
      "labyrinth:   gcloud compute instances list failed (exit 1):",
      ...notLoggedIn.filter((line) => line !== "").map((line) => `labyrinth:     ${line}`),
    ]);
  });

  test("no gcloud CLI at all, and an API server that does not answer: the infrastructure alone", async () => {
    const s = scene({ instances: [vm], server: "https://127.0.0.1:9" });
    // Nothing on the PATH but the cdktf stand-in: no gcloud of any kind.
    const run = await destroy(s.dir, s.stub, [], { LABYRINTH_PROJECT: "my-lab", PATH: join(s.dir, "bin") });
    expect(run.code).toBe(0);
    expect(s.calls()).toEqual(["npx cdktf destroy labyrinth-infra --ignore-missing-stack-dependencies project=my-lab name=labyrinth workers=2"]);
    expect(run.stdout).toContain("labyrinth: the API server at https://127.0.0.1:9 does not answer: the in-cluster resources died with the cluster; destroying labyrinth-infra alone");
    expect(existsSync(join(s.dir, "terraform.labyrinth-cluster.tfstate.dropped"))).toBe(true);
    expect(run.stdout.trim().split("\n").slice(-2)).toEqual([
      "labyrinth: the leftover check could not run, so nothing says whether anything of lab labyrinth is left in my-lab: gcloud cannot answer",
      "labyrinth:   the gcloud CLI is missing: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and run gcloud auth login",
    ]);
  });
});
