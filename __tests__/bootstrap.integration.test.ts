import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { METADATA_KEYS } from "../constructs";
import { METADATA_URL, NodeSandbox, STAND_INS, TOKEN, makeCa, phases } from "./support/node-sandbox";
import ms from "ms";
import { parseBootstrapLog } from "../lab/bootstrap-log";
import { CURRENT_VERSIONS } from "../model/defaults";
import { named, synthLab } from "./support/synth";
import { parseUnit } from "./support/unit-file";
import { kubeadmConfig, writtenFile } from "./support/user-data";
import { requireTool } from "./support/tools";

requireTool("openssl");
const caDir = mkdtempSync(join(tmpdir(), "labyrinth-ca-"));
const ca = makeCa(caDir);
afterAll(() => rmSync(caDir, { recursive: true, force: true }));

const { infra } = synthLab();
const controlPlaneVm = named(infra, "google_compute_instance", "labyrinth-node-0");
const workerVm = named(infra, "google_compute_instance", "labyrinth-node-1");

function metadataFor(name: string, ip: string, externalIp: string, withKey: boolean): Record<string, string> {
  return {
    "instance/name": name,
    "instance/network-interfaces/0/ip": ip,
    "instance/network-interfaces/0/access-configs/0/external-ip": externalIp,
    [`instance/attributes/${METADATA_KEYS.token}`]: TOKEN,
    [`instance/attributes/${METADATA_KEYS.caCert}`]: ca.cert,
    ...(withKey ? { [`instance/attributes/${METADATA_KEYS.caKey}`]: ca.key } : {}),
  };
}

const sandboxes: NodeSandbox[] = [];
afterEach(() => sandboxes.splice(0).forEach((s) => s.remove()));
function controlPlane(externalIp = "34.86.1.10") {
  const node = new NodeSandbox(controlPlaneVm, metadataFor("labyrinth-node-0", "10.168.0.2", externalIp, true));
  sandboxes.push(node);
  return node;
}
function worker() {
  const node = new NodeSandbox(workerVm, metadataFor("labyrinth-node-1", "10.168.0.4", "34.86.1.11", false));
  node.stubState("signed-token-id", "abcdef");
  sandboxes.push(node);
  return node;
}
const configOf = (text: string) => Object.fromEntries(parseAllDocuments(text).map((d) => d.toJS()).map((d) => [d.kind, d]));
const indexOfCall = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

