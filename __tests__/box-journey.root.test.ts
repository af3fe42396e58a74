import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boxNamespaces } from "../box/teardown";
import { BoxNode, boxTopology, BoxTopology, nodeOf, podByRole } from "../box/topology";
import { resolveLab } from "../model/lab";
import { DEFAULT_SETTINGS, settingsFromEnv } from "../model/settings";
import { labyrinth, leftOfTheBox, ROOT, useTheBox } from "./support/box";
import { CLI, runCli } from "./support/cli";
import { FakeCluster, fakeCluster, FakePod, realExec } from "./support/fake-cluster";
import { kubeconfigFor } from "./support/stand-in-api";
import { makeTestPki } from "./support/test-pki";

// The journey in the box, end to end on real packets, on the happy path.
useTheBox();

/** Each hop as `node interface: src → dst [outer src → dst]`, there and back: every address at every point. */
const route = (hops: any[]) =>
  hops.map((h) => `${h.hop} ${h.node} ${/^lxc/.test(h.interface) ? "lxc" : h.interface}: ${h.packet.src}:${h.packet.srcPort} → ${h.packet.dst}:${h.packet.dstPort}${h.packet.outer ? ` [${h.packet.outer.src} → ${h.packet.outer.dst} udp/${h.packet.outer.dstPort} vni ${h.packet.outer.vni}]` : ""}`);

/**
 * The route the box's model says an exchange takes, in route()'s words: the Service's address at
 * the client's lxc, its backend's from cilium_vxlan on, VXLAN between the nodes on ens4, and the
 * reverse on the way back. DNS's backend is not captured at its lxc: five hops.
 */
function expectedRoute(topology: BoxTopology, exchange: any): { hops: string[]; reply: string[] } {
  const client = podByRole(topology, "client");
  const backend = podByRole(topology, exchange.label === "DNS" ? "dns" : "server");
  const service = topology.services.find((s) => s.backend === backend.name)!;
  const { port, targetPort } = service.ports.find((p) => p.protocol === exchange.protocol)!;
  const [near, far] = [nodeOf(topology, client), nodeOf(topology, backend)];
  const c = `${client.address}:${exchange.hops[0].packet.srcPort}`;
  const [front, pod] = [`${service.address}:${port}`, `${backend.address}:${targetPort}`];
  const vxlan = (from: BoxNode, to: BoxNode) => ` [${from.address} → ${to.address} udp/${topology.vxlan.port} vni ${topology.vxlan.vni}]`;
  const points: [number, BoxNode, string, string?][] = [[1, near, "lxc", front], [2, near, "cilium_vxlan"], [3, near, "ens4"], [4, far, "ens4"], [5, far, "cilium_vxlan"], [6, far, "lxc"]];
  const path = exchange.label === "DNS" ? points.slice(0, 5) : points;
  const wrapped = (hop: number, there: boolean) => (hop === 3 || hop === 4 ? (there ? vxlan(near, far) : vxlan(far, near)) : "");
  return {
    hops: path.map(([hop, node, iface, to]) => `${hop} ${node.name} ${iface}: ${c} → ${to ?? pod}${wrapped(hop, true)}`),
    reply: [...path].reverse().map(([hop, node, iface, from]) => `${hop} ${node.name} ${iface}: ${from ?? pod} → ${c}${wrapped(hop, false)}`),
  };
}

/** Each exchange of a run as captured and as the model says: its label, its route there and back. */
const captured = (result: any) => result.exchanges.map((e: any) => ({ label: e.label, hops: route(e.hops), reply: route(e.reply) }));
const expected = (result: any, topology: BoxTopology) => result.exchanges.map((e: any) => ({ label: e.label, ...expectedRoute(topology, e) }));


