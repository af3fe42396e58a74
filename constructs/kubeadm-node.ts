import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { Construct } from "constructs";
import { ClusterIdentity } from "./cluster-identity";
import { check } from "./errors";
import { overlaps, parseAddress, parseCidr } from "./ipv4";
import { LabyrinthNetwork } from "./labyrinth-network";
import { MAX_RUN_SECONDS, MIN_RUN_SECONDS, parseLifetime } from "./lifetime";
import { checkGceLabelValue, checkGceName, checkImage, checkK8sLabelValue, checkVersion } from "./names";
import { fillYaml, readCloudInit, terraformLiteral } from "./template";

export type KubeadmRole = "control-plane" | "worker";

/**
 * Instance-metadata keys that carry secrets beside user-data; the bootstrap reads them at boot. The
 * control plane keeps a copy of the CA key and ignores later changes to it: the lab's deploy removes
 * it (MetadataKeyRemoval) once the API server is up.
 */
export const METADATA_KEYS = {
  token: "labyrinth-token",
  caCert: "labyrinth-ca-crt",
  caKey: "labyrinth-ca-key",
} as const;

/** What every node of one cluster shares. */
export interface KubeadmClusterSettings {
  /** The control plane's internal address; the API endpoint is this address on port 6443. */
  readonly controlPlaneAddress: string;
  /**
   * Pods' addresses; kubeadm gives each node a /24 of it, and Cilium uses the same ranges.
   * @default "10.10.0.0/16" (the article's `kubeadm init --pod-network-cidr`)
   */
  readonly podCidr?: string;
  /**
   * Services' ClusterIPs.
   * @default "10.96.0.0/12" (kubeadm's default; cluster DNS at 10.96.0.10)
   */
  readonly serviceCidr?: string;
  /**
   * Kubernetes minor (1.33) or exact version (1.33.1) of kubelet, kubeadm and kubectl from pkgs.k8s.io.
   * @default "1.33"
   */
  readonly kubernetesVersion?: string;
  /**
   * CRI-O minor from the isv:cri-o stable repository; it must match Kubernetes' minor.
   * @default "1.33"
   */
  readonly crioVersion?: string;
  /**
   * Install kube-proxy. Turn it off only when Cilium replaces it.
   * @default true (the article kept kube-proxy; its rules show zero hits)
   */
  readonly kubeProxy?: boolean;
}

export interface KubeadmNodeProps {
  /** `control-plane` runs `kubeadm init`; `worker` waits for it and joins. */
  readonly role: KubeadmRole;
  /** The instance's name; also its Kubernetes node name. */
  readonly name: string;
  readonly network: LabyrinthNetwork;
  readonly identity: ClusterIdentity;
  readonly cluster: KubeadmClusterSettings;
  /** Internal address in the network's subnet (not its first two or last two). */
  readonly internalAddress: string;
  /**
   * Zone in the network's region.
   * @default the region's zone "b" (us-east4-b, as in the article)
   */
  readonly zone?: string;
  /**
   * @default "e2-medium"
   */
  readonly machineType?: string;
  /**
   * Boot image: a family or an exact image, as `project/name`.
   * @default "ubuntu-os-cloud/ubuntu-2404-lts-amd64" (Ubuntu 24.04 LTS, x86-64)
   */
  readonly image?: string;
  /**
   * @default 32
   */
  readonly diskSizeGb?: number;
  /**
   * @default "pd-standard"
   */
  readonly diskType?: string;
  /**
   * Kubernetes labels the node carries from its join (workers only).
   * @default {}
   */
  readonly nodeLabels?: Record<string, string>;
  /**
   * Extra Debian packages, for example tshark on workers for the journey's captures.
   * @default []
   */
  readonly extraPackages?: string[];
  /**
   * Images the node pulls early (a worker while it waits for the control plane, the control plane
   * while kubeadm initializes), so the first pods start at once. Best effort.
   * @default []
   */
  readonly prepullImages?: string[];
  /**
   * How long a worker waits for the control plane to become joinable, in seconds.
   * @default 1200
   */
  readonly joinWaitSeconds?: number;
  /**
   * Google Cloud labels of the instance and its boot disk.
   * @default {}
   */
  readonly labels?: Record<string, string>;
  /**
   * Seconds after it starts running at which Google Cloud deletes the VM, boot disk included
   * (`scheduling.max_run_duration`, termination action DELETE): a forgotten lab stops billing.
   * Google accepts 30 s to 120 days. Changing it replaces the VM.
   * @default none (the VM runs until destroyed)
   */
  readonly maxRunSeconds?: number;
  /**
   * A worker's control plane: when it is replaced (a new cluster), the worker is replaced too, so
   * that it joins the new one.
   * @default none
   */
  readonly controlPlane?: KubeadmNode;
  /**
   * Run as a Spot VM: much cheaper, but Google Cloud may reclaim (here: delete) it at any time.
   * @default false
   */
  readonly spot?: boolean;
}

