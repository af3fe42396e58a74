import { check } from "./errors";
import { checkDnsLabel, checkVersion } from "./checks";
import { checkChartValues, checkChartVersion } from "./cilium-chart";
import { DEFAULTS, PORTS } from "./defaults";
import { HelmValues, mergeValues, withDefaults } from "./helm-values";
import { parseAddress } from "./ipv4";
import { RELEASE_NAMES } from "./names";

/** Cilium as a CiliumRelease takes it; every optional field has the article's default. */
export interface CiliumInput {
  /**
   * Exact version (x.y.z) of the `cilium` chart from https://helm.cilium.io, and of Cilium itself:
   * one whose value keys ship with this library (`CILIUM_CHART_VERSIONS`: 1.17.4, 1.18.12, 1.19.6),
   * since every value is checked against them.
   * @default "1.17.4" (the article's)
   */
  readonly version?: string;
  /**
   * Name of the Helm release, in kube-system: a Kubernetes name of at most 53 characters.
   * @default "cilium"
   */
  readonly releaseName?: string;
  /**
   * Replace kube-proxy with Cilium's eBPF service handling. The cluster must then be built
   * without kube-proxy (KubeadmNode's `cluster.kubeProxy: false`), and `apiServerHost` is required.
   * @default the opposite of the control plane's `cluster.kubeProxy`; without `controlPlane`,
   * false (the article kept kube-proxy; its iptables rules show zero hits)
   */
  readonly kubeProxyReplacement?: boolean;
  /**
   * The API server's internal address, which Cilium must reach without kube-proxy's Service.
   * @default the control plane's internal address; without `controlPlane`, none (then required
   * with kubeProxyReplacement)
   */
  readonly apiServerHost?: string;
  /**
   * The API server's port, with `apiServerHost`.
   * @default 6443
   */
  readonly apiServerPort?: number;
  /**
   * Hubble, Cilium's flow observer, on every node.
   * @default true
   */
  readonly hubble?: boolean;
  /**
   * Hubble Relay, the cluster-wide view of Hubble's flows (needs tcp 4244 between nodes).
   * @default false
   */
  readonly hubbleRelay?: boolean;
  /**
   * Replicas of cilium-operator, a whole number from 1.
   * @default 1 (one control plane: a second replica would only wait for a node)
   */
  readonly operatorReplicas?: number;
  /**
   * More chart values, nested as in the chart's values.yaml, laid over the typed ones: for example
   * `{ hubble: { ui: { enabled: true } } }`, or `{ bpf: { monitorAggregation: "medium" } }` for the
   * chart's aggregation instead of the release's default `none` (a Hubble trace at every hop, which
   * the journey shows). Each key must be one
   * of the chart version's own (a typo stops synth, naming the key and the version); below a map
   * whose keys are the user's (`nodeSelector`, `podAnnotations`, …) anything goes. A value that a
   * typed prop sets, or that the lab's datapath fixes (`routingMode`, `tunnelProtocol`,
   * `tunnelPort`, `ipam.mode`, `MTU`), is refused.
   * @default {}
   */
  readonly values?: HelmValues;
  /**
   * Internal, not a prop: the cluster Cilium goes into, when known (its kube-proxy setting decides
   * the replacement). CiliumRelease fills it from its `controlPlane`; CiliumReleaseProps leaves it out.
   * @internal
   */
  readonly cluster?: { readonly controlPlane: string; readonly controlPlaneAddress: string; readonly kubeProxy: boolean };
}

export interface CiliumModel {
  readonly version: string;
  readonly releaseName: string;
  /** The chart values, as Helm receives them. */
  readonly values: HelmValues;
  /** The agent's and the operator's images, which nodes can pull early. */
  readonly images: { readonly agent: string; readonly operator: string };
}

/**
 * Values the lab chooses that `values` may override. Every trace event, not the chart's "medium"
 * aggregation, which sends no from-* event at all: Hubble then shows the packet leave the pod still
 * addressed to the ClusterIP (from-endpoint) and arrive from the tunnel (from-overlay), the
 * journey's hops 1 and 5. The cost is a monitor event per packet, nothing on a lab that carries a
 * handful of flows.
 */
const LAB_DEFAULTS: HelmValues = { bpf: { monitorAggregation: "none" } };

/** Helm's limit on a release name. */
const RELEASE_NAME_LENGTH = 53;

/** The typed props behind the values CiliumRelease sets; a value with none is the lab's datapath, fixed. */
const PROP_OF_VALUE: Record<string, string> = {
  kubeProxyReplacement: "kubeProxyReplacement",
  k8sServiceHost: "apiServerHost",
  k8sServicePort: "apiServerPort",
  "socketLB.hostNamespaceOnly": "kubeProxyReplacement",
  "hubble.enabled": "hubble",
  "hubble.relay.enabled": "hubbleRelay",
  "operator.replicas": "operatorReplicas",
};