describe("journey --local with the eBPF datapath", () => {
  const pcapDir = mkdtempSync(join(tmpdir(), "labyrinth-pcaps-"));
  let result: any;
  afterAll(() => rmSync(pcapDir, { recursive: true, force: true }));

  test("runs, and says the journey went through", () => {
    const run = labyrinth(["journey", "--local", "--json", "--pcap-dir", pcapDir]);
    expect(run.stderr).toBe("");
    result = JSON.parse(run.stdout);
    expect(result.problems).toEqual([]);
    expect(run.status).toBe(0);
    expect(result.ok).toBe(true);
  });

  const client = (exchange: any) => `10.10.1.15:${exchange.hops[0].packet.srcPort}`;

  test("DNS: the client asks 10.96.0.10, the tunnel carries it to the DNS pod itself, and the answer comes back from 10.96.0.10", () => {
    const dns = result.exchanges.find((e: any) => e.label === "DNS");
    const c = client(dns);
    expect(route(dns.hops)).toEqual([
      `1 node-1 lxc: ${c} → 10.96.0.10:53`,
      `2 node-1 cilium_vxlan: ${c} → 10.10.2.17:53`,
      `3 node-1 ens4: ${c} → 10.10.2.17:53 [10.168.0.4 → 10.168.0.5 udp/8472 vni 2]`,
      `4 node-2 ens4: ${c} → 10.10.2.17:53 [10.168.0.4 → 10.168.0.5 udp/8472 vni 2]`,
      `5 node-2 cilium_vxlan: ${c} → 10.10.2.17:53`,
    ]);
    expect(route(dns.reply)).toEqual([
      `5 node-2 cilium_vxlan: 10.10.2.17:53 → ${c}`,
      `4 node-2 ens4: 10.10.2.17:53 → ${c} [10.168.0.5 → 10.168.0.4 udp/8472 vni 2]`,
      `3 node-1 ens4: 10.10.2.17:53 → ${c} [10.168.0.5 → 10.168.0.4 udp/8472 vni 2]`,
      `2 node-1 cilium_vxlan: 10.10.2.17:53 → ${c}`,
      `1 node-1 lxc: 10.96.0.10:53 → ${c}`,
    ]);
    expect(dns.hops[0].interface).toMatch(/^lxc[0-9a-f]{12}$/);
    expect(dns.dns).toContainEqual({ name: "node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local", type: "A", answer: "NXDOMAIN", server: "10.96.0.10" });
    expect(dns.dns).toContainEqual({ name: "node-wrk-2-ubuntu24.wrk-2.svc.cluster.local", type: "A", answer: "10.105.134.33", server: "10.96.0.10" });
    expect(result.trigger.resolved).toBe("10.105.134.33");
  });

  test.each(["TCP", "UDP"])("%s: the ClusterIP at the client's lxc, the pod address from cilium_vxlan on, VXLAN on ens4; the reverse on the way back", (label) => {
    const exchange = result.exchanges.find((e: any) => e.label === label);
    const c = client(exchange);
    expect(exchange.hops.every((h: any) => h.packet.protocol === label.toLowerCase())).toBe(true);
    expect(route(exchange.hops)).toEqual([
      `1 node-1 lxc: ${c} → 10.105.134.33:9999`,
      `2 node-1 cilium_vxlan: ${c} → 10.10.2.215:9999`,
      `3 node-1 ens4: ${c} → 10.10.2.215:9999 [10.168.0.4 → 10.168.0.5 udp/8472 vni 2]`,
      `4 node-2 ens4: ${c} → 10.10.2.215:9999 [10.168.0.4 → 10.168.0.5 udp/8472 vni 2]`,
      `5 node-2 cilium_vxlan: ${c} → 10.10.2.215:9999`,
      `6 node-2 lxc: ${c} → 10.10.2.215:9999`,
    ]);
    expect(route(exchange.reply)).toEqual([
      `6 node-2 lxc: 10.10.2.215:9999 → ${c}`,
      `5 node-2 cilium_vxlan: 10.10.2.215:9999 → ${c}`,
      `4 node-2 ens4: 10.10.2.215:9999 → ${c} [10.168.0.5 → 10.168.0.4 udp/8472 vni 2]`,
      `3 node-1 ens4: 10.10.2.215:9999 → ${c} [10.168.0.5 → 10.168.0.4 udp/8472 vni 2]`,
      `2 node-1 cilium_vxlan: 10.10.2.215:9999 → ${c}`,
      `1 node-1 lxc: 10.105.134.33:9999 → ${c}`,
    ]);
    // The two lxc are two different interfaces: the client's and the server's.
    expect(exchange.hops[0].interface).not.toBe(exchange.hops[5].interface);
  });

  test("the payload went over TCP and UDP and came back", () => {
    expect(result.trigger.deliveries.map((d: any) => [d.protocol, d.ok, d.received === d.sent])).toEqual([
      ["tcp", true, true],
      ["udp", true, true],
    ]);
  });

  test("the proof: programs on the client's lxc, kube-proxy's nat rules at zero", () => {
    const lxc = result.exchanges[0].hops[0].interface;
    expect(result.proof.programs).toEqual([
      { interface: lxc, hook: "ingress", name: "from_pod" },
      { interface: lxc, hook: "egress", name: "to_pod" },
    ]);
    expect(result.proof.natRules.length).toBe(2);
    expect(result.proof.natRules.every((r: any) => r.packets === 0 && r.chain === "KUBE-SERVICES")).toBe(true);
    expect(result.proof.verdict).toBe("ebpf");
  });

  test("--pcap-dir keeps one capture per node and one inside each probe pod, readable by tshark", () => {
    expect(result.pcaps.map((p: string) => p.replace(pcapDir, "DIR"))).toEqual([
      "DIR/journey-node-1.pcapng",
      "DIR/journey-node-2.pcapng",
      "DIR/journey-node-1-node-wrk-1-ubuntu24.pcapng",
      "DIR/journey-node-2-node-wrk-2-ubuntu24.pcapng",
    ]);
    // Inside the server pod, on its own eth0: the flow as the pod itself receives it.
    expect(spawnSync("tshark", ["-r", result.pcaps[3], "-T", "fields", "-e", "ip.dst"], { encoding: "utf8" }).stdout).toContain("10.10.2.215");
    const listed = spawnSync("tshark", ["-r", result.pcaps[0], "-d", "udp.port==8472,vxlan"], { encoding: "utf8" }).stdout;
    expect(listed).toContain("10.105.134.33");
  });

  test("leaves nothing behind", () => expect(leftOfTheBox()).toEqual([]));
});

