import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { boxTopology, unfollowedSettings } from "../box/topology";
import { DEFAULTS } from "../model/defaults";
import { resolveLab } from "../model/lab";
import { labOfStack, LOCAL_BACKEND_STATE_FILE, stackIds, stackOfStateFile, stateFileName } from "../model/names";
import { modelFromRecord, recordOutput } from "../model/record";
import { DEFAULT_SETTINGS, LabSettings, settingsFromEnv, settingsToEnv } from "../model/settings";

const lab = (overrides: Partial<LabSettings> = {}) => resolveLab({ ...DEFAULT_SETTINGS, ...overrides });

describe("the lab model with the article's settings", () => {
  const model = lab();

  test("every derived name", () => {
    expect(model.stacks).toEqual({ infrastructure: "labyrinth-infra", cluster: "labyrinth-cluster" });
    expect(model.network).toMatchObject({ name: "labyrinth", subnetName: "labyrinth-nodes", nodeTag: "labyrinth-node", controlPlaneTag: "labyrinth-control-plane", mtu: 1460 });
    expect(model.network.firewallRules.map((r) => r.name)).toEqual([
      "labyrinth-allow-ssh",
      "labyrinth-allow-apiserver",
      "labyrinth-allow-nodes-apiserver",
      "labyrinth-allow-nodes-kubelet",
      "labyrinth-allow-nodes-vxlan",
      "labyrinth-allow-nodes-health",
    ]);
    expect(model.nodes.map((n) => [n.name, n.shortName, n.role, n.internalAddress, n.zone])).toEqual([
      ["labyrinth-node-0", "node-0", "control-plane", "10.168.0.2", "us-east4-b"],
      ["labyrinth-node-1", "node-1", "worker", "10.168.0.4", "us-east4-b"],
      ["labyrinth-node-2", "node-2", "worker", "10.168.0.5", "us-east4-b"],
    ]);
    expect(model.workers.map((w) => w.nodeLabels)).toEqual([{ nodelabel: "node-wrk-1" }, { nodelabel: "node-wrk-2" }]);
    expect(model.nodes.map((n) => n.gceLabels)).toEqual([
      { lab: "labyrinth", role: "control-plane", ttl: "4h" },
      { lab: "labyrinth", role: "worker", ttl: "4h" },
      { lab: "labyrinth", role: "worker", ttl: "4h" },
    ]);
  });

  test("the cluster, the probes, the check, the ports", () => {
    expect(model.cluster).toMatchObject({ endpoint: "10.168.0.2:6443", podCidr: "10.10.0.0/16", serviceCidr: "10.96.0.0/12", dnsServiceAddress: "10.96.0.10", kubernetesMinor: "1.33", kubeProxy: true });
    expect(model.probes.client).toMatchObject({ namespace: "wrk-1", app: "node-wrk-1-ubuntu24", node: "labyrinth-node-1", nodeLabel: { key: "nodelabel", value: "node-wrk-1" } });
    expect(model.probes.server).toMatchObject({ namespace: "wrk-2", app: "node-wrk-2-ubuntu24", host: "node-wrk-2-ubuntu24.wrk-2", node: "labyrinth-node-2" });
    expect(model.check).toEqual({ namespace: "wrk-1", job: "connectivity-check", script: "labyrinth-connectivity-check", target: "node-wrk-2-ubuntu24.wrk-2" });
    expect([model.tunnelPort, model.probes.port]).toEqual([8472, 9999]);
  });

  test("the ttl once, in each form it is needed: seconds for Google, a label, hours for the certificates", () => {
    expect(model.lifetime).toEqual({ seconds: 14400, label: "4h" });
    expect(model.nodes.every((n) => n.maxRunSeconds === 14400)).toBe(true);
    expect(model.identity).toMatchObject({ tokenTtlHours: 24, adminValidityHours: 32, adminRenewalHours: 5 });
    expect(lab({ ttl: "off" }).identity).toMatchObject({ adminValidityHours: 720, adminRenewalHours: 168 });
    expect(lab({ ttl: "90m" }).nodes[0].gceLabels.ttl).toBe("90m");
  });
});

