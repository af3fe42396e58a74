import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ClusterInput, ClusterModel, resolveCluster } from "../model/cluster";
import { parseCidr } from "../model/ipv4";
import { METADATA_KEYS } from "../model/names";
import { checkNodeAddress, KubeadmRole, NodeInput, resolveNode } from "../model/node";
import { IClusterIdentity } from "./cluster-identity";
import { INodeNetwork } from "./labyrinth-network";
import { physicalName } from "./physical-name";
import { checkWiring } from "./kubeadm-wiring";
import { fillYaml, readCloudInit, terraformLiteral } from "./template";

export { KubeadmRole };

/** What every node of one cluster shares: the model's cluster input, documented there. */
export type KubeadmClusterSettings = ClusterInput;

/**
 * What a worker needs of its control plane, what CiliumRelease reads of the cluster, and where
 * `clusterAccess` reaches it. A KubeadmNode of role control-plane is one; a control plane of your
 * own can be described the same way.
 */
export interface IKubeadmControlPlane {
  /** `control-plane`: a worker given a worker is refused. */
  readonly role: KubeadmRole;
  readonly name: string;
  /** Its internal address: the cluster's `controlPlaneAddress`. */
  readonly internalAddress: string;
  /** The address the deployer's machine reaches its API server at (`clusterAccess`'s endpoint). */
  readonly externalAddress: string;
  readonly network: INodeNetwork;
  readonly identity: IClusterIdentity;
  /** The cluster settings it was built with: its workers must have the same. */
  readonly cluster: KubeadmClusterSettings;
  /** Its instance: when it is replaced (a new cluster), its workers are replaced too. */
  readonly instance: ComputeInstance;
}

/** A KubeadmNode: the node's own settings (NodeInput, documented in the model) and what it is wired to. */
export interface KubeadmNodeProps extends Omit<NodeInput, "name"> {
  /**
   * The instance's name, also its Kubernetes node name: a Google Cloud name (lowercase letters,
   * digits and dashes, a letter first, at most 63).
   * @default a name derived from the construct's path, unique in the app and the same at every
   * synth: `infra-worker1-` and a hash for the construct `Worker1` in the stack `infra`
   */
  readonly name?: string;
  /** The VPC the node lives in: a LabyrinthNetwork, or your own described as INodeNetwork. */
  readonly network: INodeNetwork;
  /** The token and the CA the cluster trusts: a ClusterIdentity, or your own as IClusterIdentity. */
  readonly identity: IClusterIdentity;
  /**
   * What every node of the cluster shares (the control plane's address, the pod and service
   * ranges, the versions, kube-proxy): the same settings for all of them; a worker whose control
   * plane was built with others is refused.
   */
  readonly cluster: KubeadmClusterSettings;
  /**
   * A worker's control plane, with the same network, identity and cluster settings: when it is
   * replaced (a new cluster), the worker is replaced too, so that it joins the new one (when both
   * are in one stack: a resource address reaches no further).
   * @default the control-plane KubeadmNode of the same network at `cluster.controlPlaneAddress`,
   * found at synth (none there is an error), then treated as if named: checked, and replacing it
   * replaces the worker
   */
  readonly controlPlane?: IKubeadmControlPlane;
}

/** Each network's node addresses so far, so that two nodes never share one. */
const addressesTaken = new WeakMap<INodeNetwork, Map<number, string>>();

/**
 * One VM of the cluster, bootstrapped by cloud-init into a kubeadm control plane or worker.
 * Its user-data holds no secret: the token and the CA travel as instance-metadata keys of their own.
 * Wired wrong (a worker and its control plane in different networks, identities or cluster
 * settings, or no control plane at a worker's `controlPlaneAddress`), it stops synth with one line.
 */
export class KubeadmNode extends Construct implements IKubeadmControlPlane {
  public readonly role: KubeadmRole;
  public readonly name: string;
  public readonly zone: string;
  public readonly internalAddress: string;
  public readonly network: INodeNetwork;
  public readonly identity: IClusterIdentity;
  /** The cluster settings, with their defaults applied. */
  public readonly cluster: ClusterModel;
  public readonly instance: ComputeInstance;
  /** The rendered user-data (a #cloud-config document), as the VM receives it. */
  public readonly userData: string;

