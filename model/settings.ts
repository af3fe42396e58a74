import { CILIUM_CHART_VERSIONS } from "./cilium-chart";
import { CURRENT_VERSIONS, DEFAULTS } from "./defaults";
import { SettingError } from "./errors";

/** Everything a user can choose about a lab. Defaults are the article's values. */
export interface LabSettings {
  /** Prefix of every resource name, so two labs can share a project. */
  readonly name: string;
  /** Google Cloud project; deploy needs it, synth does not. */
  readonly project?: string;
  readonly region: string;
  /** Zone of the VMs; by default the region's zone "b". */
  readonly zone?: string;
  readonly subnetCidr: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly workers: number;
  readonly machineType: string;
  readonly image: string;
  readonly diskSizeGb: number;
  readonly diskType: string;
  readonly sshSourceRanges: string[];
  readonly allowOpenSsh: boolean;
  readonly apiSourceRanges: string[];
  readonly kubernetesVersion: string;
  readonly crioVersion: string;
  readonly kubeProxyReplacement: boolean;
  readonly hubbleRelay: boolean;
  readonly ciliumVersion: string;
  readonly probeImage: string;
  readonly probeListener: boolean;
  /** How long the VMs live before Google Cloud deletes them: 4h, 90m, 2d… or off. */
  readonly ttl: string;
  readonly spot: boolean;
}

export const DEFAULT_SETTINGS: LabSettings = {
  name: DEFAULTS.name,
  region: DEFAULTS.region,
  subnetCidr: DEFAULTS.subnetCidr,
  podCidr: DEFAULTS.podCidr,
  serviceCidr: DEFAULTS.serviceCidr,
  workers: DEFAULTS.workers,
  machineType: DEFAULTS.machineType,
  image: DEFAULTS.image,
  diskSizeGb: DEFAULTS.diskSizeGb,
  diskType: DEFAULTS.diskType,
  sshSourceRanges: [...DEFAULTS.sshSourceRanges],
  allowOpenSsh: false,
  apiSourceRanges: [...DEFAULTS.apiSourceRanges],
  kubernetesVersion: DEFAULTS.kubernetesVersion,
  crioVersion: DEFAULTS.crioVersion,
  kubeProxyReplacement: !DEFAULTS.kubeProxy,
  hubbleRelay: DEFAULTS.hubbleRelay,
  ciliumVersion: DEFAULTS.ciliumVersion,
  probeImage: DEFAULTS.probeImage,
  probeListener: DEFAULTS.probeListener,
  ttl: DEFAULTS.ttl,
  spot: DEFAULTS.spot,
};

type Parser<T> = (raw: string, env: string) => T;

const text: Parser<string> = (raw) => raw.trim();
const list: Parser<string[]> = (raw) => raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
const wholeNumber: Parser<number> = (raw, env) => {
  if (!/^\d+$/.test(raw.trim())) throw new SettingError(env, `"${raw}" is not a whole number`);
  return Number(raw);
};
const flag: Parser<boolean> = (raw, env) => {
  const value = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new SettingError(env, `"${raw}" is not true or false`);
};

interface EnvSetting<K extends keyof LabSettings> {
  readonly env: string;
  readonly parse: Parser<NonNullable<LabSettings[K]>>;
  readonly help: string;
}