describe("the lab model follows its settings", () => {
  test("other ranges move every address derived from them", () => {
    const model = lab({ subnetCidr: "192.168.50.0/24", podCidr: "10.44.0.0/16", serviceCidr: "10.112.0.0/16" });
    expect(model.nodes.map((n) => n.internalAddress)).toEqual(["192.168.50.2", "192.168.50.4", "192.168.50.5"]);
    expect(model.cluster).toMatchObject({ endpoint: "192.168.50.2:6443", dnsServiceAddress: "10.112.0.10" });
  });

  test("another name renames the stacks and every resource", () => {
    const model = lab({ name: "team-a", workers: 3 });
    expect(model.stacks.infrastructure).toBe("team-a-infra");
    expect(model.nodes.map((n) => n.name)).toEqual(["team-a-node-0", "team-a-node-1", "team-a-node-2", "team-a-node-3"]);
    expect(model.probes.all.map((p) => p.namespace)).toEqual(["wrk-1", "wrk-2", "wrk-3"]);
    // The journey's ends stay workers 1 and 2, whatever the count.
    expect([model.probes.client.worker, model.probes.server.worker]).toEqual([1, 2]);
  });

  test("without the listener there is no check", () => {
    expect(lab({ probeListener: false }).check).toBeUndefined();
  });
});

describe("what a deploy records", () => {
  test("the settings, from which the same model resolves", () => {
    const deployed = lab({ name: "team-a", workers: 3, ttl: "2d", podCidr: "10.44.0.0/16", sshSourceRanges: ["203.0.113.0/24"] });
    const read = modelFromRecord(recordOutput(deployed).value);
    expect(read).toEqual(deployed);
  });

  test("a record of another format is refused with what to do", () => {
    expect(() => modelFromRecord(JSON.stringify({ format: 0, settings: {} }))).toThrow("the lab's record has format 0, not 1: deploy it again with this version (npm run deploy)");
  });

  test("settings turn into the environment that makes them again, every variable set", () => {
    const settings = { ...DEFAULT_SETTINGS, name: "team-a", workers: 3, project: "p", sshSourceRanges: ["203.0.113.0/24", "198.51.100.0/24"], spot: true, zone: "us-east4-c" };
    const env = settingsToEnv(settings);
    expect(env).toMatchObject({ LABYRINTH_NAME: "team-a", LABYRINTH_WORKERS: "3", LABYRINTH_SSH_SOURCES: "203.0.113.0/24,198.51.100.0/24", LABYRINTH_SPOT: "true" });
    expect(settingsFromEnv(env)).toEqual(settings);
  });
});

describe("the box, built from the same model", () => {
  test("with the article's settings, the article's box: nodes, pods, services", () => {
    const box = boxTopology(lab());
    expect(box.nodes).toEqual([
      { name: "node-1", netns: "labyrinth-node-1", address: "10.168.0.4", podCidr: "10.10.1.0/24", gateway: "10.10.1.49" },
      { name: "node-2", netns: "labyrinth-node-2", address: "10.168.0.5", podCidr: "10.10.2.0/24", gateway: "10.10.2.244" },
    ]);
    expect(box.pods.map((p) => [p.namespace, p.name, p.node, p.address, p.netns, p.role])).toEqual([
      ["wrk-1", "node-wrk-1-ubuntu24", "node-1", "10.10.1.15", "labyrinth-wrk-1", "client"],
      ["wrk-2", "node-wrk-2-ubuntu24", "node-2", "10.10.2.215", "labyrinth-wrk-2", "server"],
      ["kube-system", "coredns", "node-2", "10.10.2.17", "labyrinth-coredns", "dns"],
    ]);
    expect(box.services.map((s) => [s.name, s.address, s.ports.map((p) => `${p.protocol}/${p.port}`)])).toEqual([
      ["kube-dns", "10.96.0.10", ["udp/53", "tcp/53"]],
      ["node-wrk-2-ubuntu24", "10.105.134.33", ["tcp/9999", "udp/9999"]],
    ]);
    expect(box).toMatchObject({ underlayCidr: "10.168.0.0/24", underlayMtu: 1460, vxlan: { port: 8472, vni: 2, mtu: 1410 }, routeMtu: 1410, dnsDomain: "cluster.local" });
  });

  test("with the lab's ranges changed, the addresses the lab will have", () => {
    const box = boxTopology(lab({ subnetCidr: "192.168.50.0/24", podCidr: "10.44.0.0/16", serviceCidr: "10.112.0.0/16" }));
    expect(box.nodes.map((n) => [n.address, n.podCidr, n.gateway])).toEqual([
      ["192.168.50.4", "10.44.1.0/24", "10.44.1.49"],
      ["192.168.50.5", "10.44.2.0/24", "10.44.2.244"],
    ]);
    expect(box.pods.map((p) => p.address)).toEqual(["10.44.1.15", "10.44.2.215", "10.44.2.17"]);
    expect(box.services.map((s) => s.address)).toEqual(["10.112.0.10", "10.112.134.33"]);
  });

  test("a ClusterIP never lands on the range's own, the kubernetes Service's or DNS's address", () => {
    // 10.105.134.33's place in a /12 is 624161; in a /28 that is 1, the kubernetes Service's.
    const box = boxTopology(lab({ serviceCidr: "10.96.0.0/28" }));
    expect(box.services.map((s) => s.address)).toEqual(["10.96.0.10", "10.96.0.4"]);
  });

  test("what it cannot follow is named, with why", () => {
    expect(unfollowedSettings(DEFAULT_SETTINGS)).toEqual([]);
    expect(unfollowedSettings({ ...DEFAULT_SETTINGS, workers: 3, kubeProxyReplacement: true, probeListener: false, machineType: "e2-standard-2" })).toEqual([
      "LABYRINTH_WORKERS=3 (the box has the two workers the journey crosses)",
      "LABYRINTH_KUBE_PROXY_REPLACEMENT=true (choose the box's datapath with --datapath)",
      "LABYRINTH_PROBE_LISTENER=false (the box's server pod always echoes; box break server-not-listening stops it)",
    ]);
  });
});