describe("the control plane's bootstrap", () => {
  test("runs the article's node-ctl.sh steps in order and inits from a config carrying metadata's values", () => {
    const node = controlPlane();
    const run = node.run();
    expect(run.output).toContain("bootstrap complete");
    expect(run.status).toBe(0);
    expect(phases(run.log)).toEqual([
      "prepare-host", "configure-apt", "install-packages",
      "install-ca", "render-config", "kubeadm-init", "wait-for-apiserver", "apiserver-cert", "bootstrap-token", "kubeconfig",
    ]);
    const { calls } = run;
    // Swap off and kernel settings before any package, packages before kubeadm, the CA before init.
    expect(indexOfCall(calls, /^swapoff -a$/)).toBeLessThan(indexOfCall(calls, /^apt-get .* install/));
    expect(indexOfCall(calls, /^apt-get .* install/)).toBeLessThan(indexOfCall(calls, /^kubeadm init --config/));
    expect(calls).toContain("ca present at init");
    expect(calls).toContain("modprobe br_netfilter");

    const { InitConfiguration: init, ClusterConfiguration: cluster } = configOf(node.stubFile("init-config.yaml"));
    expect(init.bootstrapTokens[0].token).toBe(TOKEN);
    expect(init.nodeRegistration.name).toBe("labyrinth-node-0");
    expect(init.nodeRegistration.kubeletExtraArgs).toEqual([{ name: "node-ip", value: "10.168.0.2" }]);
    expect(init.localAPIEndpoint.advertiseAddress).toBe("10.168.0.2");
    expect(cluster.kubernetesVersion).toBe("v1.33.1");
    expect(cluster.networking.podSubnet).toBe("10.10.0.0/16");
    expect(cluster.apiServer.certSANs).toEqual(["10.168.0.2", "34.86.1.10"]);
  });

  test("prepares the host: swap off for good, modules and sysctls kept across reboots", () => {
    const node = controlPlane();
    const { calls } = node.run();
    expect(node.read("/etc/fstab")).toMatch(/^# labyrinth: swap off for the kubelet: \/swap\.img none swap/m);
    expect(node.read("/etc/modules-load.d/labyrinth-k8s.conf")).toBe("overlay\nbr_netfilter\n");
    expect(node.read("/etc/sysctl.d/99-labyrinth-k8s.conf")).toMatch(
      /net\.bridge\.bridge-nf-call-iptables = 1\nnet\.bridge\.bridge-nf-call-ip6tables = 1\nnet\.ipv4\.ip_forward = 1/,
    );
    expect(node.read("/etc/needrestart/conf.d/labyrinth.conf")).toContain("$nrconf{restart} = 'a';");
    // The sysctls apply now, not only at the next boot.
    expect(calls).toContain("sysctl --system");
  });

  test("installs CRI-O and Kubernetes 1.33 from their repositories, held, with apt waiting for the dpkg lock", () => {
    const node = controlPlane();
    const { calls } = node.run();
    expect(node.read("/etc/apt/sources.list.d/kubernetes.list")).toBe(
      "deb [signed-by=/etc/apt/keyrings/kubernetes.asc] https://pkgs.k8s.io/core:/stable:/v1.33/deb/ /\n",
    );
    expect(node.read("/etc/apt/sources.list.d/cri-o.list")).toBe(
      "deb [signed-by=/etc/apt/keyrings/cri-o.asc] https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.33/deb/ /\n",
    );
    const install = calls.find((c) => c.startsWith("apt-get") && c.includes(" install "));
    expect(install).toContain("-o DPkg::Lock::Timeout=900");
    expect(install).toMatch(/install -y --no-install-recommends cri-o kubelet kubeadm kubectl kubernetes-cni cri-tools$/);
    expect(calls).toContain("apt-mark hold cri-o kubelet kubeadm kubectl kubernetes-cni cri-tools");
    expect(calls).toContain("systemctl stop apt-daily.timer apt-daily-upgrade.timer");
    expect(calls).toContain("systemctl enable --now crio");
    expect(calls).toContain("systemctl enable kubelet");
  });

  test("the newer version set: CRI-O and Kubernetes 1.35 from their repositories, and the installed kubeadm's version in the config", () => {
    const vm = named(synthLab({ ...CURRENT_VERSIONS }).infra, "google_compute_instance", "labyrinth-node-0");
    const node = new NodeSandbox(vm, metadataFor("labyrinth-node-0", "10.168.0.2", "34.86.1.10", true));
    sandboxes.push(node);
    node.stubState("kubeadm-version", "v1.35.2");
    const run = node.run();
    expect(run.status).toBe(0);
    expect(node.read("/etc/apt/sources.list.d/kubernetes.list")).toBe("deb [signed-by=/etc/apt/keyrings/kubernetes.asc] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /\n");
    expect(node.read("/etc/apt/sources.list.d/cri-o.list")).toBe(
      "deb [signed-by=/etc/apt/keyrings/cri-o.asc] https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.35/deb/ /\n",
    );
    expect(run.calls.find((c) => c.startsWith("curl") && c.includes("pkgs.k8s.io"))).toContain("https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key");
    const { ClusterConfiguration: cluster } = configOf(node.stubFile("init-config.yaml"));
    expect(cluster.apiVersion).toBe("kubeadm.k8s.io/v1beta4");
    expect(cluster.kubernetesVersion).toBe("v1.35.2");
  });

  const aptSteps = (calls: string[]) =>
    calls.filter((c) => c.startsWith("apt-get ")).map((c) => (c.endsWith(" update") ? "update" : c.includes(" install ") ? "install" : c));

  test("an update that met a mirror mid-sync fails, and is retried with the install", () => {
    const node = controlPlane();
    node.stubState("apt-mirror-sync", 1);
    const run = node.run();
    expect(run.status).toBe(0);
    expect(run.calls.find((c) => c.endsWith(" update"))).toContain(" -o APT::Update::Error-Mode=any update");
    // The broken index never reaches an install: the failed update is retried first.
    expect(aptSteps(run.calls)).toEqual(["update", "update", "install"]);
    expect(run.log).toContain("update_and_install failed (try 1 of 8): retrying in 2s");
  });

  test("an install that fails on a stale index updates again before it tries again", () => {
    const node = controlPlane();
    node.stubState("apt-mirror-moved", 2);
    const run = node.run();
    expect(run.status).toBe(0);
    expect(aptSteps(run.calls)).toEqual(["update", "install", "update", "install", "update", "install"]);
  });

  test("writes the CA from metadata before init, the key and its copy readable by root only, and root's kubeconfig", () => {
    const node = controlPlane();
    node.run();
    expect(node.read("/etc/kubernetes/pki/ca.crt")).toBe(ca.cert);
    expect(node.read("/etc/kubernetes/pki/ca.key")).toBe(ca.key);
    expect(node.read("/var/lib/labyrinth/ca.key")).toBe(ca.key);
    const mode = (path: string) => spawnMode(join(node.root, path));
    expect(mode("etc/kubernetes/pki/ca.key")).toBe("600");
    expect(mode("var/lib/labyrinth/ca.key")).toBe("600");
    expect(mode("etc/labyrinth/kubeadm.yaml")).toBe("600");
    expect(node.read("/root/.kube/config")).toBe(node.read("/etc/kubernetes/admin.conf"));
  });

  test("a second run after success changes nothing but the token, created again", () => {
    const node = controlPlane();
    expect(node.run().status).toBe(0);
    const second = node.run();
    expect(second.status).toBe(0);
    expect(second.calls).toContain(`kubeadm init phase bootstrap-token --config ${node.root}/etc/labyrinth/kubeadm.yaml`);
    expect(second.calls.filter((c) => / install |^kubeadm init --config|certs apiserver|^crictl .* stop/.test(c))).toEqual([]);
    expect(second.log).toContain("packages already installed");
    expect(second.log).toContain("cluster already initialized");
  });

  test("a changed external address re-issues the API server certificate", () => {
    const node = controlPlane("34.86.1.10");
    node.run();
    const before = new X509Certificate(node.read("/etc/kubernetes/pki/apiserver.crt"));
    expect(before.subjectAltName).toContain("IP Address:34.86.1.10");

    node.setMetadata("instance/network-interfaces/0/access-configs/0/external-ip", "35.199.7.7");
    const rebooted = node.run();
    expect(rebooted.status).toBe(0);
    expect(rebooted.log).toContain("the external address is now 35.199.7.7: re-issuing the API server certificate");
    expect(configOf(node.stubFile("certs-config.yaml")).ClusterConfiguration.apiServer.certSANs).toEqual(["10.168.0.2", "35.199.7.7"]);
    const after = new X509Certificate(node.read("/etc/kubernetes/pki/apiserver.crt"));
    expect(after.subjectAltName).toContain("IP Address:35.199.7.7");
    expect(after.subjectAltName).not.toContain("34.86.1.10");
    expect(rebooted.calls).toContain("crictl --runtime-endpoint unix:///var/run/crio/crio.sock stop 0123456789ab");
    expect(rebooted.calls.some((c) => c.startsWith("kubeadm init phase upload-config kubeadm"))).toBe(true);
  });

  test("a failing download is retried with backoff", () => {
    const node = controlPlane();
    node.stubState("download-failures", 2);
    const run = node.run();
    expect(run.status).toBe(0);
    expect(run.log).toContain("curl failed (try 1 of 5): retrying in 2s");
    expect(run.calls.filter((c) => c.startsWith("sleep"))).toEqual(["sleep 2", "sleep 4"]);
  });

  test("a download that keeps failing fails the bootstrap loudly, naming the phase", () => {
    const node = controlPlane();
    node.stubState("download-failures", 99);
    const run = node.run();
    expect(run.status).not.toBe(0);
    expect(run.log).toContain("curl failed 5 times: giving up");
    expect(run.log).toMatch(/phase install-packages: FAILED after \d+s/);
    expect(run.calls.some((c) => c.startsWith("kubeadm init"))).toBe(false);
  });

  test("pulls Cilium's images while kubeadm initializes; a failed pull does not stop the bootstrap", () => {
    const node = controlPlane();
    node.stubState("pull-fails", "");
    const run = node.run();
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.includes(" pull "))).toEqual(
      expect.arrayContaining(["crictl --runtime-endpoint unix:///var/run/crio/crio.sock pull quay.io/cilium/cilium:v1.17.4"]),
    );
    expect(run.log).toContain("could not pull quay.io/cilium/cilium:v1.17.4 now: the kubelet will pull it when a pod needs it");
  });

  test("waits for the API server before the phases that talk to it", () => {
    const node = controlPlane();
    node.stubState("apiserver-unready", 2);
    const run = node.run();
    expect(run.status).toBe(0);
    const readyz = run.calls.filter((c) => c.endsWith("/readyz cacert=" + `${node.root}/etc/kubernetes/pki/ca.crt`));
    expect(readyz).toEqual(Array(3).fill(`curl GET https://10.168.0.2:6443/readyz cacert=${node.root}/etc/kubernetes/pki/ca.crt`));
    expect(indexOfCall(run.calls, /readyz/)).toBeLessThan(indexOfCall(run.calls, /bootstrap-token/));
  });

  test("kubeadm's output (it prints the token) goes to a root-only file; a failure shows its tail, token masked", () => {
    const node = controlPlane();
    node.stubState("init-fails", "addon");
    const run = node.run();
    expect(run.status).not.toBe(0);
    expect(node.read("/var/log/labyrinth-kubeadm.log")).toContain(`Using token: ${TOKEN}`);
    expect(spawnMode(join(node.root, "var/log/labyrinth-kubeadm.log"))).toBe("600");
    expect(run.log).toContain("kubeadm init failed; its last lines (all of them in /var/log/labyrinth-kubeadm.log):");
    expect(run.log).toContain("[bootstrap-token] Using token: <token>");
    expect(run.log + run.output).not.toContain(TOKEN.split(".")[1]);
  });

  test("a fresh control plane inits without a reset, though the kubelet package left manifests/.kubelet-keep", () => {
    const node = controlPlane();
    const run = node.run();
    expect(run.status).toBe(0);
    expect(node.exists("/etc/kubernetes/manifests/.kubelet-keep")).toBe(true);
    expect(run.log).not.toContain("did not finish");
    expect(run.calls.filter((c) => c.startsWith("kubeadm reset"))).toEqual([]);
  });

  test.each(["wait-control-plane", "addon"])("a kubeadm init that failed at %s (admin.conf and manifests written) is reset before the next try", (phase) => {
    const node = controlPlane();
    node.stubState("init-fails", phase);
    expect(node.run().status).not.toBe(0);
    rmSync(join(node.stub, "init-fails"));
    const again = node.run();
    expect(again.status).toBe(0);
    expect(again.log).toContain("an earlier kubeadm init did not finish: resetting this node first");
    const kubeadm = again.calls.filter((c) => /^kubeadm (reset|init --config)/.test(c));
    expect(kubeadm).toEqual(["kubeadm reset --force --cri-socket unix:///var/run/crio/crio.sock", `kubeadm init --config ${node.root}/etc/labyrinth/kubeadm.yaml`]);
    expect(node.read("/etc/kubernetes/pki/ca.key")).toBe(ca.key);
  });
});