/** Environment variables that override settings, with what each one sets. */
export const ENV_SETTINGS: { readonly [K in keyof LabSettings]-?: EnvSetting<K> } = {
  name: { env: "LABYRINTH_NAME", parse: text, help: "lab name, prefix of every resource name" },
  project: { env: "LABYRINTH_PROJECT", parse: text, help: "Google Cloud project (or GOOGLE_CLOUD_PROJECT)" },
  region: { env: "LABYRINTH_REGION", parse: text, help: "region of the subnet" },
  zone: { env: "LABYRINTH_ZONE", parse: text, help: "zone of the VMs (default: the region's zone b)" },
  subnetCidr: { env: "LABYRINTH_SUBNET_CIDR", parse: text, help: "the nodes' subnet" },
  podCidr: { env: "LABYRINTH_POD_CIDR", parse: text, help: "pod addresses, for kubeadm and Cilium" },
  serviceCidr: { env: "LABYRINTH_SERVICE_CIDR", parse: text, help: "service ClusterIPs" },
  workers: { env: "LABYRINTH_WORKERS", parse: wholeNumber, help: "number of workers" },
  machineType: { env: "LABYRINTH_MACHINE_TYPE", parse: text, help: "machine type of every VM" },
  image: { env: "LABYRINTH_IMAGE", parse: text, help: "boot image family or exact image, project/name" },
  diskSizeGb: { env: "LABYRINTH_DISK_SIZE_GB", parse: wholeNumber, help: "boot disk size in GB" },
  diskType: { env: "LABYRINTH_DISK_TYPE", parse: text, help: "pd-standard, pd-balanced or pd-ssd" },
  sshSourceRanges: { env: "LABYRINTH_SSH_SOURCES", parse: list, help: "comma-separated CIDRs allowed on SSH" },
  allowOpenSsh: { env: "LABYRINTH_ALLOW_OPEN_SSH", parse: flag, help: "allow SSH sources wider than a /8 (0.0.0.0/0) in LABYRINTH_SSH_SOURCES" },
  apiSourceRanges: { env: "LABYRINTH_API_SOURCES", parse: list, help: "comma-separated CIDRs allowed on the API server" },
  kubernetesVersion: {
    env: "LABYRINTH_KUBERNETES_VERSION",
    parse: text,
    help: `Kubernetes minor or exact version: ${DEFAULTS.kubernetesVersion} (the article's), or the newer tested set ${CURRENT_VERSIONS.kubernetesVersion} with CRI-O ${CURRENT_VERSIONS.crioVersion} and Cilium ${CURRENT_VERSIONS.ciliumVersion}`,
  },
  crioVersion: { env: "LABYRINTH_CRIO_VERSION", parse: text, help: "CRI-O minor, equal to Kubernetes' minor" },
  kubeProxyReplacement: { env: "LABYRINTH_KUBE_PROXY_REPLACEMENT", parse: flag, help: "Cilium replaces kube-proxy" },
  hubbleRelay: { env: "LABYRINTH_HUBBLE_RELAY", parse: flag, help: "run Hubble Relay" },
  ciliumVersion: { env: "LABYRINTH_CILIUM_VERSION", parse: text, help: `version of the cilium Helm chart: ${CILIUM_CHART_VERSIONS.join(", ")}` },
  probeImage: { env: "LABYRINTH_PROBE_IMAGE", parse: text, help: "image of the probe pods, pinned by tag" },
  probeListener: { env: "LABYRINTH_PROBE_LISTENER", parse: flag, help: "probes echo on tcp/udp 9999 (off: run nc -l by hand)" },
  ttl: { env: "LABYRINTH_TTL", parse: text, help: "Google Cloud deletes the VMs this long after they start: 4h, 90m, 2d, or off" },
  spot: { env: "LABYRINTH_SPOT", parse: flag, help: "run the VMs as Spot VMs (cheaper; may be reclaimed: deploy again heals)" },
};

/**
 * Settings from the environment: each LABYRINTH_* variable that is set overrides its default.
 * An unknown LABYRINTH_* variable is a typo until proven otherwise: it stops synth.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): LabSettings {
  const known = new Set(Object.values(ENV_SETTINGS).map((spec) => spec.env));
  for (const name of Object.keys(env)) {
    if (name.startsWith("LABYRINTH_") && !known.has(name)) {
      throw new SettingError(name, `no such setting: ./help lists them (${[...known].join(", ")})`);
    }
  }
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, spec] of Object.entries(ENV_SETTINGS)) {
    const raw = env[spec.env];
    if (raw !== undefined && raw.trim() !== "") settings[key] = spec.parse(raw, spec.env);
  }
  settings.project ??= env.GOOGLE_CLOUD_PROJECT || env.GOOGLE_PROJECT || undefined;
  return settings as unknown as LabSettings;
}

/**
 * The environment that makes the app build exactly these settings: every LABYRINTH_* variable
 * set, so that nothing of the caller's environment leaks in.
 */
export function settingsToEnv(settings: LabSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, spec] of Object.entries(ENV_SETTINGS)) {
    const value = (settings as unknown as Record<string, unknown>)[key];
    env[spec.env] = value === undefined ? "" : Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}

/** One line for a setting error, naming the environment variable that sets it where there is one. */
export function explain(error: SettingError): string {
  const root = error.setting.split(".")[0];
  const spec = (ENV_SETTINGS as Record<string, EnvSetting<keyof LabSettings>>)[root];
  const hint = spec && !error.message.startsWith(spec.env) ? ` (set with ${spec.env})` : "";
  return `labyrinth: ${error.message}${hint}`;
}
