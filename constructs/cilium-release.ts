import { Release } from "@cdktf/provider-helm/lib/release";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { check } from "./errors";
import { parseAddress } from "./ipv4";
import { VXLAN_PORT } from "./lab-names";
import { checkVersion } from "./names";

export interface CiliumReleaseProps {
  /**
   * Version of the `cilium` chart from https://helm.cilium.io (and of Cilium itself).
   * @default "1.17.4" (the article's)
   */
  readonly version?: string;
  /**
   * Replace kube-proxy with Cilium's eBPF service handling. The cluster must then be built
   * without kube-proxy (KubeadmNode's `kubeProxy: false`), and `apiServerHost` is required.
   * @default false (the article kept kube-proxy; its iptables rules show zero hits)
   */
  readonly kubeProxyReplacement?: boolean;
  /**
   * The API server's internal address, which Cilium must reach without kube-proxy's Service.
   * @default none (required with kubeProxyReplacement)
   */
  readonly apiServerHost?: string;
  /**
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
   * Replicas of cilium-operator.
   * @default 1 (one control plane: a second replica would only wait for a node)
   */
  readonly operatorReplicas?: number;
  /**
   * Seconds Helm waits for the rollout.
   * @default 900
   */
  readonly timeoutSeconds?: number;
  /**
   * What must exist first (the API server's readiness wait).
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Cilium by Helm, with the article's datapath as default: VXLAN tunnel on udp 8472, kube-proxy
 * kept, Hubble on. Pod addresses come from Kubernetes (`ipam.mode: kubernetes`): each node's
 * podCIDR, carved by kube-controller-manager from kubeadm's pod subnet, so there is one
 * allocator and one range, never the chart's default pool 10.0.0.0/8 (which holds the VPC's
 * and the services' ranges).
 */
export class CiliumRelease extends Construct {
  public readonly version: string;
  /** The chart values, as Helm receives them. */
  public readonly values: Record<string, unknown>;
  public readonly release: Release;

  /** The agent image of a Cilium version (what the nodes can pull early). */
  static agentImage(version = "1.17.4"): string {
    return `quay.io/cilium/cilium:v${version}`;
  }

  /** The operator image of a Cilium version (the chart's operator-generic, outside any cloud). */
  static operatorImage(version = "1.17.4"): string {
    return `quay.io/cilium/operator-generic:v${version}`;
  }

  constructor(scope: Construct, id: string, props: CiliumReleaseProps = {}) {
    super(scope, id);
    this.version = props.version ?? "1.17.4";
    checkVersion(this.version, "version", "1.17.4");
    const replacement = props.kubeProxyReplacement ?? false;
    const port = props.apiServerPort ?? 6443;
    check(!replacement || props.apiServerHost !== undefined, "apiServerHost", "kube-proxy replacement needs the API server's internal address: set apiServerHost");
    if (props.apiServerHost !== undefined) parseAddress(props.apiServerHost, "apiServerHost");
    check(Number.isInteger(port) && port > 0 && port < 65536, "apiServerPort", `${port} is not a port`);
    const replicas = props.operatorReplicas ?? 1;
    check(Number.isInteger(replicas) && replicas >= 1, "operatorReplicas", "must be a whole number, at least 1");
    const hubble = props.hubble ?? true;
    const relay = props.hubbleRelay ?? false;
    check(hubble || !relay, "hubbleRelay", "Hubble Relay needs Hubble: set hubble too");

    this.values = {
      routingMode: "tunnel",
      tunnelProtocol: "vxlan",
      tunnelPort: VXLAN_PORT,
      ipam: { mode: "kubernetes" },
      // A string, as the chart documents it ("true"/"false").
      kubeProxyReplacement: String(replacement),
      ...(replacement
        ? {
            k8sServiceHost: props.apiServerHost,
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
    this.release = new Release(this, "Resource", {
      name: "cilium",
      repository: "https://helm.cilium.io",
      chart: "cilium",
      version: this.version,
      namespace: "kube-system",
      values: [stringify(this.values)],
      wait: true,
      timeout: props.timeoutSeconds ?? 900,
      dependsOn: props.dependsOn,
    });
  }
}