describe("once the deploy removed the CA key from metadata", () => {
  const caKeyPath = `instance/attributes/${METADATA_KEYS.caKey}`;
  const readsCaKey = (calls: string[]) => calls.filter((c) => c.includes(caKeyPath));

  test("a reboot with a new external address re-issues the API server certificate from the node's copy", () => {
    const node = controlPlane("34.86.1.10");
    expect(node.run().status).toBe(0);
    node.removeMetadata(caKeyPath);
    node.reboot();
    node.setMetadata("instance/network-interfaces/0/access-configs/0/external-ip", "35.199.7.7");
    const rebooted = node.run();
    expect(rebooted.status).toBe(0);
    expect(rebooted.log).toContain("re-issuing the API server certificate");
    expect(new X509Certificate(node.read("/etc/kubernetes/pki/apiserver.crt")).subjectAltName).toContain("IP Address:35.199.7.7");
    expect(node.read("/etc/kubernetes/pki/ca.key")).toBe(ca.key);
    expect(readsCaKey(rebooted.calls)).toEqual([]);
  });

  test("a run after a half-done init resets the node and inits again from the node's copy", () => {
    const node = controlPlane();
    node.stubState("init-fails", "wait-control-plane");
    expect(node.run().status).not.toBe(0);
    node.removeMetadata(caKeyPath);
    rmSync(join(node.stub, "init-fails"));
    const again = node.run();
    expect(again.status).toBe(0);
    expect(again.calls.filter((c) => /^kubeadm (reset|init --config)|^ca present/.test(c))).toEqual([
      "kubeadm reset --force --cri-socket unix:///var/run/crio/crio.sock",
      `kubeadm init --config ${node.root}/etc/labyrinth/kubeadm.yaml`,
      "ca present at init",
    ]);
    expect(node.read("/etc/kubernetes/pki/ca.key")).toBe(ca.key);
    expect(readsCaKey(again.calls)).toEqual([]);
  });

  test("a control plane with neither the copy nor the metadata key stops before init, saying why", () => {
    const node = controlPlane();
    node.removeMetadata(caKeyPath);
    const run = node.run();
    expect(run.status).not.toBe(0);
    expect(run.log).toContain("the CA key is neither in /var/lib/labyrinth/ca.key nor in instance metadata");
    expect(run.log).toMatch(/phase install-ca: FAILED/);
    expect(node.exists("/var/lib/labyrinth/ca.key.part")).toBe(false);
    expect(run.calls.some((c) => c.startsWith("kubeadm init"))).toBe(false);
  });
});