describe("journey --local --datapath iptables", () => {
  test("the same hops; now kube-proxy's nat rules count and no program is attached", () => {
    const run = labyrinth(["journey", "--local", "--json", "--datapath", "iptables", "--protocol", "tcp"]);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.exchanges.map((e: any) => e.label)).toEqual(["DNS", "TCP"]);
    expect(captured(result)).toEqual(expected(result, boxTopology(resolveLab(DEFAULT_SETTINGS))));
    expect(result.proof.programs).toEqual([]);
    expect(result.proof.natRules.reduce((sum: number, r: any) => sum + r.packets, 0)).toBeGreaterThan(0);
    expect(result.proof.verdict).toBe("iptables");
    expect(leftOfTheBox()).toEqual([]);
  });
});

describe("journey --local with the lab's own ranges", () => {
  test("node addresses, pod addresses and the Service come from LABYRINTH_SUBNET_CIDR, _POD_CIDR and _SERVICE_CIDR, at every hop", () => {
    const ranges = { LABYRINTH_SUBNET_CIDR: "192.168.50.0/24", LABYRINTH_POD_CIDR: "10.44.0.0/16", LABYRINTH_SERVICE_CIDR: "10.112.0.0/16" };
    const run = labyrinth(["journey", "--local", "--json"], ranges);
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    expect(result.exchanges.map((e: any) => e.label)).toEqual(["DNS", "TCP", "UDP"]);
    expect(captured(result)).toEqual(expected(result, boxTopology(resolveLab(settingsFromEnv(ranges)))));
    expect(result.plan.target.service.address).toBe("10.112.134.33");
    expect(result.plan.dnsService.address).toBe("10.112.0.10");
    expect([result.plan.client.address, result.plan.server.address]).toEqual(["10.44.1.15", "10.44.2.215"]);
    expect(result.plan.nodes.map((n: any) => [n.name, n.address])).toEqual([
      ["node-1", "192.168.50.4"],
      ["node-2", "192.168.50.5"],
    ]);
    expect(leftOfTheBox()).toEqual([]);
  });

  test("a box up with other ranges is not used for these: box down first", () => {
    expect(labyrinth(["box", "up"]).status).toBe(0);
    const run = labyrinth(["journey", "--local"], { LABYRINTH_POD_CIDR: "10.44.0.0/16" });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("labyrinth: the box that is up was built for other addresses (pods 10.10.1.0/24, 10.10.2.0/24): npx labyrinth box down first, or use the settings it was built with");
    labyrinth(["box", "down"]);
    expect(leftOfTheBox()).toEqual([]);
  });
});