describe("stack ids and state files", () => {
  test("name their lab and their stack back, and nothing else", () => {
    const ids = stackIds("team-a");
    expect(labOfStack(ids.infrastructure)).toBe("team-a");
    expect(labOfStack(ids.cluster)).toBeUndefined();
    expect(labOfStack(stackIds("").infrastructure)).toBeUndefined();
    expect(stackOfStateFile(stateFileName(ids.cluster))).toBe(ids.cluster);
    expect(stateFileName(ids.infrastructure)).toBe("terraform.team-a-infra.tfstate");
    // A LocalBackend's own file, and the state destroy keeps aside, are no stack's state.
    expect(stackOfStateFile(LOCAL_BACKEND_STATE_FILE)).toBeUndefined();
    expect(stackOfStateFile(`${stateFileName(ids.cluster)}.dropped`)).toBeUndefined();
  });
});

describe("one description", () => {
  const ROOT = join(__dirname, "..");
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return ["node_modules", "dist", "__tests__", "model", ".cache", "cdktf.out", ".git"].includes(name) ? [] : sources(path);
      return /\.(ts|mjs|js|sh)$/.test(name) ? [path] : [];
    });

  /** The lines of `files` that match `pattern`, comments left out, as `file:line`. */
  const linesMatching = (files: string[], pattern: RegExp) =>
    files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, i) => ({ where: `${relative(ROOT, file)}:${i + 1}`, line }))
        .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*|#)/.test(line) && pattern.test(line))
        .map(({ where }) => where),
    );

  test("no name is built from the lab's name outside the model", () => {
    // A template that appends one of the model's suffixes to a value: `${lab}-infra`, `${name}-allow-ssh`…
    expect(linesMatching(sources(ROOT), /\$\{[^}]+\}-(infra|cluster|nodes?|allow-[a-z-]+|control-plane|admin)\b/)).toEqual([]);
  });

  test("a state file's name is made in the model only", () => {
    expect(linesMatching(sources(ROOT), /\.tfstate\b/)).toEqual([]);
  });

  test("the probe image is written in model/defaults.ts only", () => {
    expect(linesMatching(sources(ROOT), new RegExp(DEFAULTS.probeImage.replace(/[.:/]/g, "\\$&")))).toEqual([]);
  });

  test("the constructs and the model take every default from model/defaults.ts: no fallback of their own", () => {
    const files = ["constructs", "model"].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((name) => name.endsWith(".ts") && name !== "defaults.ts").map((name) => join(ROOT, dir, name)));
    expect(linesMatching(files, /\?\?\s*\(?\s*(\d+|true|false|"[^"]+")/)).toEqual([]);
  });
});