describe("a worker's bootstrap", () => {
  test("waits until cluster-info is signed for its token, then joins pinned to the CA", () => {
    const node = worker();
    node.stubState("cluster-info-unsigned", 3);
    const run = node.run();
    expect(run.output).toContain("bootstrap complete");
    expect(run.status).toBe(0);
    expect(phases(run.log)).toEqual(["prepare-host", "configure-apt", "install-packages", "pull-images", "wait-for-control-plane", "kubeadm-join"]);
    const polls = run.calls.filter((c) => c.includes("/configmaps/cluster-info"));
    expect(polls).toHaveLength(4);
    // The CA stays out of /etc/kubernetes/pki: kubeadm join's pre-flight refuses a node that has one.
    expect(polls[0]).toBe(`curl GET https://10.168.0.2:6443/api/v1/namespaces/kube-public/configmaps/cluster-info cacert=${node.root}/etc/labyrinth/ca.crt`);
    expect(node.exists("/etc/kubernetes/pki/ca.crt")).toBe(false);
    expect(run.calls.filter((c) => c === "sleep 5")).toHaveLength(3);
    expect(indexOfCall(run.calls, /cluster-info/)).toBeLessThan(indexOfCall(run.calls, /^kubeadm join/));

    const { JoinConfiguration: join } = configOf(node.stubFile("join-config.yaml"));
    expect(join.discovery.bootstrapToken).toEqual({ apiServerEndpoint: "10.168.0.2:6443", token: TOKEN, caCertHashes: [ca.pin] });
    expect(join.nodeRegistration.name).toBe("labyrinth-node-1");
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: "node-ip", value: "10.168.0.4" },
      { name: "node-labels", value: "nodelabel=node-wrk-1" },
    ]);
  });

  test("installs the Kubernetes packages and nothing for the journey, which captures from a pod of its own", () => {
    const { calls } = worker().run();
    expect(calls.find((c) => c.includes(" install "))).toMatch(/ cri-o kubelet kubeadm kubectl kubernetes-cni cri-tools$/);
  });

  test("cluster-info signed for another token does not count", () => {
    const node = worker();
    node.stubState("signed-token-id", "zzzzzz");
    const run = node.run({ JOIN_WAIT_SECONDS: "1" });
    expect(run.status).not.toBe(0);
    expect(run.calls.some((c) => c.startsWith("kubeadm join"))).toBe(false);
  });

  test("gives up after its bound, in time rather than in polls, with a message that says where to look", () => {
    const node = worker();
    node.stubState("cluster-info-unsigned", 1000);
    const started = Date.now();
    const run = node.run({ JOIN_WAIT_SECONDS: "2" });
    expect(run.status).not.toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.calls.filter((c) => c.includes("cluster-info")).length).toBeGreaterThan(3);
    expect(run.log).toContain(
      "the control plane at 10.168.0.2:6443 did not publish cluster-info signed for this token within 2s: read the control plane's bootstrap on its serial console",
    );
    expect(run.log).toMatch(/phase wait-for-control-plane: FAILED/);
  });

  test("a failed join is reset and tried again", () => {
    const node = worker();
    node.stubState("join-failures", 1);
    const run = node.run();
    expect(run.status).toBe(0);
    const joins = run.calls.filter((c) => /^kubeadm (join|reset)/.test(c));
    expect(joins).toEqual([
      `kubeadm join --config ${node.root}/etc/labyrinth/kubeadm.yaml`,
      "kubeadm reset --force --cri-socket unix:///var/run/crio/crio.sock",
      `kubeadm join --config ${node.root}/etc/labyrinth/kubeadm.yaml`,
    ]);
  });

  test("a second run after the join changes nothing", () => {
    const node = worker();
    expect(node.run().status).toBe(0);
    const second = node.run();
    expect(second.status).toBe(0);
    expect(second.calls.filter((c) => / install |^kubeadm join|cluster-info/.test(c))).toEqual([]);
    expect(second.log).toContain("already joined");
  });
});

