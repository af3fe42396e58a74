import { check } from "./errors";
import { checkVersion } from "./checks";
import { DEFAULTS, PORTS } from "./defaults";
import { parseAddress } from "./ipv4";

/** Cilium as a CiliumRelease takes it; every optional field has the article's default. */
export interface CiliumInput {
  readonly version?: string;
  readonly kubeProxyReplacement?: boolean;
  readonly apiServerHost?: string;
  readonly apiServerPort?: number;
  readonly hubble?: boolean;
  readonly hubbleRelay?: boolean;
  readonly operatorReplicas?: number;
}

export interface CiliumModel {
  readonly version: string;
  /** The chart values, as Helm receives them. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The agent's and the operator's images, which nodes can pull early. */
  readonly images: { readonly agent: string; readonly operator: string };
}

/** The agent and operator images of a Cilium version (the operator is the chart's operator-generic, outside any cloud). */
export function ciliumImages(version: string): CiliumModel["images"] {
  return { agent: `quay.io/cilium/cilium:v${version}`, operator: `quay.io/cilium/operator-generic:v${version}` };
}

/**
 * Cilium's chart values for the article's datapath: VXLAN tunnel, kube-proxy kept unless replaced,
 * Hubble on. Pod addresses come from Kubernetes (`ipam.mode: kubernetes`): each node's podCIDR,
 * carved by kube-controller-manager from kubeadm's pod subnet, so there is one allocator and one
 * range, never the chart's default pool 10.0.0.0/8 (which holds the VPC's and the services' ranges).
 */
export function resolveCilium(input: CiliumInput): CiliumModel {
  const version = input.version ?? DEFAULTS.ciliumVersion;
  checkVersion(version, "version", DEFAULTS.ciliumVersion, "exact");
  const replacement = input.kubeProxyReplacement ?? false;
  const port = input.apiServerPort ?? PORTS.apiServer;
  check(!replacement || input.apiServerHost !== undefined, "apiServerHost", "kube-proxy replacement needs the API server's internal address: set apiServerHost");
  if (input.apiServerHost !== undefined) parseAddress(input.apiServerHost, "apiServerHost");
  check(Number.isInteger(port) && port > 0 && port < 65536, "apiServerPort", `${port} is not a port`);
  // One control plane: a second operator replica would only wait for a node.
  const replicas = input.operatorReplicas ?? 1;
  check(Number.isInteger(replicas) && replicas >= 1, "operatorReplicas", "must be a whole number, at least 1");
  const hubble = input.hubble ?? true;
  const relay = input.hubbleRelay ?? false;
  check(hubble || !relay, "hubbleRelay", "Hubble Relay needs Hubble: set hubble too");
  return {
    version,
    images: ciliumImages(version),
    values: {
      routingMode: "tunnel",
      tunnelProtocol: "vxlan",
      tunnelPort: PORTS.vxlan,
      ipam: { mode: "kubernetes" },
      // A string, as the chart documents it ("true"/"false").
      kubeProxyReplacement: String(replacement),
      ...(replacement
        ? {
            k8sServiceHost: input.apiServerHost,
            k8sServicePort: port,
            // Pods' connect() is not rewritten at the socket, so the journey still sees the
            // ClusterIP leave the pod and the rewrite happen at its lxc interface.
            socketLB: { hostNamespaceOnly: true },
          }
        : {}),
      hubble: { enabled: hubble, relay: { enabled: relay } },
      // Every trace event, not the chart's "medium" aggregation, which sends no from-* event at all:
      // Hubble then shows the packet leave the pod still addressed to the ClusterIP (from-endpoint)
      // and arrive from the tunnel (from-overlay), the journey's hops 1 and 5. The cost is a monitor
      // event per packet, nothing on a lab that carries a handful of flows.
      bpf: { monitorAggregation: "none" },
      // 0: detected from the node's interface (1460 on GCE), minus the VXLAN overhead.
      MTU: 0,
      operator: { replicas },
    },
  };
}