  constructor(scope: Construct, id: string, props: KubeadmNodeProps) {
    super(scope, id);
    const { network, identity } = props;
    const node = resolveNode({ ...props, name: props.name ?? physicalName(this) }, network);
    this.role = node.role;
    this.name = node.name;
    this.zone = node.zone;
    this.internalAddress = node.internalAddress;
    this.network = network;
    this.identity = identity;
    const subnet = parseCidr(network.subnetCidr, "subnetCidr");
    const taken = addressesTaken.get(network) ?? new Map<number, string>();
    addressesTaken.set(network, taken);
    taken.set(checkNodeAddress(subnet, node.internalAddress, node.name, taken), node.name);
    const cluster = resolveCluster(props.cluster, subnet);
    this.cluster = cluster;

    const kubeadmConfig =
      node.role === "control-plane"
        ? fillYaml(readCloudInit("kubeadm-init.yaml"), {
            tokenTtl: `${identity.tokenTtlHours}h0m0s`,
            controlPlaneEndpoint: cluster.endpoint,
            podSubnet: cluster.podCidr,
            serviceSubnet: cluster.serviceCidr,
            kubeProxyDisabled: !cluster.kubeProxy,
          }, "kubeadm-init.yaml")
        : fillYaml(readCloudInit("kubeadm-join.yaml"), {
            controlPlaneEndpoint: cluster.endpoint,
            nodeLabels: Object.entries(node.nodeLabels).map(([key, value]) => `${key}=${value}`).join(","),
          }, "kubeadm-join.yaml");
    const nodeEnv = envFile({
      ROLE: node.role,
      LAB: network.name,
      KUBERNETES_VERSION: cluster.kubernetesVersion,
      CRIO_VERSION: cluster.crioVersion,
      API_ENDPOINT: cluster.endpoint,
      EXTRA_PACKAGES: node.extraPackages.join(" "),
      PREPULL_IMAGES: node.prepullImages.join(" "),
      JOIN_WAIT_SECONDS: String(node.joinWaitSeconds),
      POLL_SECONDS: "5",
    });
    this.userData = fillYaml(readCloudInit("cloud-config.yaml"), {
      nodeEnv,
      kubeadmConfig,
      libSh: readCloudInit("lib.sh"),
      roleScript: readCloudInit(`${node.role}.sh`),
      bootstrapUnit: readCloudInit("labyrinth-bootstrap.service"),
      tokenService: readCloudInit("labyrinth-token.service"),
      tokenTimer: readCloudInit("labyrinth-token.timer"),
    }, "cloud-config.yaml");

    const metadata: Record<string, string> = {
      "user-data": terraformLiteral(this.userData),
      [METADATA_KEYS.token]: identity.token,
      [METADATA_KEYS.caCert]: identity.caCertPem,
    };
    // Only the control plane signs certificates.
    if (node.role === "control-plane") metadata[METADATA_KEYS.caKey] = identity.caKeyPem;

    const { maxRunSeconds, spot } = node;
    this.instance = new ComputeInstance(this, "Resource", {
      name: node.name,
      zone: node.zone,
      machineType: node.machineType,
      description: `Labyrinth ${network.name}: kubeadm ${node.role}`,
      tags: node.role === "control-plane" ? [network.nodeTag, network.controlPlaneTag] : [network.nodeTag],
      labels: { ...node.gceLabels },
      allowStoppingForUpdate: true,
      bootDisk: {
        autoDelete: true,
        initializeParams: { image: node.image, size: node.diskSizeGb, type: node.diskType, labels: { ...node.gceLabels } },
      },
      networkInterface: [
        {
          subnetwork: network.subnetId,
          networkIp: node.internalAddress,
          // An ephemeral external address: apt downloads, and the API endpoint for the admin client.
          // A reserved one would keep billing after the VMs are gone.
          accessConfig: [{}],
        },
      ],
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      scheduling: {
        provisioningModel: spot ? "SPOT" : "STANDARD",
        preemptible: spot,
        automaticRestart: !spot,
        onHostMaintenance: spot ? "TERMINATE" : "MIGRATE",
        // DELETE, not STOP: a stopped VM's disk would go on billing.
        ...(spot || maxRunSeconds !== undefined ? { instanceTerminationAction: "DELETE" } : {}),
        ...(maxRunSeconds !== undefined ? { maxRunDuration: { seconds: maxRunSeconds } } : {}),
      },
      metadata,
      // The node keeps its own copy of the CA key; once the deploy removes the key from metadata
      // (MetadataKeyRemoval), Terraform must not put it back.
      lifecycle: node.role === "control-plane" ? { ignoreChanges: [`metadata["${METADATA_KEYS.caKey}"]`] } : undefined,
    });
    checkWiring(this, props.controlPlane, ({ instance }) => {
      // The id (projects/…/instances/<name>) stays the same even across a replacement, but a plan
      // that replaces the control plane leaves it unknown, and that fires replace_triggered_by; an
      // update in place leaves it known. A resource address reaches only within its own stack.
      if (TerraformStack.of(instance) === TerraformStack.of(this)) {
        this.instance.lifecycle = { replaceTriggeredBy: [`${instance.terraformResourceType}.${instance.friendlyUniqueId}.id`] };
      }
    });
  }

  /** The node's ephemeral external address. */
  public get externalAddress(): string {
    return this.instance.networkInterface.get(0).accessConfig.get(0).natIp;
  }
}

/** A shell file of KEY='value' lines, sourced by the bootstrap. */
function envFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}='${value.replace(/'/g, `'\\''`)}'`)
    .join("\n") + "\n";
}
