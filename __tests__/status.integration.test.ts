import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METADATA_KEYS } from "../constructs";
import { parseBootstrapLog } from "../lab/bootstrap-log";
import { RunningCli, runCli } from "./support/cli";
import { writeInfraState } from "./support/deployed";
import { makeCa, NodeSandbox, TOKEN } from "./support/node-sandbox";
import { kubeconfigFor, standInApi, StandInApi } from "./support/stand-in-api";
import { named, synthLab } from "./support/synth";
import { makeTestPki } from "./support/test-pki";

// What the bootstrap really writes on the serial console: the scripts run against stand-ins.
const work = mkdtempSync(join(tmpdir(), "labyrinth-status-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const { infra } = synthLab();
const ca = makeCa(work);

function bootstrapOutput(name: string, ip: string, setup: (node: NodeSandbox) => void, env: Record<string, string> = {}): string {
  const vm = named(infra, "google_compute_instance", name);
  const node = new NodeSandbox(vm, {
    "instance/name": name,
    "instance/network-interfaces/0/ip": ip,
    "instance/network-interfaces/0/access-configs/0/external-ip": "34.86.1.10",
    [`instance/attributes/${METADATA_KEYS.token}`]: TOKEN,
    [`instance/attributes/${METADATA_KEYS.caCert}`]: ca.cert,
    [`instance/attributes/${METADATA_KEYS.caKey}`]: ca.key,
  });
  node.stubState("signed-token-id", "abcdef");
  setup(node);
  try {
    return node.run(env).output;
  } finally {
    node.remove();
  }
}

/** A serial console: the kernel, cloud-init, an earlier boot, then this boot's bootstrap. */
const serial = (bootstrap: string, earlier = "") =>
  ["[    0.000000] Linux version 6.8.0-1029-gcp (buildd@lcy02-amd64-012)", earlier, "[   12.345678] cloud-init[612]: Cloud-init v. 24.4 running 'modules:final'", bootstrap, "Ubuntu 24.04.2 LTS labyrinth-node-0 ttyS0"].join("\n");

const controlPlaneDone = bootstrapOutput("labyrinth-node-0", "10.168.0.2", () => undefined);
const workerDone = bootstrapOutput("labyrinth-node-1", "10.168.0.4", () => undefined);
const workerJoining = workerDone.slice(0, workerDone.indexOf("phase kubeadm-join: done"));
const workerFailed = bootstrapOutput("labyrinth-node-2", "10.168.0.5", (node) => node.stubState("download-failures", 99));

describe("reading the bootstrap back from the serial console", () => {
  test("a finished control plane: every phase done, in order, with times", () => {
    const boot = parseBootstrapLog(serial(controlPlaneDone));
    expect(boot.role).toBe("control-plane");
    expect(boot.complete).toBe(true);
    expect(boot.failure).toBeUndefined();
    expect(boot.phases.map((p) => [p.name, p.state])).toEqual(
      ["prepare-host", "configure-apt", "install-packages", "install-ca", "render-config", "kubeadm-init", "wait-for-apiserver", "apiserver-cert", "bootstrap-token", "kubeconfig"].map((n) => [n, "done"]),
    );
    expect(boot.phases.every((p) => typeof p.seconds === "number")).toBe(true);
  });

  test("a worker mid-join: the running phase", () => {
    const boot = parseBootstrapLog(serial(workerJoining));
    expect(boot.complete).toBe(false);
    expect(boot.phases[boot.phases.length - 1]).toMatchObject({ name: "kubeadm-join", state: "running" });
  });

  test("a failed worker: the failed phase, its line and the lines before it", () => {
    const boot = parseBootstrapLog(serial(workerFailed));
    expect(boot.phases[boot.phases.length - 1]).toMatchObject({ name: "install-packages", state: "failed" });
    expect(boot.failure).toMatch(/^phase install-packages: FAILED after \d+s \(exit 1, line \d+\)/);
    expect(boot.lastLines.join("\n")).toContain("curl failed 5 times: giving up");
  });

  test("only the latest boot counts", () => {
    const boot = parseBootstrapLog(serial(controlPlaneDone, workerFailed));
    expect(boot.complete).toBe(true);
    expect(boot.failure).toBeUndefined();
  });
});

describe("npm run status", () => {
  const pki = makeTestPki();
  const stub = join(work, "stub");
  const project = join(work, "project");
  let api: StandInApi;
  let jobSucceeded = false;
  mkdirSync(stub, { recursive: true });
  mkdirSync(project, { recursive: true });

  beforeAll(async () => {
    api = await standInApi((path) => {
      const ok = (body: object) => ({ status: 200, body });
      if (path.startsWith("/readyz")) return { status: 200, body: "ok" };
      if (path === "/api/v1/nodes") {
        const node = (name: string) => ({ metadata: { name }, status: { conditions: [{ type: "Ready", status: "True" }] } });
        return ok({ kind: "NodeList", apiVersion: "v1", items: ["labyrinth-node-0", "labyrinth-node-1", "labyrinth-node-2"].map(node) });
      }
      if (path === "/apis/apps/v1/namespaces/kube-system/daemonsets/cilium") return ok({ kind: "DaemonSet", status: { numberReady: 3, desiredNumberScheduled: 3 } });
      const deployment = /^\/apis\/apps\/v1\/namespaces\/(wrk-\d)\/deployments\//.exec(path);
      if (deployment) return ok({ kind: "Deployment", spec: { replicas: 1 }, status: { readyReplicas: 1 } });
      if (path === "/apis/batch/v1/namespaces/wrk-1/jobs/connectivity-check") return ok({ kind: "Job", status: jobSucceeded ? { succeeded: 1 } : { active: 1 } });
      return { status: 404, body: { kind: "Status", code: 404 } };
    }, pki);
    writeInfraState(project, { kubeconfig: kubeconfigFor(api.url, pki) }, { project: "my-lab" });
  });
  afterAll(() => api.close());

  function instances(startedMinutesAgo: number) {
    const lastStartTimestamp = new Date(Date.now() - startedMinutesAgo * 60_000).toISOString();
    const vm = (name: string, role: string) => ({
      name,
      // Not the default zone: status must read each VM's serial console where the VM is.
      zone: "https://www.googleapis.com/compute/v1/projects/p/zones/us-east4-c",
      status: "RUNNING",
      labels: { lab: "labyrinth", role, ttl: "4h" },
      lastStartTimestamp,
      scheduling: { maxRunDuration: { seconds: "14400" } },
    });
    writeFileSync(join(stub, "instances.json"), JSON.stringify([vm("labyrinth-node-0", "control-plane"), vm("labyrinth-node-1", "worker"), vm("labyrinth-node-2", "worker")]));
  }
  const console = (name: string, text: string) => writeFileSync(join(stub, `serial-${name}.txt`), serial(text));

  const calls = join(stub, "calls");
  function status(args: string[] = [], onSpawn?: (cli: RunningCli) => void) {
    rmSync(calls, { force: true });
    return runCli(
      ["status", ...args],
      { cwd: project, env: { PATH: `${join(__dirname, "stand-ins")}:${process.env.PATH}`, LABYRINTH_PROJECT: "my-lab", STUB_DIR: stub, CALLS: calls, HOME: work } },
      onSpawn,
    );
  }
  /** What the gcloud stand-in was asked, one call a line, every argument. */
  const gcloudCalls = () => readFileSync(calls, "utf8").trim().split("\n");

  test("a failed node: its phase, its last log lines, exit 1; time left from the VM's start", async () => {
    instances(60);
    console("labyrinth-node-0", controlPlaneDone);
    console("labyrinth-node-1", workerJoining);
    console("labyrinth-node-2", workerFailed);
    const run = await status();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^lab labyrinth in my-lab: failed$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-0 +control-plane +RUNNING +deleted in (2h59m|3h00m) +bootstrap complete in \d+s$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-1 +worker +RUNNING +deleted in (2h59m|3h00m) +kubeadm-join for \d+s, \d+s in all$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-2 .* FAILED at install-packages: phase install-packages: FAILED after/m);
    expect(run.stdout).toMatch(/^ {6}\d\d:\d\d:\d\d curl failed 5 times: giving up$/m);
    expect(run.stdout).toMatch(/^ {2}API server +https:\/\/127\.0\.0\.1:\d+ ready$/m);
    expect(run.stdout).toMatch(/^ {2}nodes +3\/3 Ready$/m);
    expect(run.stdout).toMatch(/^ {2}Cilium +3\/3 agents ready$/m);
    expect(run.stdout).toMatch(/^ {2}probes +wrk-1 1\/1, wrk-2 1\/1$/m);
    expect(run.stdout).toMatch(/^ {2}check +running$/m);
    // The lab's VMs by their label, in the lab's project; each console from its VM's zone.
    expect(gcloudCalls()).toEqual([
      "gcloud compute instances list --filter=labels.lab=labyrinth --format=json --project=my-lab --quiet",
      ...[0, 1, 2].map((n) => `gcloud compute instances get-serial-port-output labyrinth-node-${n} --zone=us-east4-c --project=my-lab --quiet`),
    ]);
  });

  test("--watch follows the deploy until the lab is ready", async () => {
    instances(8);
    console("labyrinth-node-2", workerDone.replace(/labyrinth-node-1/g, "labyrinth-node-2"));
    jobSucceeded = false;
    let cli!: RunningCli;
    const watching = status(["--watch", "--interval", "0.3"], (running) => (cli = running));
    // The lab moves on once the first look has said it is in progress.
    expect(await cli.printed(/: in progress$/m)).toBe(true);
    console("labyrinth-node-1", workerDone);
    jobSucceeded = true;
    const run = await watching;
    expect(run.code).toBe(0);
    const blocks = run.stdout.split(/^\d\d:\d\d:\d\d /m).filter((block) => block.trim() !== "");
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks[0]).toMatch(/: in progress$/m);
    expect(blocks[blocks.length - 1]).toMatch(/: ready$/m);
    expect(blocks[blocks.length - 1]).toMatch(/^ {2}check +passed \(kubectl -n wrk-1 logs job\/connectivity-check\)$/m);
  }, 30_000);

  test("VMs gone: says so, and what to do", async () => {
    writeFileSync(join(stub, "instances.json"), "[]");
    const run = await status();
    expect(run.stdout).toContain("no VMs: they expired or were reclaimed (npm run deploy makes them again; npm run destroy removes the rest)");
  });
});
