import { Release } from "@cdktf/provider-helm/lib/release";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { CiliumInput, resolveCilium } from "../model/cilium";
import { DEFAULTS } from "../model/defaults";
import { HelmValues } from "../model/helm-values";
import { IKubeadmControlPlane } from "./kubeadm-node";

/** A CiliumRelease: Cilium's own settings (CiliumInput, documented in the model) and where it goes. */
export interface CiliumReleaseProps extends Omit<CiliumInput, "cluster"> {
  /**
   * The cluster's control plane (a KubeadmNode, or your own as IKubeadmControlPlane). Given, it
   * decides `kubeProxyReplacement` (the opposite of the cluster's `kubeProxy`, and a contradiction
   * stops synth) and `apiServerHost` (its internal address).
   * @default none: the cluster's kube-proxy setting is not checked
   */
  readonly controlPlane?: IKubeadmControlPlane;
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
      timeout: props.timeoutSeconds ?? DEFAULTS.ciliumRolloutSeconds,
      dependsOn: props.dependsOn,
    });
  }
}
