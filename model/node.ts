import { check } from "./errors";
import { checkGceLabelValue, checkGceName, checkImage, checkK8sLabelValue } from "./checks";
import { DEFAULTS } from "./defaults";
import { addressAt, contains, indexOf, Ipv4Cidr, parseAddress } from "./ipv4";
import { lifetimeLabel, MAX_RUN_SECONDS, MIN_RUN_SECONDS } from "./lifetime";
import { GCE_LABEL_KEYS } from "./names";

export type KubeadmRole = "control-plane" | "worker";

/** One VM of the cluster, as a KubeadmNode takes it; every optional field has the article's default. */
export interface NodeInput {
  /** `control-plane` runs `kubeadm init`; `worker` waits for it and joins. */
  readonly role: KubeadmRole;
  /**
   * The instance's name, also its Kubernetes node name: a Google Cloud name (lowercase letters,
   * digits and dashes, a letter first, at most 63).
   */
  readonly name: string;
  /** Internal IPv4 address in the network's subnet, not its first two or last two, not another node's. */
  readonly internalAddress: string;
  /**
   * Zone in the network's region.
   * @default the region's zone "b" (us-east4-b, as in the article)
   */
  readonly zone?: string;
  /**
   * Machine type of the VM; a control plane needs 2 vCPUs and 1.7 GB (kubeadm's pre-flight).
   * @default "e2-medium" (the article's)
   */
  readonly machineType?: string;
  /**
   * Boot image: a family or an exact image, as `project/name`.
   * @default "ubuntu-os-cloud/ubuntu-2404-lts-amd64" (Ubuntu 24.04 LTS, x86-64)
   */
  readonly image?: string;
  /**
   * Boot disk size in whole GB, from 10 (Ubuntu's image).
   * @default 32 (the article's)
   */
  readonly diskSizeGb?: number;
  /**
   * Boot disk type: pd-standard, pd-balanced or pd-ssd.
   * @default "pd-standard" (the article's)
   */
  readonly diskType?: string;
  /**
   * Kubernetes labels the node carries from its join (workers only).
   * @default {}
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /**
   * Extra Debian packages to install beside the Kubernetes ones.
   * @default []
   */
  readonly extraPackages?: readonly string[];
  /**
   * Images the node pulls early (a worker while it waits for the control plane, the control plane
   * while kubeadm initializes), so the first pods start at once. Best effort. Pinned references.
   * @default []
   */
  readonly prepullImages?: readonly string[];
  /**
   * How long a worker waits for the control plane to become joinable, in whole seconds from 60.
   * @default 1200
   */
  readonly joinWaitSeconds?: number;
  /**
   * Google Cloud labels of the instance and its boot disk; `lab`, `role` and `ttl` are set by
   * the node itself.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Seconds after it starts running at which Google Cloud deletes the VM, boot disk included
   * (`scheduling.max_run_duration`, termination action DELETE): a forgotten lab stops billing.
   * Google accepts 30 s to 120 days. Changing it replaces the VM.
   * @default none (the VM runs until destroyed)
   */
  readonly maxRunSeconds?: number;
  /**
   * Run as a Spot VM: much cheaper, but Google Cloud may reclaim (here: delete) it at any time.
   * @default false
   */
  readonly spot?: boolean;
}

export interface NodeModel {
  readonly role: KubeadmRole;
  readonly name: string;
  readonly internalAddress: string;
  readonly zone: string;
  readonly machineType: string;
  readonly image: string;
  readonly diskSizeGb: number;
  readonly diskType: string;
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly extraPackages: readonly string[];
  readonly prepullImages: readonly string[];
  readonly joinWaitSeconds: number;
  /** Google Cloud labels of the VM and its disk: the caller's, then the lab, the role and the ttl. */
  readonly gceLabels: Readonly<Record<string, string>>;
  readonly maxRunSeconds?: number;
  readonly spot: boolean;
}

/** Machine families Google Cloud offers no Spot capacity for (none in its billing catalog). */
export const NO_SPOT_FAMILIES = ["m2"];

export const DISK_TYPES = ["pd-standard", "pd-balanced", "pd-ssd"];

/** What kubeadm's pre-flight asks of a control plane: 2 CPUs and 1700 MB of memory. */
const CONTROL_PLANE_MIN = { vcpus: 2, memoryMb: 1700 };