test("the token never reaches the log or the console, though kubeadm prints it", () => {
  for (const node of [controlPlane(), worker()]) {
    const run = node.run();
    expect(run.status).toBe(0);
    expect(run.log + run.output).not.toContain(TOKEN.split(".")[1]);
  }
  expect(sandboxes[0].read("/var/log/labyrinth-kubeadm.log")).toContain(`--token ${TOKEN}`);
});

describe("a node that gave up tries again", () => {
  test("systemd restarts a failed bootstrap after a pause, with no limit on restarts", () => {
    for (const vm of [controlPlaneVm, workerVm]) {
      const unit = parseUnit(writtenFile(vm, "/etc/systemd/system/labyrinth-bootstrap.service"));
      expect(unit.Service).toMatchObject({ Type: ["oneshot"], Restart: ["on-failure"], ExecStart: ["/opt/labyrinth/bootstrap.sh"] });
      expect(ms(unit.Service.RestartSec[0] as ms.StringValue)).toBeGreaterThanOrEqual(30_000);
      // systemd's default gives up after 5 starts in 10 s; 0 turns the limit off.
      expect(unit.Unit.StartLimitIntervalSec).toEqual(["0"]);
    }
  });

  test("each try logs its number; status reads the latest try and the earlier failures of this boot only", () => {
    const node = worker();
    node.stubState("cluster-info-unsigned", 1000);
    const lastBoot = node.run({ JOIN_WAIT_SECONDS: "1" });
    node.reboot();
    const firstTry = node.run();
    node.stubState("cluster-info-unsigned", 0);
    const secondTry = node.run();
    expect([lastBoot.status, firstTry.status, secondTry.status]).toEqual([1, 1, 0]);
    expect(lastBoot.log).toContain("bootstrap of a worker node (lab labyrinth), attempt 1 of this boot");
    expect(firstTry.log).toContain("attempt 1 of this boot");
    expect(secondTry.log).toContain("attempt 2 of this boot");

    const failedTry = parseBootstrapLog([lastBoot.output, firstTry.output].join("\n"));
    expect(failedTry).toMatchObject({ attempt: 1, earlierFailures: [], complete: false });
    expect(failedTry.failure).toMatch(/^phase wait-for-control-plane: FAILED/);

    const serial = parseBootstrapLog([lastBoot.output, firstTry.output, secondTry.output].join("\n"));
    expect(serial).toMatchObject({ role: "worker", attempt: 2, complete: true, failure: undefined });
    expect(serial.earlierFailures).toEqual([failedTry.failure]);
    expect(serial.phases.map((p) => [p.name, p.state])).toEqual(
      ["prepare-host", "configure-apt", "install-packages", "pull-images", "wait-for-control-plane", "kubeadm-join"].map((n) => [n, "done"]),
    );
  });
});

