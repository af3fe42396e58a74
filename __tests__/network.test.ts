import { TerraformStack } from "cdktf";
import { ClusterIdentity, KubeadmNode, LabyrinthNetwork } from "../constructs";
import { allFirewallRuleNames } from "../model/network";
import { synthLab, named, resourcesOf, synthStack, testApp, testStack } from "./support/synth";

describe("LabyrinthNetwork with the article's settings", () => {
  const { infra } = synthLab();

  test("a custom-mode VPC named labyrinth, with the subnet 10.168.0.0/24 in us-east4", () => {
    expect(named(infra, "google_compute_network", "labyrinth")).toMatchObject({ auto_create_subnetworks: false, mtu: 1460 });
    const subnet = named(infra, "google_compute_subnetwork", "labyrinth-nodes");
    expect(subnet).toMatchObject({ ip_cidr_range: "10.168.0.0/24", region: "us-east4" });
    expect(subnet.network).toMatch(/^\$\{google_compute_network\.[^.]+\.id\}$/);
  });

  const rule = (name: string) => named(infra, "google_compute_firewall", name);

  test("SSH only from Google's IAP range, on every node", () => {
    expect(rule("labyrinth-allow-ssh")).toMatchObject({
      direction: "INGRESS",
      allow: [{ protocol: "tcp", ports: ["22"] }],
      source_ranges: ["35.235.240.0/20"],
      target_tags: ["labyrinth-node"],
    });
  });

  test("the API server from anywhere, on the control plane only", () => {
    expect(rule("labyrinth-allow-apiserver")).toMatchObject({
      allow: [{ protocol: "tcp", ports: ["6443"] }],
      source_ranges: ["0.0.0.0/0"],
      target_tags: ["labyrinth-control-plane"],
    });
  });

  test.each([
    ["labyrinth-allow-nodes-apiserver", [{ protocol: "tcp", ports: ["6443"] }]],
    ["labyrinth-allow-nodes-kubelet", [{ protocol: "tcp", ports: ["10250"] }]],
    ["labyrinth-allow-nodes-vxlan", [{ protocol: "udp", ports: ["8472"] }]],
    ["labyrinth-allow-nodes-health", [{ protocol: "tcp", ports: ["4240"] }, { protocol: "icmp" }]],
  ])("%s: between nodes only, on exactly its ports", (name, allow) => {
    const r = rule(name);
    expect(r.allow).toEqual(allow);
    expect(r.source_tags).toEqual(["labyrinth-node"]);
    expect(r.target_tags).toEqual(["labyrinth-node"]);
    expect(r.source_ranges).toBeUndefined();
  });

  test("no rule opens all ports or all protocols, and no etcd or Hubble rule by default", () => {
    const rules = resourcesOf(infra, "google_compute_firewall");
    expect(rules).toHaveLength(6);
    for (const r of rules) {
      for (const allow of r.allow) {
        expect(allow.protocol).not.toBe("all");
        if (allow.protocol !== "icmp") expect(allow.ports?.length).toBeGreaterThan(0);
      }
    }
    const ports = rules.flatMap((r) => r.allow.flatMap((a: any) => a.ports ?? []));
    expect(ports).not.toContain("2379-2380");
    expect(ports).not.toContain("4244");
  });

  test("Hubble Relay's port 4244 opens between nodes when the relay is on", () => {
    const withRelay = synthLab({ hubbleRelay: true }).infra;
    expect(named(withRelay, "google_compute_firewall", "labyrinth-allow-nodes-hubble")).toMatchObject({
      allow: [{ protocol: "tcp", ports: ["4244"] }],
      source_tags: ["labyrinth-node"],
    });
  });

  test("destroy's search for leftovers knows every firewall rule the network can make", () => {
    const withRelay = synthLab({ hubbleRelay: true }).infra;
    const made = resourcesOf(withRelay, "google_compute_firewall").map((rule) => rule.name);
    expect(made.sort()).toEqual(allFirewallRuleNames("labyrinth").sort());
  });

  test("own SSH and API ranges replace the defaults", () => {
    const custom = synthLab({ sshSourceRanges: ["203.0.113.0/24"], apiSourceRanges: ["198.51.100.7/32"] }).infra;
    expect(named(custom, "google_compute_firewall", "labyrinth-allow-ssh").source_ranges).toEqual(["203.0.113.0/24"]);
    expect(named(custom, "google_compute_firewall", "labyrinth-allow-apiserver").source_ranges).toEqual(["198.51.100.7/32"]);
  });
});

describe("names derived from the construct's path when none is given", () => {
  /** Unnamed networks and nodes in three stacks of one app (two ids that read alike), and their names. */
  function unnamed() {
    const app = testApp();
    return ["infra", "infra-eu", "infra.eu"].map((stackId) => {
      const stack = new TerraformStack(app, stackId);
      const network = new LabyrinthNetwork(stack, "Net");
      const node = new KubeadmNode(stack, "ControlPlane", {
        role: "control-plane",
        network,
        identity: new ClusterIdentity(stack, "Identity"),
        cluster: { controlPlaneAddress: "10.168.0.2" },
        internalAddress: "10.168.0.2",
      });
      return { stack, network: network.name, node: node.name };
    });
  }
  const [first, second, third] = unnamed();

  test("readable and unique: the path's ids, then a hash of the path", () => {
    expect(first.network).toMatch(/^infra-net-[0-9a-f]{8}$/);
    expect(second.network).toMatch(/^infra-eu-net-[0-9a-f]{8}$/);
    expect(first.node).toMatch(/^infra-controlplane-[0-9a-f]{8}$/);
    expect(third.network).toMatch(/^infra-eu-net-[0-9a-f]{8}$/);
    expect(new Set([first, second, third].flatMap((s) => [s.network, s.node])).size).toBe(6);
  });

  test("the same at every synth", () => {
    const again = unnamed();
    expect(again.map((s) => [s.network, s.node])).toEqual([first, second, third].map((s) => [s.network, s.node]));
  });

  test("every resource of the network takes its name from it", () => {
    const json = synthStack(first.stack);
    expect(resourcesOf(json, "google_compute_network").map((n) => n.name)).toEqual([first.network]);
    expect(resourcesOf(json, "google_compute_subnetwork").map((n) => n.name)).toEqual([`${first.network}-nodes`]);
    expect(resourcesOf(json, "google_compute_firewall").map((n) => n.name).sort()).toEqual(allFirewallRuleNames(first.network).filter((n) => !n.endsWith("-hubble")).sort());
    expect(resourcesOf(json, "google_compute_instance")[0]).toMatchObject({ name: first.node, labels: { lab: first.network } });
  });

  test("long paths are cut to 30 characters, still a valid Google Cloud name", () => {
    const stack = testStack("A-Very_Long.Stack-Name-For-Testing");
    const network = new LabyrinthNetwork(stack, "YetAnotherQuiteLongNetworkId");
    expect(network.name).toMatch(/^a-very-long-stack-nam-[0-9a-f]{8}$/);
    expect(network.name.length).toBeLessThanOrEqual(30);
    expect(new LabyrinthNetwork(testStack("1st"), "9").name).toMatch(/^st-9-[0-9a-f]{8}$/);
  });

  test("a name given is used as it is", () => {
    expect(new LabyrinthNetwork(testStack("named"), "Net", { name: "maze" }).name).toBe("maze");
  });
});
