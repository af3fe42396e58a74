import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunningCli, runCli } from "./support/cli";
import { ExecBackend, FakeCluster, fakeCluster, FakeClusterSpec, FakePod } from "./support/fake-cluster";
import { kubeconfigFor } from "./support/stand-in-api";
import { makeTestPki } from "./support/test-pki";

// Discovery and the capture pods' lifecycle against a stand-in API server; what the nodes answer
// is canned (the real thing runs in the box's end-to-end test).
const pki = makeTestPki();
const work = mkdtempSync(join(tmpdir(), "labyrinth-discovery-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const probe = (n: number, node: string, ip: string, extra: Partial<FakePod> = {}): FakePod => ({
  namespace: `wrk-${n}`,
  name: `node-wrk-${n}-ubuntu24-7c9f${n}`,
  labels: { app: `node-wrk-${n}-ubuntu24` },
  node,
  ip,
  container: `node-wrk-${n}-ubuntu24`,
  phase: "Running",
  ready: true,
  ...extra,
});

/** What each node's ip commands say: lo, the underlay (named ens4 here), cilium_vxlan and two lxcs. */
const nodeAnswers: Record<string, { ip: string; links: [number, string][] }> = {
  "labyrinth-node-1": { ip: "10.168.0.4", links: [[1, "lo"], [2, "ens4"], [5, "cilium_vxlan"], [9, "lxc7dc050ebabd6"], [11, "lxc1e0b7c2c5527"]] },
  "labyrinth-node-2": { ip: "10.168.0.5", links: [[1, "lo"], [2, "ens4"], [5, "cilium_vxlan"], [9, "lxc3afb1f126f2c"], [11, "lxc3fe8b5095c99"]] },
};
/** Each probe's process on its node, as the capture pod finds it by the pod's address; its eth0's peer. */
const probePids: Record<string, { pid: string; iflink: number }> = { "10.10.1.15": { pid: "4242", iflink: 11 }, "10.10.2.215": { pid: "5151", iflink: 9 } };

const cannedExec: ExecBackend = async ({ pod, argv }, out) => {
  const command = argv.join(" ");
  if (command === "mktemp -d /tmp/labyrinth-journey.XXXXXX") return out(Buffer.from("/tmp/labyrinth-journey.Ab12Cd\n")), 0;
  // The capture pod finds a probe's process by its address, then enters its network with nsenter.
  if (argv[0] === "sh" && argv[3] === "find-pod-pid") return probePids[argv[4]] ? (out(Buffer.from(`${probePids[argv[4]].pid}\n`)), 0) : 1;
  const [unshare, , , , script, , pid, ...inner] = argv;
  if (unshare === "unshare" && script.includes("exec nsenter -t \"$pid\" -n") && inner.join(" ") === "ip -j link show dev eth0") {
    const probe = Object.values(probePids).find((p) => p.pid === pid);
    return probe ? (out(Buffer.from(JSON.stringify([{ ifindex: 2, link_index: probe.iflink, ifname: "eth0" }]))), 0) : 1;
  }
  const node = nodeAnswers[pod.node];
  if (command === "ip -d -j link show") return out(Buffer.from(JSON.stringify(node.links.map(([ifindex, ifname]) => ({ ifindex, ifname }))))), 0;
  if (command === "ip -j -4 address show") {
    return out(Buffer.from(JSON.stringify(node.links.map(([, ifname]) => ({ ifname, addr_info: ifname === "ens4" ? [{ local: node.ip }] : [] }))))), 0;
  }
  return 127;
};

