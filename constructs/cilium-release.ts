import { Release } from "@cdktf/provider-helm/lib/release";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { ciliumImages, resolveCilium } from "../model/cilium";
import { DEFAULTS } from "../model/defaults";
import { RELEASE_NAMES } from "../model/names";

export interface CiliumReleaseProps {
  /**
   * Exact version (x.y.z) of the `cilium` chart from https://helm.cilium.io, and of Cilium itself.
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
  static agentImage(version: string = DEFAULTS.ciliumVersion): string {
    return ciliumImages(version).agent;
  }

  /** The operator image of a Cilium version (the chart's operator-generic, outside any cloud). */
  static operatorImage(version: string = DEFAULTS.ciliumVersion): string {
    return ciliumImages(version).operator;
  }

  constructor(scope: Construct, id: string, props: CiliumReleaseProps = {}) {
    super(scope, id);
    const model = resolveCilium(props);
    this.version = model.version;
    this.values = { ...model.values };
    this.release = new Release(this, "Resource", {
      name: RELEASE_NAMES.cilium,
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
