import { check } from "./errors";
import { checkVersion } from "./checks";
import { DEFAULTS, NODE_POD_MASK, PORTS } from "./defaults";
import { addressAt, Ipv4Cidr, overlaps, parseAddress, parseCidr } from "./ipv4";

/** What every node of one kubeadm cluster shares (KubeadmNode's `cluster`); every optional field has the article's default. */
export interface ClusterInput {
  /**
   * The control plane's internal address (an IPv4 address in the network's subnet); the API
   * endpoint is this address on port 6443. The control plane's `internalAddress` must be it.
   */
  readonly controlPlaneAddress: string;
  /**
   * Pods' addresses, an IPv4 CIDR of /23 or larger, disjoint from the subnet and the services;
   * kube-controller-manager gives each node a /24 of it, and Cilium uses the same ranges.
   * @default "10.10.0.0/16" (the article's `kubeadm init --pod-network-cidr`)
   */
  readonly podCidr?: string;
  /**
   * Services' ClusterIPs, an IPv4 CIDR from /12 to /28, disjoint from the subnet and the pods.
   * @default "10.96.0.0/12" (kubeadm's default; cluster DNS at 10.96.0.10)
   */
  readonly serviceCidr?: string;
  /**
   * Kubernetes minor (1.33) or exact version (1.33.1) of kubelet, kubeadm and kubectl from pkgs.k8s.io.
   * @default "1.33" (the article's)
   */
  readonly kubernetesVersion?: string;
  /**
   * CRI-O minor from the isv:cri-o stable repository; it must equal Kubernetes' minor.
   * @default "1.33" (the article's)
   */
  readonly crioVersion?: string;
  /**
   * Install kube-proxy. Turn it off only when Cilium replaces it (CiliumRelease's `kubeProxyReplacement`).
   * @default true (the article kept kube-proxy; its rules show zero hits)
   */
  readonly kubeProxy?: boolean;
}

export interface ClusterModel {
  readonly controlPlaneAddress: string;
  /** host:port of the API server, as kubeadm's controlPlaneEndpoint. */
  readonly endpoint: string;
  readonly apiServerPort: number;
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** The cluster DNS Service's ClusterIP: kubeadm takes the service range's tenth address. */
  readonly dnsServiceAddress: string;
  readonly dnsDomain: string;
  readonly kubernetesVersion: string;
  /** 1.33 of 1.33 or 1.33.1: the repositories are per minor. */
  readonly kubernetesMinor: string;
  readonly crioVersion: string;
  readonly kubeProxy: boolean;
}

/** The first Kubernetes minor (1.31) whose kubeadm reads cloud-init/'s kubeadm.k8s.io/v1beta4 configuration. */
const KUBEADM_V1BETA4_FROM = 31;

/** Address blocks that no pod or service range may use: the kernel or the VPC treat them specially. */
const SPECIAL_BLOCKS = [
  ["0.0.0.0/8", "\"this network\""],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (the metadata server lives there)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
] as const;

function checkOrdinary(range: Ipv4Cidr, setting: string): void {
  for (const [block, what] of SPECIAL_BLOCKS) {
    check(!overlaps(range, parseCidr(block, setting)), setting, `${range.text} overlaps ${block}, which is ${what}: use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`);
  }
}

/** The cluster's ranges and versions with defaults applied, checked against the nodes' subnet. */
export function resolveCluster(input: ClusterInput, subnetCidr: Ipv4Cidr): ClusterModel {
  parseAddress(input.controlPlaneAddress, "controlPlaneAddress");
  const podCidr = parseCidr(input.podCidr ?? DEFAULTS.podCidr, "podCidr");
  const serviceCidr = parseCidr(input.serviceCidr ?? DEFAULTS.serviceCidr, "serviceCidr");
  check(podCidr.bits < NODE_POD_MASK, "podCidr", `${podCidr.text} is too small: each node takes a /${NODE_POD_MASK} of it, so use /${NODE_POD_MASK - 1} or larger`);
  check(serviceCidr.bits >= 12 && serviceCidr.bits <= 28, "serviceCidr", `${serviceCidr.text}: the API server takes /12 to /28; use for example ${DEFAULTS.serviceCidr}`);
  checkOrdinary(subnetCidr, "subnetCidr");
  checkOrdinary(podCidr, "podCidr");
  checkOrdinary(serviceCidr, "serviceCidr");
  const ranges = [
    ["subnetCidr", subnetCidr],
    ["podCidr", podCidr],
    ["serviceCidr", serviceCidr],
  ] as const;
  for (const [i, [nameA, a]] of ranges.entries()) {
    for (const [nameB, b] of ranges.slice(i + 1)) {
      check(!overlaps(a, b), nameB, `${b.text} overlaps ${nameA} ${a.text}: the subnet, pod and service ranges must be disjoint`);
    }
  }
  const kubernetesVersion = input.kubernetesVersion ?? DEFAULTS.kubernetesVersion;
  const crioVersion = input.crioVersion ?? DEFAULTS.crioVersion;
  checkVersion(kubernetesVersion, "kubernetesVersion", "1.33 or 1.33.1");
  checkVersion(crioVersion, "crioVersion", "1.33", "minor");
  const kubernetesMinor = kubernetesVersion.split(".").slice(0, 2).join(".");
  const [major, minor] = kubernetesMinor.split(".").map(Number);
  check(
    major > 1 || minor >= KUBEADM_V1BETA4_FROM,
    "kubernetesVersion",
    `${kubernetesVersion}: the nodes' kubeadm configuration is kubeadm.k8s.io/v1beta4, which kubeadm reads from 1.${KUBEADM_V1BETA4_FROM}: use 1.${KUBEADM_V1BETA4_FROM} or later, such as ${DEFAULTS.kubernetesVersion}`,
  );
  check(crioVersion === kubernetesMinor, "crioVersion", `${crioVersion} does not match Kubernetes ${kubernetesMinor}: CRI-O follows Kubernetes' minor versions, use ${kubernetesMinor}`);
  return {
    controlPlaneAddress: input.controlPlaneAddress,
    endpoint: `${input.controlPlaneAddress}:${PORTS.apiServer}`,
    apiServerPort: PORTS.apiServer,
    podCidr: podCidr.text,
    serviceCidr: serviceCidr.text,
    dnsServiceAddress: addressAt(serviceCidr, 10),
    dnsDomain: DEFAULTS.dnsDomain,
    kubernetesVersion,
    kubernetesMinor,
    crioVersion,
    kubeProxy: input.kubeProxy ?? DEFAULTS.kubeProxy,
  };
}
