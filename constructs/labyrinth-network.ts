import { ComputeFirewall, ComputeFirewallAllow } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { check } from "./errors";
import { addressAt, contains, indexOf, Ipv4Cidr, parseAddress, parseCidr } from "./ipv4";
import { checkGceName } from "./names";

/** Google's range for IAP TCP forwarding: what `gcloud compute ssh --tunnel-through-iap` comes from. */
export const IAP_SOURCE_RANGE = "35.235.240.0/20";

export interface LabyrinthNetworkProps {
  /**
   * Name of the VPC network; also the prefix of its subnet, firewall rules and network tags.
   * @default "labyrinth" (the article's network)
   */
  readonly name?: string;
  /**
   * Region of the subnet.
   * @default "us-east4" (Northern Virginia, as in the article)
   */
  readonly region?: string;
  /**
   * The nodes' subnet.
   * @default "10.168.0.0/24"
   */
  readonly subnetCidr?: string;
  /**
   * Sources allowed to reach the nodes on SSH (tcp 22).
   * @default ["35.235.240.0/20"] (IAP only: `gcloud compute ssh --tunnel-through-iap`)
   */
  readonly sshSourceRanges?: string[];
  /**
   * Allow SSH from anywhere (0.0.0.0/0) in `sshSourceRanges`.
   * @default false
   */
  readonly allowOpenSsh?: boolean;
  /**
   * Sources allowed to reach the API server (tcp 6443) from outside the VPC.
   * @default ["0.0.0.0/0"] (every request is authenticated, and the deployer's Terraform must reach it)
   */
  readonly apiSourceRanges?: string[];
  /**
   * Open Hubble's peer port (tcp 4244) between nodes, for Hubble Relay.
   * @default false
   */
  readonly hubbleRelay?: boolean;
}

/**
 * The lab's VPC: a custom-mode network, one subnet, and firewall rules that each
 * serve one purpose, scoped by network tag, never "all ports".
 */
export class LabyrinthNetwork extends Construct {
  public readonly name: string;
  public readonly region: string;
  public readonly subnetCidr: Ipv4Cidr;
  /** Tag carried by every node. */
  public readonly nodeTag: string;
  /** Tag carried by the control plane only. */
  public readonly controlPlaneTag: string;
  public readonly network: ComputeNetwork;
  public readonly subnet: ComputeSubnetwork;
  public readonly firewallRules: ComputeFirewall[] = [];
  private readonly claimed = new Map<number, string>();