describe("the join token stays valid, whatever the lab's ttl", () => {
  const hours = (ttl: string) => Number(/^(\d+)h0m0s$/.exec(ttl)?.[1]) * 3_600_000;

  test.each(["4h", "off", "3d"])("LABYRINTH_TTL=%s: a timer refreshes it at least twice within its ttl", (ttl) => {
    const vm = named(synthLab({ ttl }).infra, "google_compute_instance", "labyrinth-node-0");
    const tokenTtl = hours(kubeadmConfig(vm).InitConfiguration.bootstrapTokens[0].ttl);
    expect(tokenTtl).toBeGreaterThanOrEqual(24 * 3_600_000);
    const timer = parseUnit(writtenFile(vm, "/etc/systemd/system/labyrinth-token.timer"));
    // The first refresh (after the timer starts) and every next one (after the last).
    const periods = [...timer.Timer.OnActiveSec, ...timer.Timer.OnUnitActiveSec];
    expect(periods).toHaveLength(2);
    for (const period of periods) expect(2 * ms(period as ms.StringValue)).toBeLessThan(tokenTtl);
    expect(timer.Install.WantedBy).toEqual(["timers.target"]);
  });

  test("the control plane enables the timer once init is done; its service runs the bootstrap's own token phase, output kept root-only", () => {
    const node = controlPlane();
    const { calls } = node.run();
    const phase = `kubeadm init phase bootstrap-token --config ${node.root}/etc/labyrinth/kubeadm.yaml`;
    expect(indexOfCall(calls, /^kubeadm init --config/)).toBeLessThan(calls.indexOf("systemctl enable --now labyrinth-token.timer"));
    expect(calls.indexOf(phase)).toBeLessThan(calls.indexOf("systemctl enable --now labyrinth-token.timer"));
    const service = parseUnit(writtenFile(controlPlaneVm, "/etc/systemd/system/labyrinth-token.service"));
    // On the VM, the same command on the same rendered config (the sandbox's root is the VM's /).
    expect(service.Service.ExecStart).toEqual([`/usr/bin/${phase.replace(node.root, "")}`]);
    expect(service.Unit.ConditionPathExists).toEqual(["/etc/kubernetes/admin.conf"]);
    expect(service.Service).toMatchObject({
      UMask: ["0077"],
      StandardOutput: ["append:/var/log/labyrinth-kubeadm.log"],
      StandardError: ["append:/var/log/labyrinth-kubeadm.log"],
    });
  });

  test("workers never enable it", () => {
    expect(worker().run().calls.filter((c) => c.includes("labyrinth-token.timer"))).toEqual([]);
  });
});