/** Shared-core machine types, whose names do not say their size. */
const SHARED_CORE: Record<string, { vcpus: number; memoryMb: number }> = {
  "e2-micro": { vcpus: 2, memoryMb: 1024 },
  "e2-small": { vcpus: 2, memoryMb: 2048 },
  "e2-medium": { vcpus: 2, memoryMb: 4096 },
  "f1-micro": { vcpus: 1, memoryMb: 614 },
  "g1-small": { vcpus: 1, memoryMb: 1740 },
};

/**
 * A machine type's size, where its name tells: shared-core types from the table, custom types
 * (`n2-custom-2-4096`) from their name, predefined ones (`n2-standard-2`) by their vCPU count;
 * every predefined type has at least 0.9 GB per vCPU. Undefined for a name of another shape.
 */
export function machineSize(machineType: string): { vcpus: number; memoryMb?: number } | undefined {
  if (SHARED_CORE[machineType]) return SHARED_CORE[machineType];
  const custom = /-custom-(\d+)-(\d+)(-ext)?$/.exec(machineType);
  if (custom) return { vcpus: Number(custom[1]), memoryMb: Number(custom[2]) };
  const predefined = /^[a-z][a-z0-9]*-[a-z]+-(\d+)$/.exec(machineType);
  return predefined ? { vcpus: Number(predefined[1]) } : undefined;
}

function checkControlPlaneSize(machineType: string): void {
  const size = machineSize(machineType);
  if (!size) return;
  const short =
    size.vcpus < CONTROL_PLANE_MIN.vcpus
      ? `${size.vcpus} vCPU`
      : size.memoryMb !== undefined && size.memoryMb < CONTROL_PLANE_MIN.memoryMb
        ? `${(size.memoryMb / 1024).toFixed(1)} GB of memory`
        : undefined;
  check(
    short === undefined,
    "machineType",
    `${machineType} has ${short}: kubeadm's control plane needs ${CONTROL_PLANE_MIN.vcpus} vCPUs and ${CONTROL_PLANE_MIN.memoryMb / 1000} GB; use ${DEFAULTS.machineType} (2 vCPUs, 4 GB) or larger`,
  );
}

/**
 * What a deploy that waited in vain for the API server tells the user to read: the control plane's
 * bootstrap lines on its serial console.
 */
export function bootstrapHint(controlPlane: Pick<NodeModel, "name" | "zone">): string {
  return `read the control plane's bootstrap: gcloud compute instances get-serial-port-output ${controlPlane.name} --zone ${controlPlane.zone} | grep labyrinth:`;
}