/** Labels KubeadmNode sets on every VM: status and destroy find a lab's VMs by them. */
const RESERVED_LABELS = ["lab", "role", "ttl"];

/** Machine families Google Cloud offers no Spot capacity for (none in its billing catalog). */
export const NO_SPOT_FAMILIES = ["m2"];

const DISK_TYPES = ["pd-standard", "pd-balanced", "pd-ssd"];

/**
 * One VM of the cluster, bootstrapped by cloud-init into a kubeadm control plane or worker.
 * Its user-data holds no secret: the token and the CA travel as instance-metadata keys of their own.
 */
export class KubeadmNode extends Construct {
  public readonly role: KubeadmRole;
  public readonly name: string;
  public readonly zone: string;
  public readonly internalAddress: string;
  public readonly instance: ComputeInstance;
  /** The rendered user-data (a #cloud-config document), as the VM receives it. */
  public readonly userData: string;

  constructor(scope: Construct, id: string, props: KubeadmNodeProps) {
    super(scope, id);
    const { network, identity, cluster } = props;
    this.role = props.role;
    this.name = props.name;
    this.zone = props.zone ?? `${network.region}-b`;
    this.internalAddress = props.internalAddress;
    check(this.role === "control-plane" || this.role === "worker", "role", `"${this.role}" is not a role: use control-plane or worker`);
    checkGceName(this.name, "name");
    check(
      this.zone.startsWith(`${network.region}-`) && /^[a-z]$/.test(this.zone.slice(network.region.length + 1)),
      "zone",
      `"${this.zone}" is not a zone of region ${network.region}: use a zone such as ${network.region}-b`,
    );
    const machineType = props.machineType ?? "e2-medium";
    check(/^[a-z][a-z0-9]*-[a-z0-9-]+$/.test(machineType), "machineType", `"${machineType}" is not a machine type: use a name such as e2-medium`);
    const image = props.image ?? "ubuntu-os-cloud/ubuntu-2404-lts-amd64";
    check(/^[a-z][-a-z0-9]*\/[a-z][-a-z0-9]*$/.test(image), "image", `"${image}" is not an image: use project/family or project/image, such as ubuntu-os-cloud/ubuntu-2404-lts-amd64`);
    const diskSizeGb = props.diskSizeGb ?? 32;
    check(Number.isInteger(diskSizeGb) && diskSizeGb >= 10 && diskSizeGb <= 65536, "diskSizeGb", `${diskSizeGb} is not a disk size: use a whole number of GB from 10 (Ubuntu's image) up`);
    const diskType = props.diskType ?? "pd-standard";
    check(DISK_TYPES.includes(diskType), "diskType", `"${diskType}" is not a boot disk type here: use one of ${DISK_TYPES.join(", ")}`);
    const labels = props.labels ?? {};
    for (const [key, value] of Object.entries(labels)) {
      check(/^[a-z][a-z0-9_-]{0,62}$/.test(key), "labels", `"${key}" is not a label key: use lowercase letters, digits, "_" and "-", starting with a letter`);
      check(!RESERVED_LABELS.includes(key), "labels", `"${key}" is set by KubeadmNode itself (${RESERVED_LABELS.join(", ")}): use another key`);
      checkGceLabelValue(value, `labels.${key}`);
    }
    network.claimAddress(this.internalAddress, this.name);
    const spot = props.spot ?? false;
    const maxRunSeconds = props.maxRunSeconds;
    check(
      maxRunSeconds === undefined || (Number.isInteger(maxRunSeconds) && maxRunSeconds >= MIN_RUN_SECONDS && maxRunSeconds <= MAX_RUN_SECONDS),
      "maxRunSeconds",
      `${maxRunSeconds} is beyond what Google Cloud accepts: use a whole number of seconds from 30 to 10368000 (120 days)`,
    );
    check(!spot || !NO_SPOT_FAMILIES.includes(machineType.split("-")[0]), "machineType", `${machineType} cannot run as a Spot VM: use another machine type, or turn Spot off`);

    const settings = resolveCluster(cluster, network);
    const nodeLabels = props.nodeLabels ?? {};
    for (const [key, value] of Object.entries(nodeLabels)) {
      check(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key), "nodeLabels", `"${key}" is not a Kubernetes label key`);
      checkK8sLabelValue(value, `nodeLabels.${key}`);
    }
    check(this.role === "worker" || Object.keys(nodeLabels).length === 0, "nodeLabels", "only workers take labels at join: remove nodeLabels from the control plane");
    check(this.role === "worker" || props.controlPlane === undefined, "controlPlane", "only a worker joins a control plane");
    const extraPackages = props.extraPackages ?? [];
    for (const pkg of extraPackages) {
      check(/^[a-z0-9][a-z0-9+.-]+$/.test(pkg), "extraPackages", `"${pkg}" is not a Debian package name`);
    }
    const prepullImages = props.prepullImages ?? [];
    for (const image of prepullImages) checkImage(image, "prepullImages");
    const joinWaitSeconds = props.joinWaitSeconds ?? 1200;
    check(Number.isInteger(joinWaitSeconds) && joinWaitSeconds >= 60, "joinWaitSeconds", "must be a whole number of seconds, at least 60");

