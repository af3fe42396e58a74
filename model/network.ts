import { check } from "./errors";
import { checkGceName } from "./checks";
import { DEFAULTS, IAP_SOURCE_RANGE, NETWORK_MTU, PORTS } from "./defaults";
import { Ipv4Cidr, parseCidr } from "./ipv4";
import { networkNames } from "./names";

/** What a lab network is made from; every field but the name has the article's default. */
export interface NetworkInput {
  /**
   * Name of the VPC network; also the prefix of its subnet (`<name>-nodes`), firewall rules
   * (`<name>-allow-…`) and network tags, and the nodes' `lab` label. Lowercase letters, digits
   * and dashes, a letter first; the longest rule name it makes must fit Google's 63 characters.
   */
  readonly name: string;
  /**
   * Region of the subnet, such as us-east4.
   * @default "us-east4" (Northern Virginia, as in the article)
   */
  readonly region?: string;
  /**
   * The nodes' subnet, an IPv4 CIDR of /29 or larger with no host bits set.
   * @default "10.168.0.0/24"
   */
  readonly subnetCidr?: string;
  /**
   * Sources allowed to reach the nodes on SSH (tcp 22), as IPv4 CIDRs; anything wider than a /8
   * needs `allowOpenSsh`.
   * @default ["35.235.240.0/20"] (IAP only: `gcloud compute ssh --tunnel-through-iap`)
   */
  readonly sshSourceRanges?: readonly string[];
  /**
   * Allow SSH sources wider than a /8 (0.0.0.0/0, or its halves) in `sshSourceRanges`.
   * @default false
   */
  readonly allowOpenSsh?: boolean;
  /**
   * Sources allowed to reach the API server (tcp 6443) from outside the VPC, as IPv4 CIDRs.
   * @default ["0.0.0.0/0"] (every request is authenticated, and the deployer's Terraform must reach it)
   */
  readonly apiSourceRanges?: readonly string[];
  /**
   * Open Hubble's peer port (tcp 4244) between nodes, for Hubble Relay.
   * @default false
   */
  readonly hubbleRelay?: boolean;
}

/** One ingress rule, for one purpose, by network tag: never "all ports". */
export interface FirewallRuleModel {
  /** Construct id of the rule. */
  readonly id: string;
  readonly name: string;
  readonly allow: readonly { readonly protocol: string; readonly ports?: readonly string[] }[];
  /** Where from: address ranges, or the lab's nodes (their tag). */
  readonly from: { readonly ranges: readonly string[] } | "nodes";
  /** Who receives it: every node, or the control plane only. */
  readonly to: "nodes" | "control-plane";
}

export interface NetworkModel {
  readonly name: string;
  readonly region: string;
  readonly subnetName: string;
  readonly subnetCidr: Ipv4Cidr;
  readonly mtu: number;
  readonly nodeTag: string;
  readonly controlPlaneTag: string;
  readonly firewallRules: readonly FirewallRuleModel[];
}

/** Anything wider than a /8 counts as the internet: 0.0.0.0/1 and 128.0.0.0/1 are 0.0.0.0/0 too. */
const WIDEST_SSH_BITS = 8;

function checkSources(ranges: readonly string[], setting: string): void {
  check(ranges.length > 0, setting, "needs at least one source range");
  for (const range of ranges) parseCidr(range, setting);
}

/** The lab's VPC with defaults applied and checked: a custom-mode network, one subnet, rules per purpose. */
export function resolveNetwork(input: NetworkInput): NetworkModel {
  const { name } = input;
  const region = input.region ?? DEFAULTS.region;
  checkGceName(name, "name");
  check(/^[a-z]+-[a-z]+\d+$/.test(region), "region", `"${region}" is not a Google Cloud region: use a form such as us-east4`);
  const subnetCidr = parseCidr(input.subnetCidr ?? DEFAULTS.subnetCidr, "subnetCidr");
  check(subnetCidr.bits <= 29, "subnetCidr", `${subnetCidr.text} is too small: Google Cloud subnets are /29 or larger`);
  const sshSources = input.sshSourceRanges ?? DEFAULTS.sshSourceRanges;
  const apiSources = input.apiSourceRanges ?? DEFAULTS.apiSourceRanges;
  checkSources(sshSources, "sshSourceRanges");
  checkSources(apiSources, "apiSourceRanges");
  const open = sshSources.find((range) => parseCidr(range, "sshSourceRanges").bits < WIDEST_SSH_BITS);
  check(
    input.allowOpenSsh === true || open === undefined,
    "sshSourceRanges",
    `${open} opens SSH to the whole internet: keep the IAP range ${IAP_SOURCE_RANGE}, name your own range, or set allowOpenSsh`,
  );
  const names = networkNames(name);
  const rule = (id: string, purpose: string, allow: FirewallRuleModel["allow"], from: FirewallRuleModel["from"], to: FirewallRuleModel["to"] = "nodes"): FirewallRuleModel => {
    const ruleName = names.firewallRule(purpose);
    check(ruleName.length <= 63, "name", `"${name}" makes the firewall rule name "${ruleName}" longer than 63 characters: use a shorter name`);
    return { id, name: ruleName, allow, from, to };
  };
  const tcp = (port: number) => ({ protocol: "tcp", ports: [String(port)] });
  const firewallRules = [
    // SSH for people: by default only through IAP, so no node's port 22 faces the internet.
    rule("Ssh", "ssh", [tcp(PORTS.ssh)], { ranges: sshSources }),
    // The API server for kubectl and the deployer's Terraform; every request is authenticated.
    rule("ApiServer", "apiserver", [tcp(PORTS.apiServer)], { ranges: apiSources }, "control-plane"),
    // Kubelets, Cilium agents and kubeadm join talk to the API server from inside the VPC.
    rule("NodesApiServer", "nodes-apiserver", [tcp(PORTS.apiServer)], "nodes"),
    // The API server reaches kubelets for logs, exec and port-forward.
    rule("NodesKubelet", "nodes-kubelet", [tcp(PORTS.kubelet)], "nodes"),
    // Cilium's overlay: pod-to-pod packets between nodes travel in VXLAN.
    rule("NodesVxlan", "nodes-vxlan", [{ protocol: "udp", ports: [String(PORTS.vxlan)] }], "nodes"),
    // cilium-health probes each node on tcp and with ICMP echo.
    rule("NodesHealth", "nodes-health", [tcp(PORTS.health), { protocol: "icmp" }], "nodes"),
    // Hubble Relay collects flows from each node's Hubble server.
    ...(input.hubbleRelay ? [rule("NodesHubble", "nodes-hubble", [tcp(PORTS.hubblePeer)], "nodes")] : []),
  ];
  return {
    name,
    region,
    subnetName: names.subnet,
    subnetCidr,
    mtu: NETWORK_MTU,
    nodeTag: names.nodeTag,
    controlPlaneTag: names.controlPlaneTag,
    firewallRules,
  };
}

/** Every firewall rule a network of this name can have, for finding what a destroy left. */
export function allFirewallRuleNames(network: string): string[] {
  return resolveNetwork({ name: network, hubbleRelay: true, allowOpenSsh: true }).firewallRules.map((r) => r.name);
}
