import { allFirewallRuleNames } from "../model/network";
import { synthLab, named, resourcesOf } from "./support/synth";

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