describe("the metadata server", () => {
  test("every request of the bootstrap carries Metadata-Flavor: Google", () => {
    for (const node of [controlPlane(), worker()]) {
      const reads = node.run().calls.filter((c) => c.includes(METADATA_URL));
      expect(reads.length).toBeGreaterThanOrEqual(4);
      for (const read of reads) expect(read).toMatch(/ header=Metadata-Flavor: Google$/);
    }
  });

  test("its stand-in refuses a request without that header, as the real one does", () => {
    const node = controlPlane();
    const curl = (...headers: string[]) =>
      spawnSync(join(STAND_INS, "curl"), ["-fsS", ...headers.flatMap((h) => ["-H", h]), `${METADATA_URL}/instance/name`], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, LABYRINTH_METADATA_URL: METADATA_URL, STUB_DIR: node.stub, CALLS: join(node.stub, "calls") },
      });
    expect(curl("Metadata-Flavor: Google")).toMatchObject({ status: 0, stdout: "labyrinth-node-0" });
    expect(curl().status).toBe(22);
    expect(curl("Metadata-Flavor: google").status).toBe(22);
    expect(curl("X-Google-Metadata-Request: True").status).toBe(22);
  });
});

function spawnMode(path: string): string {
  return require("node:child_process").spawnSync("stat", ["-c", "%a", path], { encoding: "utf8" }).stdout.trim();
}