/** The agent and operator images of a Cilium version (the operator is the chart's operator-generic, outside any cloud). */
export function ciliumImages(version: string): CiliumModel["images"] {
  return { agent: `quay.io/cilium/cilium:v${version}`, operator: `quay.io/cilium/operator-generic:v${version}` };
}

/** Refuses a kube-proxy replacement that the cluster's kube-proxy setting contradicts. */
function checkKubeProxy(replacement: boolean, cluster: CiliumInput["cluster"]): void {
  if (!cluster) return;
  check(
    replacement !== cluster.kubeProxy,
    "kubeProxyReplacement",
    replacement
      ? `true, but the cluster of ${cluster.controlPlane} runs kube-proxy (its kubeProxy is true): build the cluster with kubeProxy: false, or leave kubeProxyReplacement out`
      : `false, but the cluster of ${cluster.controlPlane} runs no kube-proxy (its kubeProxy is false), so nothing would serve Services: set kubeProxyReplacement, or leave it out`,
  );
}

/**
 * Cilium's chart values for the article's datapath: VXLAN tunnel, kube-proxy kept unless replaced,
 * Hubble on. Pod addresses come from Kubernetes (`ipam.mode: kubernetes`): each node's podCIDR,
 * carved by kube-controller-manager from kubeadm's pod subnet, so there is one allocator and one
 * range, never the chart's default pool 10.0.0.0/8 (which holds the VPC's and the services' ranges).
 * Every value, typed or not, is checked against the keys of the chart's own values.yaml.
 */
export function resolveCilium(input: CiliumInput): CiliumModel {
  const version = input.version ?? DEFAULTS.ciliumVersion;
  checkVersion(version, "version", DEFAULTS.ciliumVersion, "exact");
  checkChartVersion(version, "version");
  const releaseName = input.releaseName ?? RELEASE_NAMES.cilium;
  checkDnsLabel(releaseName, "releaseName");
  check(releaseName.length <= RELEASE_NAME_LENGTH, "releaseName", `"${releaseName}" is longer than Helm's ${RELEASE_NAME_LENGTH} characters: use a shorter name`);
  const { cluster } = input;
  const replacement = input.kubeProxyReplacement ?? !(cluster?.kubeProxy ?? DEFAULTS.kubeProxy);
  checkKubeProxy(replacement, cluster);
  const apiServerHost = input.apiServerHost ?? cluster?.controlPlaneAddress;
  const port = input.apiServerPort ?? PORTS.apiServer;
  check(!replacement || apiServerHost !== undefined, "apiServerHost", "kube-proxy replacement needs the API server's internal address: set apiServerHost, or pass the control plane");
  if (apiServerHost !== undefined) parseAddress(apiServerHost, "apiServerHost");
  check(Number.isInteger(port) && port > 0 && port < 65536, "apiServerPort", `${port} is not a port`);
  const replicas = input.operatorReplicas ?? DEFAULTS.ciliumOperatorReplicas;
  check(Number.isInteger(replicas) && replicas >= 1, "operatorReplicas", "must be a whole number, at least 1");
  const hubble = input.hubble ?? DEFAULTS.hubble;
  const relay = input.hubbleRelay ?? DEFAULTS.hubbleRelay;
  check(hubble || !relay, "hubbleRelay", "Hubble Relay needs Hubble: set hubble too");
  const typed: HelmValues = {
    routingMode: "tunnel",
    tunnelProtocol: "vxlan",
    tunnelPort: PORTS.vxlan,
    ipam: { mode: "kubernetes" },
    // A string, as the chart documents it ("true"/"false").
    kubeProxyReplacement: String(replacement),
    ...(replacement
      ? {
          k8sServiceHost: apiServerHost!,
          k8sServicePort: port,
          // Pods' connect() is not rewritten at the socket, so the journey still sees the
          // ClusterIP leave the pod and the rewrite happen at its lxc interface.
          socketLB: { hostNamespaceOnly: true },
        }
      : {}),
    hubble: { enabled: hubble, relay: { enabled: relay } },
    // 0: detected from the node's interface (1460 on GCE), minus the VXLAN overhead.
    MTU: 0,
    operator: { replicas },
  };
  const { values: set, conflict } = mergeValues(typed, input.values ?? {});
  if (conflict !== undefined) {
    const prop = PROP_OF_VALUE[conflict];
    check(false, "values", `${conflict} is set by CiliumRelease itself: ${prop ? `use its ${prop} prop` : "the lab's datapath needs it as it is"}, and leave it out of values`);
  }
  const values = withDefaults(set, LAB_DEFAULTS);
  // The typed values too: a chart version added here that lacks one fails its tests at once.
  checkChartValues(values, version, "values");
  return { version, releaseName, images: ciliumImages(version), values };
}
