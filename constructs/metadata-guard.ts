import { Release } from "@cdktf/provider-helm/lib/release";
import { AssetType, ITerraformDependable, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { ApiWait, WaitCondition } from "./api-wait";
import { ClusterAccess } from "./cluster-access";
import { RELEASE_NAMES } from "../model/names";
import { ASSETS_ROOT } from "./template";

export interface MetadataGuardProps {
  /** How the deploy's wait for the policy's CRD reaches the API server, with the client certificate: `clusterAccess(controlPlane, identity)`. */
  readonly access: ClusterAccess;
  /** The Cilium release: its operator registers the policy's CRD. */
  readonly cilium: ITerraformDependable;
}

/**
 * Keeps pods away from the GCE metadata server (the join token and the CA key live there): a
 * CiliumClusterwideNetworkPolicy that denies egress to 169.254.169.254 tcp 80 and nothing else.
 * Cilium's chart ships no CRDs (its operator registers them at runtime), so the policy is a small
 * local chart of its own, installed once the CRD is served.
 */
export class MetadataGuard extends Construct {
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: MetadataGuardProps) {
    super(scope, id);
    const crd = new ApiWait(this, "CrdServed", {
      access: props.access,
      condition: WaitCondition.crdEstablished("ciliumclusterwidenetworkpolicies.cilium.io"),
      timeoutSeconds: 300,
      hint: "is cilium-operator running? kubectl -n kube-system get pods -l name=cilium-operator",
      dependsOn: [props.cilium],
    });
    const chart = new TerraformAsset(this, "Chart", { path: `${ASSETS_ROOT}/charts/metadata-guard`, type: AssetType.DIRECTORY });
    this.release = new Release(this, "Resource", {
      name: RELEASE_NAMES.metadataGuard,
      chart: chart.path,
      namespace: "kube-system",
      wait: true,
      dependsOn: [props.cilium, crd.resource],
    });
  }
}
