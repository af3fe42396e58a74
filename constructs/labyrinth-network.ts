import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import { NetworkInput, NetworkModel, resolveNetwork } from "../model/network";
import { physicalName } from "./physical-name";

/** A LabyrinthNetwork: the network's settings (NetworkInput, documented in the model) and its name. */
export interface LabyrinthNetworkProps extends Omit<NetworkInput, "name"> {
  /**
   * Name of the VPC network (NetworkInput's `name`).
   * @default a name derived from the construct's path, unique in the app and the same at every
   * synth: `infra-net-` and a hash for the construct `Net` in the stack `infra`
   */
  readonly name?: string;
}

/**
 * What a KubeadmNode needs of its network. A LabyrinthNetwork is one; a VPC of your own can be
 * described the same way.
 */
export interface INodeNetwork {
  /** The lab's name: the nodes' `lab` label and description. */
  readonly name: string;
  readonly region: string;
  /** The subnet the nodes' internal addresses come from, as an IPv4 CIDR. */
  readonly subnetCidr: string;
  /** The subnet's id, as `google_compute_instance.network_interface.subnetwork` takes it. */
  readonly subnetId: string;
  /** The network tag every node carries, which the firewall rules between nodes select. */
  readonly nodeTag: string;
  /** The network tag only the control plane carries (the API server's rule). */
  readonly controlPlaneTag: string;
}

/**
 * The lab's VPC: a custom-mode network, one subnet, and firewall rules that each serve one
 * purpose, scoped by network tag, never "all ports".
 */
export class LabyrinthNetwork extends Construct implements INodeNetwork {
  public readonly name: string;
  public readonly region: string;
  public readonly subnetCidr: string;
  public readonly nodeTag: string;
  public readonly controlPlaneTag: string;
  public readonly network: ComputeNetwork;
  public readonly subnet: ComputeSubnetwork;
  public readonly firewallRules: ComputeFirewall[];

  constructor(scope: Construct, id: string, props: LabyrinthNetworkProps = {}) {
    super(scope, id);
    const model: NetworkModel = resolveNetwork({ ...props, name: props.name ?? physicalName(this) });
    this.name = model.name;
    this.region = model.region;
    this.subnetCidr = model.subnetCidr.text;
    this.nodeTag = model.nodeTag;
    this.controlPlaneTag = model.controlPlaneTag;
    this.network = new ComputeNetwork(this, "Resource", {
      name: model.name,
      autoCreateSubnetworks: false,
      mtu: model.mtu,
      description: "Labyrinth lab network",
    });
    this.subnet = new ComputeSubnetwork(this, "Subnet", {
      name: model.subnetName,
      network: this.network.id,
      region: model.region,
      ipCidrRange: model.subnetCidr.text,
    });
    this.firewallRules = model.firewallRules.map(
      (rule) =>
        new ComputeFirewall(this, rule.id, {
          name: rule.name,
          network: this.network.id,
          direction: "INGRESS",
          allow: rule.allow.map((a) => ({ protocol: a.protocol, ports: a.ports ? [...a.ports] : undefined })),
          sourceRanges: rule.from === "nodes" ? undefined : [...rule.from.ranges],
          sourceTags: rule.from === "nodes" ? [this.nodeTag] : undefined,
          targetTags: [rule.to === "control-plane" ? this.controlPlaneTag : this.nodeTag],
        }),
    );
  }

  public get subnetId(): string {
    return this.subnet.id;
  }
}
