/**
 * The article's values: every default of the lab and of its constructs, written once. The
 * constructs fall back on these when a prop is left out; the lab's settings start from them.
 */

/** Google's range for IAP TCP forwarding: what `gcloud compute ssh --tunnel-through-iap` comes from. */
export const IAP_SOURCE_RANGE = "35.235.240.0/20";

export const DEFAULTS = {
  /** Lab name: the network, the prefix of every resource, the stacks. */
  name: "labyrinth",
  /** Northern Virginia, as in the article; VMs in its zone b. */
  region: "us-east4",
  zoneLetter: "b",
  subnetCidr: "10.168.0.0/24",
  /** The article's `kubeadm init --pod-network-cidr`. */
  podCidr: "10.10.0.0/16",
  /** kubeadm's default; cluster DNS is its tenth address. */
  serviceCidr: "10.96.0.0/12",
  dnsDomain: "cluster.local",
  workers: 2,
  machineType: "e2-medium",
  /** Ubuntu 24.04 LTS, x86-64. */
  image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64",
  diskSizeGb: 32,
  diskType: "pd-standard",
  sshSourceRanges: [IAP_SOURCE_RANGE],
  /** Every request is authenticated, and the deployer's Terraform must reach it. */
  apiSourceRanges: ["0.0.0.0/0"],
  kubernetesVersion: "1.33",
  crioVersion: "1.33",
  /** The article's versions: Kubernetes and CRI-O 1.33 are past their end of life (2026-06-28). */
  ciliumVersion: "1.17.4",
  /** The article kept kube-proxy (its iptables rules show zero hits). */
  kubeProxy: true,
  /**
   * A public, maintained network-debugging image with tshark, dumpcap, socat, nc, nsenter and
   * iptables, pinned by tag: the probes', and the journey's capture pods'.
   */
  probeImage: "docker.io/nicolaka/netshoot:v0.16",
  /** The probes echo on their port; off, it is left to the article's `nc -l`. */
  probeListener: true,
  /** Standard VMs, as the article's. */
  spot: false,
  /** Hubble on every node; Hubble Relay off (it needs tcp 4244 between nodes). */
  hubble: true,
  hubbleRelay: false,
  /** One control plane: a second cilium-operator replica would only wait for a node. */
  ciliumOperatorReplicas: 1,
  ttl: "4h",
  /** Seconds a worker waits for the control plane to become joinable. */
  joinWaitSeconds: 1200,
  /**
   * Seconds a deploy waits for the API server: the article's 32 GB pd-standard disk (about
   * 3.8 MiB/s, 48 write IOPS) makes a first boot slow, as packages, images and etcd share it.
   */
  apiWaitSeconds: 1800,
  /** Seconds Helm waits for Cilium's rollout. */
  ciliumRolloutSeconds: 900,
  /** Seconds the connectivity check's Job may run. */
  connectivityCheckSeconds: 300,
} as const;

/**
 * The newer version set the tests prove as they prove the article's: Kubernetes 1.35 (supported until
 * 2027-02-28) with its CRI-O, and the newest Cilium whose e2e tests cover it (1.19 tests Kubernetes
 * 1.32 to 1.35; 1.18 stops at 1.33). kubeadm reads the same v1beta4 configuration.
 */
export const CURRENT_VERSIONS = { kubernetesVersion: "1.35", crioVersion: "1.35", ciliumVersion: "1.19.6" } as const;

export const PORTS = {
  ssh: 22,
  apiServer: 6443,
  kubelet: 10250,
  /** Cilium's VXLAN tunnel: the Linux default, as in the article's captures. */
  vxlan: 8472,
  /** cilium-health between nodes. */
  health: 4240,
  /** Hubble's peer service, for Hubble Relay. */
  hubblePeer: 4244,
  /** The probes answer on it, TCP and UDP. */
  probe: 9999,
  dns: 53,
} as const;

/** Google Cloud's VPC MTU, which the network sets and Cilium detects. */
export const NETWORK_MTU = 1460;

/** What VXLAN adds to each packet: outer Ethernet, IPv4, UDP and the VXLAN header. */
export const VXLAN_OVERHEAD = 50;

/** kube-controller-manager's default for IPv4 (`--node-cidr-mask-size`): a /24 per node. */
export const NODE_POD_MASK = 24;