function spec(change: Partial<FakeClusterSpec> = {}): FakeClusterSpec {
  return {
    pods: [
      probe(1, "labyrinth-node-1", "10.10.1.15"),
      probe(2, "labyrinth-node-2", "10.10.2.215"),
      { namespace: "kube-system", name: "coredns-674b8bbfcf-2xq7z", labels: { "k8s-app": "kube-dns" }, node: "labyrinth-node-0", ip: "10.10.0.7", container: "coredns", phase: "Running", ready: true },
      { namespace: "kube-system", name: "coredns-674b8bbfcf-9kd2p", labels: { "k8s-app": "kube-dns" }, node: "labyrinth-node-0", ip: "10.10.0.8", container: "coredns", phase: "Running", ready: true },
    ],
    services: [
      { namespace: "wrk-2", name: "node-wrk-2-ubuntu24", clusterIP: "10.105.134.33", ports: [{ name: "tcp-9999", port: 9999, targetPort: 9999, protocol: "TCP" }, { name: "udp-9999", port: 9999, targetPort: 9999, protocol: "UDP" }] },
      { namespace: "kube-system", name: "kube-dns", clusterIP: "10.96.0.10", ports: [{ name: "dns", port: 53, targetPort: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" }] },
    ],
    nodes: [
      { name: "labyrinth-node-0", internalIP: "10.168.0.2" },
      { name: "labyrinth-node-1", internalIP: "10.168.0.4" },
      { name: "labyrinth-node-2", internalIP: "10.168.0.5" },
    ],
    exec: cannedExec,
    ...change,
  };
}

function journey(args: string[], onSpawn?: (cli: RunningCli) => void) {
  return runCli(["journey", ...args], { cwd: work, env: { PATH: process.env.PATH, HOME: work } }, onSpawn);
}

async function withCluster(change: Partial<FakeClusterSpec>, body: (kubeconfig: string, cluster: FakeCluster) => Promise<void>) {
  const cluster = await fakeCluster(spec(change), pki);
  const file = join(work, `kubeconfig-${cluster.url.split(":").pop()}`);
  writeFileSync(file, kubeconfigFor(cluster.url, pki));
  try {
    await body(file, cluster);
  } finally {
    await cluster.close();
  }
}

/** One capture pod per traced node was made, and exactly those were deleted: by name, not by count. */
function expectCapturePodsGone(cluster: FakeCluster) {
  expect(cluster.created.map((p) => p.node).sort()).toEqual(["labyrinth-node-1", "labyrinth-node-2"]);
  expect(cluster.deleted.sort()).toEqual(cluster.created.map((p) => `kube-system/${p.name}`).sort());
}

describe("discovery → the capture plan", () => {
  test("addresses, nodes and interfaces all come from the cluster", async () => {
    await withCluster({}, async (kubeconfig, cluster) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const plan = JSON.parse(run.stdout);
      expect(plan.client).toEqual({ pod: "wrk-1/node-wrk-1-ubuntu24-7c9f1", address: "10.10.1.15", node: "labyrinth-node-1" });
      expect(plan.server).toEqual({ pod: "wrk-2/node-wrk-2-ubuntu24-7c9f2", address: "10.10.2.215", node: "labyrinth-node-2" });
      expect(plan.target).toEqual({ name: "node-wrk-2-ubuntu24.wrk-2", service: { address: "10.105.134.33", port: 9999 } });
      expect(plan.dnsService).toEqual({ address: "10.96.0.10", port: 53 });
      // Each probe's lxc by its eth0's iflink, not by name; the underlay by the node's InternalIP.
      expect(plan.points.map((p: any) => [p.hop, p.node, p.interface])).toEqual([
        [1, "labyrinth-node-1", "lxc1e0b7c2c5527"],
        [2, "labyrinth-node-1", "cilium_vxlan"],
        [3, "labyrinth-node-1", "ens4"],
        [4, "labyrinth-node-2", "ens4"],
        [5, "labyrinth-node-2", "cilium_vxlan"],
        [6, "labyrinth-node-2", "lxc3afb1f126f2c"],
      ]);
      expect(plan.points[0].filter).toBe("host 10.10.1.15 and (port 53 or port 9999 or icmp)");
      // CoreDNS on the control plane: the DNS query is followed as far as the client node's ens4.
      expect(plan.exchanges.map((e: any) => [e.label, e.hops])).toEqual([
        ["DNS", [1, 2, 3]],
        ["TCP", [1, 2, 3, 4, 5, 6]],
        ["UDP", [1, 2, 3, 4, 5, 6]],
      ]);
      expect(plan.notes).toContain("cluster DNS runs on labyrinth-node-0 (10.168.0.2), which is not traced: the DNS query is followed to the client node's ens4 only");
      expect(plan.notes).toContain("Cilium's VNI carries the source's security identity, so it differs by direction");
      // The probes were entered from the capture pods, found by their addresses: not exec'd into.
      expect(cluster.execs.filter((e) => e.argv[3] === "find-pod-pid").map((e) => [e.pod.node, e.argv[4]])).toEqual([
        ["labyrinth-node-1", "10.10.1.15"],
        ["labyrinth-node-2", "10.10.2.215"],
      ]);
      expect(cluster.execs.every((e) => e.pod.namespace === "kube-system")).toBe(true);
      // The capture pods came and went.
      expectCapturePodsGone(cluster);
      // Every exec spoke the protocol a real API server picks for client-node: v5 first.
      expect(new Set(cluster.execs.map((e) => e.protocol))).toEqual(new Set(["v5.channel.k8s.io"]));
    });
  });

  test("an earlier run's capture pod that ended is swept; another run's that still captures is left alone", async () => {
    const capturePod = (run: string, phase: string): FakePod => ({
      namespace: "kube-system",
      name: `labyrinth-capture-${run}-labyrinth-node-1`,
      labels: { "app.kubernetes.io/name": "labyrinth-capture", "labyrinth/run": run },
      node: "labyrinth-node-1",
      container: "capture",
      phase,
      ready: phase === "Running",
    });
    const pods = [...spec().pods, capturePod("ended", "Succeeded"), capturePod("busy", "Running")];
    await withCluster({ pods }, async (kubeconfig, cluster) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
      expect(run.code).toBe(0);
      const ours = cluster.created.map((p) => `kube-system/${p.name}`);
      expect(ours).toHaveLength(2);
      expect(cluster.deleted.sort()).toEqual(["kube-system/labyrinth-capture-ended-labyrinth-node-1", ...ours].sort());
    });
  });
});

// Where CoreDNS lands is a race (the article's ran on node-2): the DNS query is followed as far as
// the placement found lets the journey be sure of.
test.each([
  ["the article's: both on node-2, which is traced", "labyrinth-node-2", [1, 2, 3, 4, 5], "cluster DNS runs on labyrinth-node-2, which is traced"],
  ["both on the client's node: the query never leaves it", "labyrinth-node-1", [1], "cluster DNS runs on labyrinth-node-1, which is traced"],
])("cluster DNS placed %s", async (_case, node, hops, note) => {
  const pods = spec().pods.map((p) => (p.labels["k8s-app"] === "kube-dns" ? { ...p, node } : p));
  await withCluster({ pods }, async (kubeconfig) => {
    const plan = JSON.parse((await journey(["--plan", "--kubeconfig", kubeconfig])).stdout);
    expect(plan.exchanges[0]).toMatchObject({ label: "DNS", hops });
    expect(plan.notes).toContain(note);
  });
});

test("cluster DNS on two nodes: the DNS exchange is expected at the client's lxc only", async () => {
  const pods = spec().pods.map((p) => (p.name === "coredns-674b8bbfcf-9kd2p" ? { ...p, node: "labyrinth-node-2", ip: "10.10.2.9" } : p));
  await withCluster({ pods }, async (kubeconfig) => {
    const plan = JSON.parse((await journey(["--plan", "--kubeconfig", kubeconfig])).stdout);
    expect(plan.exchanges[0]).toMatchObject({ label: "DNS", hops: [1] });
    expect(plan.notes).toContain("cluster DNS runs on labyrinth-node-0 and labyrinth-node-2: the query may go to either, so the DNS exchange is followed at the client pod's lxc only");
  });
});

describe("one clear line for each thing that can be missing", () => {
  test("no lab deployed here, and no kubeconfig given", async () => {
    const run = await journey([]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `labyrinth: no lab is deployed from ${work}: npm run deploy builds one (run the lab's commands where you deployed it); or pass --kubeconfig FILE, or use --local for the box`,
    );
  });

  test("the cluster does not answer", async () => {
    const cluster = await fakeCluster(spec(), pki);
    await cluster.close();
    const file = join(work, "kubeconfig-closed");
    writeFileSync(file, kubeconfigFor(cluster.url, pki));
    const run = await journey(["--plan", "--kubeconfig", file]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`labyrinth: the cluster at ${cluster.url} does not answer: is the lab up? (npm run status)`);
  });

  test("a probe pod that is not Ready", async () => {
    const pending = probe(2, "", "", { phase: "Pending", ready: false, unschedulable: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." });
    await withCluster({ pods: [probe(1, "labyrinth-node-1", "10.10.1.15"), pending] }, async (kubeconfig, cluster) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        "labyrinth: the probe pod wrk-2/node-wrk-2-ubuntu24-7c9f2 is not Ready (0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.): kubectl -n wrk-2 describe pod -l app=node-wrk-2-ubuntu24",
      );
      expect(cluster.created).toHaveLength(0);
    });
  });

  test("a node without the tunnel device", async () => {
    const saved = nodeAnswers["labyrinth-node-2"].links;
    nodeAnswers["labyrinth-node-2"].links = saved.filter(([, name]) => name !== "cilium_vxlan");
    try {
      await withCluster({}, async (kubeconfig, cluster) => {
        const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
        expect(run.code).toBe(1);
        expect(run.stderr.trim()).toBe("labyrinth: labyrinth-node-2 has no cilium_vxlan: the journey captures there (is this node running Cilium in VXLAN mode?)");
        expectCapturePodsGone(cluster);
      });
    } finally {
      nodeAnswers["labyrinth-node-2"].links = saved;
    }
  });

  test("capture pods not allowed", async () => {
    await withCluster({ createStatus: 403 }, async (kubeconfig) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        "labyrinth: not allowed to create the privileged capture pod in kube-system on labyrinth-node-1: the journey needs the lab's admin kubeconfig (or RBAC to create privileged pods)",
      );
    });
  });

  test("the capture image cannot be pulled; the pods are still deleted", async () => {
    const newPod = () => ({ phase: "Pending", ready: false, waitingReason: "ImagePullBackOff" });
    await withCluster({ newPod }, async (kubeconfig, cluster) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig, "--capture-image", "docker.io/example/missing:1.0"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cannot pull docker\.io\/example\/missing:1\.0 \(ImagePullBackOff\): check the image, or the node's access to its registry/);
      expectCapturePodsGone(cluster);
    });
  });

  test("tshark (dumpcap) missing in the capture image", async () => {
    const noDumpcap: ExecBackend = async (request, out, err) => {
      if (request.argv.includes("dumpcap")) return err(Buffer.from("sh: exec: line 0: dumpcap: not found\n")), 127;
      return cannedExec(request, out, err);
    };
    await withCluster({ exec: noDumpcap }, async (kubeconfig, cluster) => {
      const run = await journey(["--kubeconfig", kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the capture on labyrinth-node-\d did not start \(it needs dumpcap, from tshark's package\): sh: exec: line 0: dumpcap: not found/);
      expectCapturePodsGone(cluster);
    });
  });
});

describe("an exec that did not say it succeeded failed", () => {
  test("a stream that closes without its status frame is a failure, not an empty success", async () => {
    const execEnds = ({ pod, argv }: { pod: FakePod; argv: string[] }) => (pod.node === "labyrinth-node-2" && argv.join(" ") === "ip -d -j link show" ? "no-status" : undefined);
    await withCluster({ execEnds }, async (kubeconfig, cluster) => {
      const run = await journey(["--plan", "--kubeconfig", kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(
        /^labyrinth: listing labyrinth-node-2's interfaces failed \(exit -1\): the exec in kube-system\/labyrinth-capture-\w+-labyrinth-node-2 ended without an exit status \(WebSocket closed, code 1006\): the pod or the connection went away$/,
      );
      expectCapturePodsGone(cluster);
    });
  });

  test("a capture whose WebSocket never opens: one line, and the capture pods are still deleted", async () => {
    await withCluster({ refuseExec: (argv) => (argv.includes("dumpcap") ? 500 : undefined) }, async (kubeconfig, cluster) => {
      const run = await journey(["--kubeconfig", kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(/^labyrinth: the capture on labyrinth-node-\d did not start: the exec in kube-system\/labyrinth-capture-\S+ could not start: Unexpected server response: 500$/);
      expectCapturePodsGone(cluster);
    });
  });
});

test("Ctrl-C while the capture pods start: they are deleted, and the journey exits 130", async () => {
  const newPod = () => ({ phase: "Pending", ready: false, waitingReason: "ContainerCreating" });
  await withCluster({ newPod }, async (kubeconfig, cluster) => {
    let cli!: RunningCli;
    const running = journey(["--plan", "--kubeconfig", kubeconfig], (c) => (cli = c));
    // Interrupted as soon as the second pod exists, while both are still starting.
    await cluster.createdAtLeast(2);
    cli.kill("SIGINT");
    const run = await running;
    expect(run.code).toBe(130);
    expectCapturePodsGone(cluster);
  });
});