/** One VM with defaults applied and checked, in a network of `region`. */
export function resolveNode(input: NodeInput, network: { readonly name: string; readonly region: string }): NodeModel {
  const { role, name } = input;
  check(role === "control-plane" || role === "worker", "role", `"${role}" is not a role: use control-plane or worker`);
  checkGceName(name, "name");
  const zone = input.zone ?? `${network.region}-${DEFAULTS.zoneLetter}`;
  check(
    zone.startsWith(`${network.region}-`) && /^[a-z]$/.test(zone.slice(network.region.length + 1)),
    "zone",
    `"${zone}" is not a zone of region ${network.region}: use a zone such as ${network.region}-${DEFAULTS.zoneLetter}`,
  );
  const machineType = input.machineType ?? DEFAULTS.machineType;
  check(/^[a-z][a-z0-9]*-[a-z0-9-]+$/.test(machineType), "machineType", `"${machineType}" is not a machine type: use a name such as ${DEFAULTS.machineType}`);
  if (role === "control-plane") checkControlPlaneSize(machineType);
  const image = input.image ?? DEFAULTS.image;
  check(/^[a-z][-a-z0-9]*\/[a-z][-a-z0-9]*$/.test(image), "image", `"${image}" is not an image: use project/family or project/image, such as ${DEFAULTS.image}`);
  const diskSizeGb = input.diskSizeGb ?? DEFAULTS.diskSizeGb;
  check(Number.isInteger(diskSizeGb) && diskSizeGb >= 10 && diskSizeGb <= 65536, "diskSizeGb", `${diskSizeGb} is not a disk size: use a whole number of GB from 10 (Ubuntu's image) up`);
  const diskType = input.diskType ?? DEFAULTS.diskType;
  check(DISK_TYPES.includes(diskType), "diskType", `"${diskType}" is not a boot disk type here: use one of ${DISK_TYPES.join(", ")}`);
  const labels = input.labels ?? {};
  const reserved = Object.values(GCE_LABEL_KEYS) as string[];
  for (const [key, value] of Object.entries(labels)) {
    check(/^[a-z][a-z0-9_-]{0,62}$/.test(key), "labels", `"${key}" is not a label key: use lowercase letters, digits, "_" and "-", starting with a letter`);
    check(!reserved.includes(key), "labels", `"${key}" is set by KubeadmNode itself (${reserved.join(", ")}): use another key`);
    checkGceLabelValue(value, `labels.${key}`);
  }
  const spot = input.spot ?? DEFAULTS.spot;
  const maxRunSeconds = input.maxRunSeconds;
  check(
    maxRunSeconds === undefined || (Number.isInteger(maxRunSeconds) && maxRunSeconds >= MIN_RUN_SECONDS && maxRunSeconds <= MAX_RUN_SECONDS),
    "maxRunSeconds",
    `${maxRunSeconds} is beyond what Google Cloud accepts: use a whole number of seconds from ${MIN_RUN_SECONDS} to ${MAX_RUN_SECONDS} (120 days)`,
  );
  check(!spot || !NO_SPOT_FAMILIES.includes(machineType.split("-")[0]), "machineType", `${machineType} cannot run as a Spot VM: use another machine type, or turn Spot off`);
  const nodeLabels = input.nodeLabels ?? {};
  for (const [key, value] of Object.entries(nodeLabels)) {
    check(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key), "nodeLabels", `"${key}" is not a Kubernetes label key`);
    checkK8sLabelValue(value, `nodeLabels.${key}`);
  }
  check(role === "worker" || Object.keys(nodeLabels).length === 0, "nodeLabels", "only workers take labels at join: remove nodeLabels from the control plane");
  const extraPackages = input.extraPackages ?? [];
  for (const pkg of extraPackages) check(/^[a-z0-9][a-z0-9+.-]+$/.test(pkg), "extraPackages", `"${pkg}" is not a Debian package name`);
  const prepullImages = input.prepullImages ?? [];
  for (const image of prepullImages) checkImage(image, "prepullImages");
  const joinWaitSeconds = input.joinWaitSeconds ?? DEFAULTS.joinWaitSeconds;
  check(Number.isInteger(joinWaitSeconds) && joinWaitSeconds >= 60, "joinWaitSeconds", "must be a whole number of seconds, at least 60");
  return {
    role,
    name,
    internalAddress: input.internalAddress,
    zone,
    machineType,
    image,
    diskSizeGb,
    diskType,
    nodeLabels,
    extraPackages,
    prepullImages,
    joinWaitSeconds,
    gceLabels: {
      ...labels,
      [GCE_LABEL_KEYS.lab]: network.name,
      [GCE_LABEL_KEYS.role]: role,
      [GCE_LABEL_KEYS.ttl]: maxRunSeconds === undefined ? "off" : lifetimeLabel(maxRunSeconds),
    },
    maxRunSeconds,
    spot,
  };
}

/**
 * Checks a node's internal address against its subnet and the addresses already taken: inside the
 * subnet, outside the four Google reserves (the first two and the last two), nobody else's.
 */
export function checkNodeAddress(subnet: Ipv4Cidr, address: string, owner: string, taken: ReadonlyMap<number, string>): number {
  const value = parseAddress(address, "internalAddress");
  check(contains(subnet, value), "internalAddress", `${address} (${owner}) is outside the subnet ${subnet.text}: use an address inside it`);
  const index = indexOf(subnet, value);
  check(
    index >= 2 && index < subnet.size - 2,
    "internalAddress",
    `${address} (${owner}) is reserved by Google Cloud in ${subnet.text}: use ${addressAt(subnet, 2)} to ${addressAt(subnet, subnet.size - 3)}`,
  );
  const other = taken.get(value);
  check(other === undefined, "internalAddress", `${address} (${owner}) is already the address of ${other}: give each node its own`);
  return value;
}