  constructor(scope: Construct, id: string, props: LabyrinthNetworkProps = {}) {
    super(scope, id);
    this.name = props.name ?? "labyrinth";
    this.region = props.region ?? "us-east4";
    checkGceName(this.name, "name");
    check(/^[a-z]+-[a-z]+\d+$/.test(this.region), "region", `"${this.region}" is not a Google Cloud region: use a form such as us-east4`);
    this.subnetCidr = parseCidr(props.subnetCidr ?? "10.168.0.0/24", "subnetCidr");
    check(this.subnetCidr.bits <= 29, "subnetCidr", `${this.subnetCidr.text} is too small: Google Cloud subnets are /29 or larger`);
    const sshSources = props.sshSourceRanges ?? [IAP_SOURCE_RANGE];
    const apiSources = props.apiSourceRanges ?? ["0.0.0.0/0"];
    checkSources(sshSources, "sshSourceRanges");
    checkSources(apiSources, "apiSourceRanges");
    // Anything wider than a /8 counts as the internet: 0.0.0.0/1 and 128.0.0.0/1 are 0.0.0.0/0 too.
    const open = sshSources.find((range) => parseCidr(range, "sshSourceRanges").bits < 8);
    check(
      props.allowOpenSsh === true || open === undefined,
      "sshSourceRanges",
      `${open} opens SSH to the whole internet: keep the IAP range ${IAP_SOURCE_RANGE}, name your own range, or set allowOpenSsh`,
    );
    this.nodeTag = `${this.name}-node`;
    this.controlPlaneTag = `${this.name}-control-plane`;

    this.network = new ComputeNetwork(this, "Resource", {
      name: this.name,
      autoCreateSubnetworks: false,
      mtu: 1460,
      description: "Labyrinth lab network",
    });
    this.subnet = new ComputeSubnetwork(this, "Subnet", {
      name: `${this.name}-nodes`,
      network: this.network.id,
      region: this.region,
      ipCidrRange: this.subnetCidr.text,
    });

    // SSH for people: by default only through IAP, so no node's port 22 faces the internet.
    this.allow("Ssh", "ssh", [{ protocol: "tcp", ports: ["22"] }], { sourceRanges: sshSources });
    // The API server for kubectl and the deployer's Terraform; every request is authenticated.
    this.allow("ApiServer", "apiserver", [{ protocol: "tcp", ports: ["6443"] }], {
      sourceRanges: apiSources,
      targetTags: [this.controlPlaneTag],
    });
    // Kubelets, Cilium agents and kubeadm join talk to the API server from inside the VPC.
    this.allowBetweenNodes("NodesApiServer", "nodes-apiserver", [{ protocol: "tcp", ports: ["6443"] }]);
    // The API server reaches kubelets for logs, exec and port-forward.
    this.allowBetweenNodes("NodesKubelet", "nodes-kubelet", [{ protocol: "tcp", ports: ["10250"] }]);
    // Cilium's overlay: pod-to-pod packets between nodes travel in VXLAN on udp 8472.
    this.allowBetweenNodes("NodesVxlan", "nodes-vxlan", [{ protocol: "udp", ports: ["8472"] }]);
    // cilium-health probes each node on tcp 4240 and with ICMP echo.
    this.allowBetweenNodes("NodesHealth", "nodes-health", [{ protocol: "tcp", ports: ["4240"] }, { protocol: "icmp" }]);
    if (props.hubbleRelay) {
      // Hubble Relay collects flows from each node's Hubble server.
      this.allowBetweenNodes("NodesHubble", "nodes-hubble", [{ protocol: "tcp", ports: ["4244"] }]);
    }
  }

  /**
   * Records a node's internal address: it must lie in the subnet, outside the four addresses
   * Google reserves (the first two and the last two), and belong to no other node.
   */
  public claimAddress(address: string, owner: string): void {
    const value = parseAddress(address, "internalAddress");
    const subnet = this.subnetCidr;
    check(contains(subnet, value), "internalAddress", `${address} (${owner}) is outside the subnet ${subnet.text}: use an address inside it`);
    const index = indexOf(subnet, value);
    check(
      index >= 2 && index < subnet.size - 2,
      "internalAddress",
      `${address} (${owner}) is reserved by Google Cloud in ${subnet.text}: use ${addressAt(subnet, 2)} to ${addressAt(subnet, subnet.size - 3)}`,
    );
    const other = this.claimed.get(value);
    check(other === undefined, "internalAddress", `${address} (${owner}) is already the address of ${other}: give each node its own`);
    this.claimed.set(value, owner);
  }

  private allowBetweenNodes(id: string, suffix: string, allow: ComputeFirewallAllow[]): void {
    this.allow(id, suffix, allow, { sourceTags: [this.nodeTag] });
  }

  private allow(
    id: string,
    suffix: string,
    allow: ComputeFirewallAllow[],
    from: { sourceRanges?: string[]; sourceTags?: string[]; targetTags?: string[] },
  ): void {
    const name = `${this.name}-allow-${suffix}`;
    check(name.length <= 63, "name", `"${this.name}" makes the firewall rule name "${name}" longer than 63 characters: use a shorter name`);
    this.firewallRules.push(
      new ComputeFirewall(this, id, {
        name,
        network: this.network.id,
        direction: "INGRESS",
        allow,
        sourceRanges: from.sourceRanges,
        sourceTags: from.sourceTags,
        targetTags: from.targetTags ?? [this.nodeTag],
      }),
    );
  }
}

function checkSources(ranges: string[], setting: string): void {
  check(ranges.length > 0, setting, "needs at least one source range");
  for (const range of ranges) parseCidr(range, setting);
}