    const kubeadmConfig =
      this.role === "control-plane"
        ? fillYaml(readCloudInit("kubeadm-init.yaml"), {
            tokenTtl: `${identity.tokenTtlHours}h0m0s`,
            controlPlaneEndpoint: settings.endpoint,
            podSubnet: settings.podCidr,
            serviceSubnet: settings.serviceCidr,
            kubeProxyDisabled: !settings.kubeProxy,
          }, "kubeadm-init.yaml")
        : fillYaml(readCloudInit("kubeadm-join.yaml"), {
            controlPlaneEndpoint: settings.endpoint,
            nodeLabels: Object.entries(nodeLabels).map(([key, value]) => `${key}=${value}`).join(","),
          }, "kubeadm-join.yaml");
    const nodeEnv = envFile({
      ROLE: this.role,
      LAB: network.name,
      KUBERNETES_VERSION: settings.kubernetesVersion,
      CRIO_VERSION: settings.crioVersion,
      API_ENDPOINT: settings.endpoint,
      EXTRA_PACKAGES: extraPackages.join(" "),
      PREPULL_IMAGES: prepullImages.join(" "),
      JOIN_WAIT_SECONDS: String(joinWaitSeconds),
      POLL_SECONDS: "5",
    });
    this.userData = fillYaml(readCloudInit("cloud-config.yaml"), {
      nodeEnv,
      kubeadmConfig,
      libSh: readCloudInit("lib.sh"),
      roleScript: readCloudInit(`${this.role}.sh`),
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
    if (this.role === "control-plane") metadata[METADATA_KEYS.caKey] = identity.caKeyPem;

    const gceLabels = { ...labels, lab: network.name, role: this.role, ttl: maxRunSeconds === undefined ? "off" : parseLifetime(`${maxRunSeconds}s`).label };
    this.instance = new ComputeInstance(this, "Resource", {
      name: this.name,
      zone: this.zone,
      machineType,
      description: `Labyrinth ${network.name}: kubeadm ${this.role}`,
      tags: this.role === "control-plane" ? [network.nodeTag, network.controlPlaneTag] : [network.nodeTag],
      labels: gceLabels,
      allowStoppingForUpdate: true,
      bootDisk: {
        autoDelete: true,
        initializeParams: { image, size: diskSizeGb, type: diskType, labels: gceLabels },
      },
      networkInterface: [
        {
          subnetwork: network.subnet.id,
          networkIp: this.internalAddress,
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
      lifecycle:
        this.role === "control-plane"
          ? // The node keeps its own copy of the CA key; once the deploy removes the key from metadata
            // (MetadataKeyRemoval), Terraform must not put it back.
            { ignoreChanges: [`metadata["${METADATA_KEYS.caKey}"]`] }
          : props.controlPlane
            ? // Its id changes only when the control plane is replaced, not when it is updated in place.
              { replaceTriggeredBy: [`google_compute_instance.${props.controlPlane.instance.friendlyUniqueId}.id`] }
            : undefined,
    });
  }

  /** The node's ephemeral external address. */
  public get externalAddress(): string {
    return this.instance.networkInterface.get(0).accessConfig.get(0).natIp;
  }
}

/** A cluster's settings with defaults applied and checked against the network. */
export interface ResolvedCluster {
  readonly endpoint: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly kubernetesVersion: string;
  readonly crioVersion: string;
  readonly kubeProxy: boolean;
}

export function resolveCluster(cluster: KubeadmClusterSettings, network: LabyrinthNetwork): ResolvedCluster {
  parseAddress(cluster.controlPlaneAddress, "controlPlaneAddress");
  const podCidr = parseCidr(cluster.podCidr ?? "10.10.0.0/16", "podCidr");
  const serviceCidr = parseCidr(cluster.serviceCidr ?? "10.96.0.0/12", "serviceCidr");
  check(podCidr.bits <= 23, "podCidr", `${podCidr.text} is too small: each node takes a /24 of it, so use /23 or larger`);
  check(serviceCidr.bits >= 12 && serviceCidr.bits <= 28, "serviceCidr", `${serviceCidr.text}: the API server takes /12 to /28; use for example 10.96.0.0/12`);
  const ranges = [
    ["subnetCidr", network.subnetCidr],
    ["podCidr", podCidr],
    ["serviceCidr", serviceCidr],
  ] as const;
  for (const [i, [nameA, a]] of ranges.entries()) {
    for (const [nameB, b] of ranges.slice(i + 1)) {
      check(!overlaps(a, b), nameB, `${b.text} overlaps ${nameA} ${a.text}: the subnet, pod and service ranges must be disjoint`);
    }
  }
  const kubernetesVersion = cluster.kubernetesVersion ?? "1.33";
  const crioVersion = cluster.crioVersion ?? "1.33";
  checkVersion(kubernetesVersion, "kubernetesVersion", "1.33 or 1.33.1");
  checkVersion(crioVersion, "crioVersion", "1.33", false);
  const minor = kubernetesVersion.split(".").slice(0, 2).join(".");
  check(crioVersion === minor, "crioVersion", `${crioVersion} does not match Kubernetes ${minor}: CRI-O follows Kubernetes' minor versions, use ${minor}`);
  return {
    endpoint: `${cluster.controlPlaneAddress}:6443`,
    podCidr: podCidr.text,
    serviceCidr: serviceCidr.text,
    kubernetesVersion,
    crioVersion,
    kubeProxy: cluster.kubeProxy ?? true,
  };
}

/** A shell file of KEY='value' lines, sourced by the bootstrap. */
function envFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}='${value.replace(/'/g, `'\\''`)}'`)
    .join("\n") + "\n";
}