describe("the text a learner reads", () => {
  test("the hop table and the summary in the article's terms", () => {
    const run = labyrinth(["journey", "--local", "--protocol", "udp"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^UDP from wrk-1\/node-wrk-1-ubuntu24 to 10\.105\.134\.33:9999$/m);
    expect(run.stdout).toMatch(/^ {2}2 +node-1 +cilium_vxlan +10\.10\.1\.15:\d+ → 10\.10\.2\.215:9999 UDP/m);
    expect(run.stdout).toContain("the eBPF program on lxc");
    expect(run.stdout).toContain("inside VXLAN (UDP 8472, VNI 2)");
    expect(run.stdout).toContain("NXDOMAIN");
  });
});

describe("box up, status, down", () => {
  afterAll(() => labyrinth(["box", "down"]));

  test("up prints how to explore it; a second up says what it found; status; down removes it all", () => {
    const up = labyrinth(["box", "up"]);
    expect(up.status).toBe(0);
    expect(up.stdout).toContain("ip netns exec labyrinth-node-1 bash");
    expect(up.stdout).toContain("tshark -i cilium_vxlan");
    const again = labyrinth(["box", "up"]);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe("labyrinth: a box is already up (datapath ebpf): npx labyrinth box down first, or use it as it is");
    const status = labyrinth(["box", "status"]);
    expect(status.stdout).toMatch(/^box up, datapath ebpf$/m);
    expect(status.stdout).toMatch(/from_pod/);
    expect(status.stdout).toMatch(/^packets rewritten so far: \d+ to a backend pod, \d+ back to the service address$/m);
    // Another datapath than the box that is up has is refused, with the fix.
    const other = labyrinth(["journey", "--local", "--datapath", "iptables"]);
    expect(other.status).toBe(1);
    expect(other.stderr.trim()).toBe("labyrinth: the box that is up has the ebpf datapath: npx labyrinth box down first, or leave out --datapath");
    // A journey on a box that is up uses it, leaves it up, and says so.
    const journey = labyrinth(["journey", "--local", "--json", "--protocol", "tcp"]);
    expect(JSON.parse(journey.stdout).ok).toBe(true);
    expect(journey.stderr.trim()).toBe("labyrinth: traced in the box that was up, and left it up (npx labyrinth box down removes it)");
    expect(boxNamespaces("labyrinth")).toHaveLength(5);
    const down = labyrinth(["box", "down"]);
    // The box's own processes first (its DNS server, the probe's echo), then its namespaces.
    expect(down.stdout).toMatch(/^removed: process \d+ \(dnsmasq --keep-in-foreground\), .*process \d+ \(sh \S+probe-listener\.sh\).*, namespace labyrinth-/);
    expect(leftOfTheBox()).toEqual([]);
    expect(labyrinth(["box", "down"]).stdout.trim()).toBe("no box to remove");
  });

  test("the remains of a crash are named, with the command that removes them", () => {
    spawnSync("ip", ["netns", "add", "labyrinth-node-1"]);
    const journey = labyrinth(["journey", "--local"]);
    expect(journey.status).toBe(1);
    expect(journey.stderr.trim()).toBe(
      "labyrinth: a box was left half-built by an earlier run (namespaces labyrinth-node-1): npx labyrinth box down removes it",
    );
    labyrinth(["box", "down"]);
    expect(leftOfTheBox()).toEqual([]);
  });
});

describe("errors, one line each", () => {
  test.each([[["journey", "--local"]], [["box", "up"]], [["box", "down"]], [["box", "break", "dns-down"]], [["box", "fix"]]])("not root: %j says so, and touches nothing", (args) => {
    const run = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, ...args], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("labyrinth: the box needs root (network namespaces, tc, eBPF): run it as root, with sudo if you are not (sudo npx labyrinth journey --local)");
  });

  test("a missing tool, with the apt-get line", () => {
    const run = spawnSync(process.execPath, [CLI, "journey", "--local"], { cwd: ROOT, encoding: "utf8", env: { PATH: "/nonexistent" } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^labyrinth: missing tools: apt-get install -y .*dnsmasq-base.*iproute2.*tshark/m);
  });

  test("a bad option", () => {
    const run = labyrinth(["journey", "--local", "--protocol", "sctp"]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      "labyrinth: option '--protocol <protocol>' argument 'sctp' is invalid. Allowed choices are tcp, udp, both. (npx labyrinth journey --help lists the options)",
    );
  });
});

describe("the lab's code path, against a stand-in API server backed by the box", () => {
  // Discovery, capture pods and exec over WebSocket as on the deployed lab; each exec runs for
  // real in the box: a capture pod on node-N in its node's namespace, a probe in its pod's.
  const pki = makeTestPki();
  const work = mkdtempSync(join(tmpdir(), "labyrinth-lab-e2e-"));
  let cluster: FakeCluster;
  const topology = boxTopology(resolveLab(DEFAULT_SETTINGS));
  // The capture pods' scratch folders: in a real pod they go with it; here the "pod" is the host.
  const scratchDirs = () => readdirSync("/tmp").filter((name) => name.startsWith("labyrinth-journey."));
  let scratchBefore: string[] = [];

  // What a pod always has and the box's client pod lacks: a process in its network namespace
  // (the pause container's, on a node), by which the capture pod finds the pod.
  let pause: ChildProcess[] = [];

  beforeAll(async () => {
    scratchBefore = scratchDirs();
    expect(labyrinth(["box", "up"]).status).toBe(0);
    pause = topology.pods.map((p) => spawn("ip", ["netns", "exec", p.netns, "sleep", "infinity"], { stdio: "ignore" }));
    const pod = (p: (typeof topology.pods)[number], suffix: string): FakePod => ({
      namespace: p.namespace,
      name: `${p.name}-${suffix}`,
      labels: p.role === "dns" ? { "k8s-app": "kube-dns" } : { app: p.name },
      node: p.node,
      ip: p.address,
      container: p.name,
      phase: "Running",
      ready: true,
    });
    const agents: FakePod[] = topology.nodes.map((n) => ({ namespace: "kube-system", name: `cilium-${n.name}`, labels: { "k8s-app": "cilium" }, node: n.name, container: "cilium-agent", phase: "Running", ready: true }));
    cluster = await fakeCluster(
      {
        pods: [...topology.pods.map((p, i) => pod(p, `5d8f${i}`)), ...agents],
        services: topology.services.map((s) => ({
          namespace: s.namespace,
          name: s.name,
          clusterIP: s.address,
          ports: s.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol.toUpperCase() })),
        })),
        nodes: topology.nodes.map((n) => ({ name: n.name, internalIP: n.address })),
        exec: realExec(({ pod }) => {
          const boxPod = topology.pods.find((p) => pod.name.startsWith(p.name) && pod.namespace === p.namespace);
          return boxPod ? boxPod.netns : topology.nodes.find((n) => n.name === pod.node)!.netns;
        }),
      },
      pki,
    );
    writeFileSync(join(work, "kubeconfig"), kubeconfigFor(cluster.url, pki));
  });
  afterAll(async () => {
    await cluster.close();
    for (const p of pause) p.kill();
    labyrinth(["box", "down"]);
    rmSync(work, { recursive: true, force: true });
    for (const name of scratchDirs()) if (!scratchBefore.includes(name)) rmSync(join("/tmp", name), { recursive: true, force: true });
  });

  test("journey (no --local): the same six hops, through capture pods that are deleted afterwards; --html draws them", async () => {
    const page = join(work, "journey.html");
    const run = await runCli(["journey", "--json", "--kubeconfig", join(work, "kubeconfig"), "--html", page], { cwd: ROOT });
    expect(run.stderr).toBe(`labyrinth: the journey is drawn in ${page}: open it in any browser\n`);
    expect(readFileSync(page, "utf8")).toContain("<h1>The packet&apos;s journey on the lab</h1>");
    const result = JSON.parse(run.stdout);
    expect(result.problems).toEqual([]);
    expect(result.where).toBe("lab");
    const tcp = result.exchanges.find((e: any) => e.label === "TCP");
    expect(tcp.hops.map((h: any) => [h.node, h.interface, h.seen])).toEqual([
      ["node-1", expect.stringMatching(/^lxc/), true],
      ["node-1", "cilium_vxlan", true],
      ["node-1", "ens4", true],
      ["node-2", "ens4", true],
      ["node-2", "cilium_vxlan", true],
      ["node-2", expect.stringMatching(/^lxc/), true],
    ]);
    expect(tcp.hops[0].packet.dst).toBe("10.105.134.33");
    expect(tcp.hops[1].packet.dst).toBe("10.10.2.215");
    // Capture pods: one per node, pinned, privileged, on the host's network and PIDs; all deleted.
    expect(cluster.created.map((p) => p.node).sort()).toEqual(["node-1", "node-2"]);
    for (const pod of cluster.created as any[]) {
      expect(pod.manifest.spec).toMatchObject({ hostNetwork: true, hostPID: true, nodeName: pod.node });
      expect(pod.manifest.spec.containers[0]).toMatchObject({ image: "docker.io/nicolaka/netshoot:v0.16", securityContext: { privileged: true } });
    }
    expect(cluster.deleted.sort()).toEqual(cluster.created.map((p) => `kube-system/${p.name}`).sort());
    // The proofs: bpftool in the node's Cilium agent, the host's iptables through nsenter.
    expect(cluster.execs.some((e) => e.pod.name === "cilium-node-1" && e.container === "cilium-agent" && e.argv.join(" ") === "bpftool -j net")).toBe(true);
    expect(cluster.execs.some((e) => e.argv.join(" ") === "nsenter -t 1 -m -n iptables-save -c -t nat")).toBe(true);
    // What each node says of itself (firewall drops, forwarding, links), read in the host's own namespaces too, on both nodes.
    for (const read of ["iptables-save -c -t filter", "cat /proc/sys/net/ipv4/ip_forward", "ip -j link show"]) {
      expect([...new Set(cluster.execs.filter((e) => e.argv.join(" ") === `nsenter -t 1 -m -n ${read}`).map((e) => e.pod.node))].sort()).toEqual(["node-1", "node-2"]);
    }
    expect(result.notes.filter((n: string) => /could not be read|failed on/.test(n))).toEqual([]);
    expect(result.proof.verdict).toBe("ebpf");
    // Nothing ran in the probes' own containers: the trigger ran from node-1's capture pod, inside
    // the client pod's network, with the pod's resolv.conf (the search list's NXDOMAIN first).
    expect(cluster.execs.filter((e) => e.pod.namespace !== "kube-system")).toEqual([]);
    const getent = cluster.execs.find((e) => e.argv.includes("getent"))!;
    expect(getent.pod.node).toBe("node-1");
    expect(getent.argv.slice(0, 2)).toEqual(["unshare", "-m"]);
    expect(result.exchanges[0].dns).toContainEqual({ name: "node-wrk-2-ubuntu24.wrk-2.wrk-1.svc.cluster.local", type: "A", answer: "NXDOMAIN", server: "10.96.0.10" });
    expect(result.trigger.deliveries.map((d: any) => d.ok)).toEqual([true, true]);
    // Cilium's own view and evidence were asked of the agents, for this run's client port.
    const port = tcp.hops[0].packet.srcPort;
    expect(cluster.execs.some((e) => e.container === "cilium-agent" && e.argv.join(" ") === "cilium-dbg status -o json")).toBe(true);
    expect(cluster.execs.some((e) => e.pod.name === "cilium-node-2" && e.argv.join(" ").includes(`hubble observe --since`) && e.argv.join(" ").includes(`--ip 10.10.1.15 --port ${port} --protocol tcp`))).toBe(true);
  });

  test("nothing listens in the server pod: the journey runs its own echo there for the run, and says so", async () => {
    expect(labyrinth(["box", "break", "server-not-listening"]).status).toBe(0);
    try {
      const run = await runCli(["journey", "--json", "--kubeconfig", join(work, "kubeconfig")], { cwd: ROOT });
      const result = JSON.parse(run.stdout);
      expect(result.problems).toEqual([]);
      expect(result.trigger.deliveries.map((d: any) => [d.protocol, d.ok])).toEqual([
        ["tcp", true],
        ["udp", true],
      ]);
      expect(result.notes).toContain(
        `nothing listened on tcp 9999 in the server pod ${result.plan.server.pod} (LABYRINTH_PROBE_LISTENER=false leaves it to nc -l): the journey ran an echo of its own there for this run`,
      );
      // Its echo is gone with the run: again nothing listens.
      const server = topology.pods.find((p) => p.role === "server")!;
      expect(spawnSync("ip", ["netns", "exec", server.netns, "ss", "-H", "-l", "-n", "-t", "sport = :9999"], { encoding: "utf8" }).stdout.trim()).toBe("");
    } finally {
      labyrinth(["box", "fix"]);
    }
  });
});
