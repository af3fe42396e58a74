/**
 * The lab, described once: the settings resolved into every fact the stacks, the box, the
 * lifecycle and the journey need. Pure: no cdktf, no I/O. Every cross-field check happens here,
 * so that bad settings stop before anything is built.
 */
import { CiliumModel, resolveCilium } from "./cilium";
import { ClusterModel, resolveCluster } from "./cluster";
import { checkImage } from "./checks";
import { NODE_POD_MASK, PORTS } from "./defaults";
import { check, SettingError } from "./errors";
import { IdentityModel, labIdentity } from "./identity";
import { addressAt, parseCidr } from "./ipv4";
import { Lifetime, parseLifetime } from "./lifetime";
import { CHECK_NAMES, MAX_NAME_LENGTH, nodeName, probeNames, shortNodeName, stackIds } from "./names";
import { NetworkModel, resolveNetwork } from "./network";
import { checkNodeAddress, NodeModel, resolveNode } from "./node";
import { LabSettings } from "./settings";

/** Where the control plane sits in the subnet, and worker N after it: the article's .2, then .4, .5. */
const CONTROL_PLANE_INDEX = 2;
const FIRST_WORKER_INDEX = 4;
/** The journey and the connectivity check cross from worker 1 to worker 2, as the article's packet did. */
const MIN_WORKERS = 2;

/** Worker N's probe: the article's names, its node, and the label that pins it there. */
export interface ProbeModel extends ReturnType<typeof probeNames> {
  readonly worker: number;
  readonly node: string;
}

export interface LabNode extends NodeModel {
  /** 0 for the control plane, N for worker N. */
  readonly index: number;
  /** node-0, node-1…: the article's names, and the box's. */
  readonly shortName: string;
}

export interface LabModel {
  /** The settings, complete: what a deploy records, and what the lifecycle reads back. */
  readonly settings: LabSettings;
  readonly name: string;
  readonly project?: string;
  readonly stacks: ReturnType<typeof stackIds>;
  readonly network: NetworkModel;
  readonly cluster: ClusterModel;
  readonly controlPlane: LabNode;
  readonly workers: readonly LabNode[];
  /** The control plane, then the workers. */
  readonly nodes: readonly LabNode[];
  readonly lifetime: Lifetime;
  readonly identity: IdentityModel;
  readonly cilium: CiliumModel;
  readonly probes: {
    readonly image: string;
    readonly listener: boolean;
    readonly port: number;
    readonly all: readonly ProbeModel[];
    /** The journey's and the check's ends: worker 1's probe sends, worker 2's answers. */
    readonly client: ProbeModel;
    readonly server: ProbeModel;
  };
  /** The connectivity check, when the probes listen (otherwise port 9999 is left to the article's nc -l). */
  readonly check?: { readonly namespace: string; readonly job: string; readonly script: string; readonly target: string };
  readonly tunnelPort: number;
}

/** Runs a part's resolver, naming its props as the lab's settings where the two differ. */
function named<T>(settingOf: Record<string, keyof LabSettings>, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    const setting = error instanceof SettingError ? settingOf[error.setting] : undefined;
    if (!setting) throw error;
    throw new SettingError(setting, (error as SettingError).message.slice((error as SettingError).setting.length + 2));
  }
}

