import { Release } from "@cdktf/provider-helm/lib/release";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { ciliumImages, resolveCilium } from "../model/cilium";
import { DEFAULTS } from "../model/defaults";
import { HelmValues } from "../model/helm-values";
import { IKubeadmControlPlane } from "./kubeadm-node";

export interface CiliumReleaseProps {
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
   * The cluster's control plane (a KubeadmNode, or your own as IKubeadmControlPlane). Given, it
   * decides `kubeProxyReplacement` (the opposite of the cluster's `kubeProxy`, and a contradiction
   * stops synth) and `apiServerHost` (its internal address).
   * @default none: the cluster's kube-proxy setting is not checked
   */
  readonly controlPlane?: IKubeadmControlPlane;
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
  public readonly releaseName: string;
  /** The chart values, as Helm receives them. */
  public readonly values: HelmValues;
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
    const { controlPlane } = props;
    const model = resolveCilium({
      ...props,
      cluster: controlPlane && {
        controlPlane: controlPlane.name,
        controlPlaneAddress: controlPlane.internalAddress,
        kubeProxy: controlPlane.cluster.kubeProxy ?? DEFAULTS.kubeProxy,
      },
    });
    this.version = model.version;
    this.releaseName = model.releaseName;
    this.values = model.values;
    this.release = new Release(this, "Resource", {
      name: model.releaseName,
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
