import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METADATA_KEYS } from "../constructs";
import { parseBootstrapLog, RESTART_SECONDS } from "../lab/bootstrap-log";
import { renderStatus } from "../lab/status-text";
import { RunningCli, runCli } from "./support/cli";
import { writeInfraState } from "./support/deployed";
import { makeCa, NodeSandbox, TOKEN } from "./support/node-sandbox";
import { kubeconfigFor, standInApi, StandInApi } from "./support/stand-in-api";
import { named, synthLab } from "./support/synth";
import { makeTestPki } from "./support/test-pki";
import { parseUnit } from "./support/unit-file";

// What the bootstrap really writes on the serial console: the scripts run against stand-ins.
const work = mkdtempSync(join(tmpdir(), "labyrinth-status-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const { infra } = synthLab();
const ca = makeCa(work);

/** What `use` makes a sandbox of VM `name` print on its console. */
function onNode(name: string, ip: string, use: (node: NodeSandbox) => string): string {
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
  try {
    return use(node);
  } finally {
    node.remove();
  }
}

function bootstrapOutput(name: string, ip: string, setup: (node: NodeSandbox) => void): string {
  return onNode(name, ip, (node) => {
    setup(node);
    return node.run().output;
  });
}

/** A serial console: the kernel, cloud-init, an earlier boot, then this boot's bootstrap. */
const serial = (bootstrap: string, earlier = "") =>
  ["[    0.000000] Linux version 6.8.0-1029-gcp (buildd@lcy02-amd64-012)", earlier, "[   12.345678] cloud-init[612]: Cloud-init v. 24.4 running 'modules:final'", bootstrap, "Ubuntu 24.04.2 LTS labyrinth-node-0 ttyS0"].join("\n");

const controlPlaneDone = bootstrapOutput("labyrinth-node-0", "10.168.0.2", () => undefined);
const workerDone = bootstrapOutput("labyrinth-node-1", "10.168.0.4", () => undefined);
const workerJoining = workerDone.slice(0, workerDone.indexOf("phase kubeadm-join: done"));
const workerFailed = bootstrapOutput("labyrinth-node-2", "10.168.0.5", (node) => node.stubState("download-failures", 99));
/** The same failure, as the bootstrap before the restarting unit logged it: its start line numbers no try. */
const workerFailedForGood = workerFailed.replace(/, attempt 1 of this boot$/m, "");
/** Worker 1 on its second try of this boot, joining: the first gave up waiting for the control plane. */
const workerSecondTry = onNode("labyrinth-node-1", "10.168.0.4", (node) => {
  node.stubState("cluster-info-unsigned", 1000);
  const first = node.run({ JOIN_WAIT_SECONDS: "1" });
  node.stubState("cluster-info-unsigned", 0);
  const second = node.run().output;
  return [first.output, second.slice(0, second.indexOf("phase kubeadm-join: done"))].join("\n");
});

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

  test("a failed try is retried RESTART_SECONDS after its failure line, the unit's RestartSec", () => {
    const boot = parseBootstrapLog(serial(workerFailed));
    const failedAt = new Date(/^(\S+) labyrinth: phase install-packages: FAILED/m.exec(workerFailed)![1]);
    expect(boot.retryAt).toEqual(new Date(failedAt.getTime() + RESTART_SECONDS * 1000));
    const unit = parseUnit(readFileSync("cloud-init/labyrinth-bootstrap.service", "utf8"));
    expect(unit.Service.Restart).toEqual(["on-failure"]);
    expect(unit.Service.RestartSec).toEqual([`${RESTART_SECONDS}s`]);
  });

  test("a failure from a bootstrap whose start line numbers no try is final: that unit never ran again", () => {
    const boot = parseBootstrapLog(serial(workerFailedForGood));
    expect(boot.failure).toMatch(/^phase install-packages: FAILED/);
    expect(boot.retryAt).toBeUndefined();
  });

  test("how long until the retry, and a retry that is due", () => {
    const bootstrap = parseBootstrapLog(serial(workerFailed));
    const line = (now: Date) =>
      renderStatus({ lab: "labyrinth", project: "p", nodes: [{ name: "labyrinth-node-2", role: "worker", state: "RUNNING", bootstrap }], cluster: { apiServer: "x" }, verdict: "in progress" }, now)
        .split("\n")[1];
    expect(line(new Date(bootstrap.retryAt!.getTime() - 42_000))).toMatch(/ retrying: install-packages failed; systemd starts attempt 2 in 42s$/);
    expect(line(new Date(bootstrap.retryAt!.getTime() + 1000))).toMatch(/ retrying: install-packages failed; systemd starts attempt 2 about now$/);
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

  const vm = (name: string, role: string, lastStartTimestamp: string, lab = "labyrinth") => ({
    name,
    // Not the default zone: status must read each VM's serial console where the VM is.
    zone: "https://www.googleapis.com/compute/v1/projects/p/zones/us-east4-c",
    status: "RUNNING",
    labels: { lab, role, ttl: "4h" },
    lastStartTimestamp,
    scheduling: { maxRunDuration: { seconds: "14400" } },
  });
  /** The lab's VMs as gcloud lists them, started that long ago: by default all three. */
  function instances(startedMinutesAgo: number, nodes = [0, 1, 2]) {
    const started = new Date(Date.now() - startedMinutesAgo * 60_000).toISOString();
    writeFileSync(join(stub, "instances.json"), JSON.stringify(nodes.map((n) => vm(`labyrinth-node-${n}`, n === 0 ? "control-plane" : "worker", started))));
  }
  const console = (name: string, text: string) => writeFileSync(join(stub, `serial-${name}.txt`), serial(text));
  /** The serial consoles of node-0, node-1 and node-2, in that order. */
  const consoles = (...texts: string[]) => texts.forEach((text, n) => console(`labyrinth-node-${n}`, text));

  const calls = join(stub, "calls");
  const standIns = { PATH: `${join(__dirname, "stand-ins")}:${process.env.PATH}`, STUB_DIR: stub, CALLS: calls, HOME: work };
  function status(args: string[] = [], onSpawn?: (cli: RunningCli) => void, env: NodeJS.ProcessEnv = { ...standIns, LABYRINTH_PROJECT: "my-lab" }, cwd = project) {
    rmSync(calls, { force: true });
    return runCli(["status", ...args], { cwd, env }, onSpawn);
  }
  /** What the gcloud stand-in was asked, one call a line, every argument. */
  const gcloudCalls = () => readFileSync(calls, "utf8").trim().split("\n");
  /** The blocks `--watch` printed, one per look. */
  const looks = (stdout: string) => stdout.split(/^\d\d:\d\d:\d\d /m).filter((block) => block.trim() !== "");

  test("a node whose bootstrap failed, and that systemd will try again: retrying, with its last log lines, not failed", async () => {
    instances(60);
    consoles(controlPlaneDone, workerJoining, workerFailed);
    const run = await status();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lab labyrinth in my-lab: in progress$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-0 +control-plane +RUNNING +deleted in (2h59m|3h00m) +bootstrap complete in \d+s$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-1 +worker +RUNNING +deleted in (2h59m|3h00m) +kubeadm-join for \d+s, \d+s in all$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-2 +worker +RUNNING +deleted in (2h59m|3h00m) +retrying: install-packages failed; systemd starts attempt 2 (in \d+s|about now)$/m);
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

  test("a failure no unit will retry: FAILED, its phase and last lines, exit 1", async () => {
    instances(60);
    consoles(controlPlaneDone, workerJoining, workerFailedForGood);
    const run = await status();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^lab labyrinth in my-lab: failed$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-2 .* FAILED at install-packages: phase install-packages: FAILED after/m);
    expect(run.stdout).toMatch(/^ {6}\d\d:\d\d:\d\d curl failed 5 times: giving up$/m);
  });

  test("a node on its second try: the attempt, and where the first failed", async () => {
    instances(60);
    consoles(controlPlaneDone, workerSecondTry, workerDone);
    const run = await status();
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-1 +worker +RUNNING .* kubeadm-join for \d+s, \d+s in all \(attempt 2; the first failed at wait-for-control-plane\)$/m);
  });

  test("--watch follows the deploy until the lab is ready", async () => {
    instances(8);
    consoles(controlPlaneDone, workerJoining, workerDone.replace(/labyrinth-node-1/g, "labyrinth-node-2"));
    jobSucceeded = false;
    let cli!: RunningCli;
    const watching = status(["--watch", "--interval", "0.3"], (running) => (cli = running));
    // The lab moves on once the first look has said it is in progress.
    expect(await cli.printed(/: in progress$/m)).toBe(true);
    console("labyrinth-node-1", workerDone);
    jobSucceeded = true;
    const run = await watching;
    expect(run.code).toBe(0);
    const blocks = looks(run.stdout);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks[0]).toMatch(/: in progress$/m);
    expect(blocks[blocks.length - 1]).toMatch(/: ready$/m);
    expect(blocks[blocks.length - 1]).toMatch(/^ {2}check +passed \(kubectl -n wrk-1 logs job\/connectivity-check\)$/m);
  }, 30_000);

  test("a worker reclaimed (Spot): named, incomplete, and --watch ends", async () => {
    instances(60, [0, 1]);
    consoles(controlPlaneDone, workerDone);
    const run = await status(["--watch", "--interval", "0.3"]);
    expect(run.code).toBe(1);
    expect(looks(run.stdout)).toHaveLength(1);
    expect(looks(run.stdout)[0]).toMatch(/^lab labyrinth in my-lab: incomplete$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-2 +worker +MISSING +its VM is gone: reclaimed \(Spot\), expired or deleted \(npm run deploy makes it again\)$/m);
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-1 +worker +RUNNING /m);
  });

  test("VMs expired: says so and what to do, exit 1, and --watch ends", async () => {
    writeFileSync(join(stub, "instances.json"), "[]");
    const run = await status(["--watch", "--interval", "0.3"]);
    expect(run.code).toBe(1);
    expect(looks(run.stdout)).toHaveLength(1);
    expect(looks(run.stdout)[0]).toMatch(/^lab labyrinth in my-lab: expired$/m);
    expect(run.stdout).toContain("no VMs: they expired or were reclaimed (npm run deploy makes them again; npm run destroy removes the rest)");
  });

  test("VMs the deploy has still to make are not missing: in progress", async () => {
    const early = mkdtempSync(join(work, "early-"));
    writeInfraState(early, { kubeconfig: kubeconfigFor(api.url, pki) }, { project: "my-lab" }, ["labyrinth-node-0"]);
    instances(1, [0]);
    consoles(controlPlaneDone);
    const run = await status([], undefined, undefined, early);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lab labyrinth in my-lab: in progress$/m);
    for (const n of [1, 2]) expect(run.stdout).toMatch(new RegExp(`^ {2}labyrinth-node-${n} +worker +MISSING +no VM yet: the deploy has still to make it$`, "m"));
  });

  test("a serial console over 1 MiB is read whole", async () => {
    instances(60);
    consoles(controlPlaneDone, workerDone, workerDone);
    const noise = Array.from({ length: 12_000 }, (_, i) => `[ ${(20 + i / 1000).toFixed(6)}] cloud-init[612]: ${"-".repeat(100)}`).join("\n");
    writeFileSync(join(stub, "serial-labyrinth-node-0.txt"), serial(controlPlaneDone, noise));
    expect(statSync(join(stub, "serial-labyrinth-node-0.txt")).size).toBeGreaterThan(1024 * 1024);
    const run = await status();
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^ {2}labyrinth-node-0 +control-plane +RUNNING .* bootstrap complete in \d+s$/m);
  });

  test("gcloud's whole error, not its last line", async () => {
    const error = ["ERROR: (gcloud.compute.instances.list) There was a problem refreshing your current auth tokens: Reauthentication failed.", "Please run:", "", "  $ gcloud auth login", "", "to obtain new credentials."];
    writeFileSync(join(stub, "gcloud-error"), error.join("\n") + "\n");
    try {
      const run = await status();
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual(["labyrinth: gcloud compute instances list failed (exit 1):", ...error.filter((l) => l !== "").map((l) => `labyrinth:   ${l}`)]);
    } finally {
      rmSync(join(stub, "gcloud-error"));
    }
  });

  test("a gcloud that cannot run is named as such, not as missing", async () => {
    const bin = mkdtempSync(join(work, "bin-"));
    writeFileSync(join(bin, "gcloud"), "#!/bin/sh\n", { mode: 0o644 });
    const run = await status([], undefined, { PATH: bin, LABYRINTH_PROJECT: "my-lab", HOME: work });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("labyrinth: gcloud compute instances list could not run: spawnSync gcloud EACCES");
  });

  test("a lab deployed as team-a is found from a shell that names nothing: its label, its project, its nodes", async () => {
    const folder = mkdtempSync(join(work, "team-a-"));
    writeInfraState(folder, { kubeconfig: kubeconfigFor(api.url, pki) }, { name: "team-a", project: "team-project", workers: 3 });
    const started = new Date().toISOString();
    const names = [0, 1, 2, 3].map((n) => `team-a-node-${n}`);
    writeFileSync(join(stub, "instances.json"), JSON.stringify(names.map((name, n) => vm(name, n === 0 ? "control-plane" : "worker", started, "team-a"))));
    for (const name of names) console(name, workerDone);
    const run = await status([], undefined, standIns, folder);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^lab team-a in team-project: /m);
    for (const name of names) expect(run.stdout).toMatch(new RegExp(`^ {2}${name} +(control-plane|worker) +RUNNING `, "m"));
    expect(gcloudCalls()).toEqual([
      "gcloud compute instances list --filter=labels.lab=team-a --format=json --project=team-project --quiet",
      ...names.map((name) => `gcloud compute instances get-serial-port-output ${name} --zone=us-east4-c --project=team-project --quiet`),
    ]);
  });
});