/** Resolves settings into the lab, or throws a SettingError that names the setting and the fix. */
export function resolveLab(settings: LabSettings): LabModel {
  const { name } = settings;
  check(name.length <= MAX_NAME_LENGTH, "name", `"${name}" is longer than ${MAX_NAME_LENGTH} characters: resource names are built from it, use a shorter name`);
  check(
    Number.isInteger(settings.workers) && settings.workers >= MIN_WORKERS,
    "workers",
    `${settings.workers} worker${settings.workers === 1 ? "" : "s"}: the journey and the connectivity check cross from worker 1 to worker 2, as the article's packet did: use ${MIN_WORKERS} or more`,
  );
  checkImage(settings.probeImage, "probeImage");
  const network = resolveNetwork({ ...settings, name });
  const subnet = network.subnetCidr;
  const usable = subnet.size - 2 - FIRST_WORKER_INDEX;
  check(
    settings.workers <= usable,
    "workers",
    `${settings.workers} workers do not fit in ${subnet.text} (room for ${usable} from ${addressAt(subnet, FIRST_WORKER_INDEX)}): use fewer workers or a larger subnet`,
  );
  const controlPlaneAddress = addressAt(subnet, CONTROL_PLANE_INDEX);
  const cluster = resolveCluster({ ...settings, controlPlaneAddress, kubeProxy: !settings.kubeProxyReplacement }, subnet);
  const pods = parseCidr(cluster.podCidr, "podCidr");
  const perNode = 2 ** (NODE_POD_MASK - pods.bits);
  check(
    settings.workers + 1 <= perNode,
    "podCidr",
    `${pods.text} holds ${perNode} node ranges of /${NODE_POD_MASK}, too few for ${settings.workers + 1} nodes: use a larger pod range or fewer workers`,
  );
  const cilium = named({ version: "ciliumVersion" }, () =>
    resolveCilium({
      version: settings.ciliumVersion,
      kubeProxyReplacement: settings.kubeProxyReplacement,
      apiServerHost: controlPlaneAddress,
      hubbleRelay: settings.hubbleRelay,
    }),
  );
  const lifetime = parseLifetime(settings.ttl);

  const taken = new Map<number, string>();
  const node = (index: number, role: LabNode["role"], address: string, extra: Partial<Parameters<typeof resolveNode>[0]>): LabNode => {
    const resolved = resolveNode(
      {
        role,
        name: nodeName(name, index),
        internalAddress: address,
        zone: settings.zone,
        machineType: settings.machineType,
        image: settings.image,
        diskSizeGb: settings.diskSizeGb,
        diskType: settings.diskType,
        maxRunSeconds: lifetime.seconds,
        spot: settings.spot,
        ...extra,
      },
      network,
    );
    taken.set(checkNodeAddress(subnet, address, resolved.name, taken), resolved.name);
    return { ...resolved, index, shortName: shortNodeName(index) };
  };
  // Pulled while kubeadm initializes: Cilium's agent and operator start there first.
  const controlPlane = node(0, "control-plane", controlPlaneAddress, { prepullImages: [cilium.images.agent, cilium.images.operator] });
  const probeList: ProbeModel[] = [];
  const workers = Array.from({ length: settings.workers }, (_, i) => {
    const n = i + 1;
    const probe = probeNames(n);
    const worker = node(n, "worker", addressAt(subnet, FIRST_WORKER_INDEX + i), {
      nodeLabels: { [probe.nodeLabel.key]: probe.nodeLabel.value },
      // Pulled while the worker waits for the control plane: Cilium's agent and the probe.
      prepullImages: [cilium.images.agent, settings.probeImage],
    });
    probeList.push({ ...probe, worker: n, node: worker.name });
    return worker;
  });
  const [client, server] = probeList;
  return {
    settings,
    name,
    project: settings.project,
    stacks: stackIds(name),
    network,
    cluster,
    controlPlane,
    workers,
    nodes: [controlPlane, ...workers],
    lifetime,
    identity: labIdentity(name, lifetime),
    cilium,
    probes: { image: settings.probeImage, listener: settings.probeListener, port: PORTS.probe, all: probeList, client, server },
    check: settings.probeListener ? { namespace: client.namespace, job: CHECK_NAMES.job, script: CHECK_NAMES.script, target: server.host } : undefined,
    tunnelPort: PORTS.vxlan,
  };
}

/** The n-th /24 of the pod range: the node range kube-controller-manager gives the n-th node to register. */
export function nodePodRange(model: LabModel, n: number): string {
  const pods = parseCidr(model.cluster.podCidr, "podCidr");
  return `${addressAt(pods, n * 2 ** (32 - NODE_POD_MASK))}/${NODE_POD_MASK}`;
}
