// The public API: what another cdktf project imports from this package.
export { ApiWait, ApiWaitProps, WaitCondition } from "./api-wait";
export { CiliumRelease, CiliumReleaseProps } from "./cilium-release";
export { ClientCredentialsFile, ClusterAccess, clusterAccess } from "./cluster-access";
export { ClusterIdentity, ClusterIdentityProps, IClusterIdentity } from "./cluster-identity";
export { ConnectivityCheck, ConnectivityCheckProps } from "./connectivity-check";
export { IKubeadmControlPlane, KubeadmClusterSettings, KubeadmNode, KubeadmNodeProps, KubeadmRole } from "./kubeadm-node";
export { INodeNetwork, LabyrinthNetwork, LabyrinthNetworkProps } from "./labyrinth-network";
export { MetadataGuard, MetadataGuardProps } from "./metadata-guard";
export { MetadataKeyRemoval, MetadataKeyRemovalProps } from "./metadata-key-removal";
export { ProbeWorkload, ProbeWorkloadProps } from "./probe-workload";
export { CILIUM_CHART_VERSIONS } from "../model/cilium-chart";
export { ClusterModel } from "../model/cluster";
export { DEFAULTS, IAP_SOURCE_RANGE, PORTS } from "../model/defaults";
export { SettingError } from "../model/errors";
export { HelmValue, HelmValues } from "../model/helm-values";
export { Lifetime, parseLifetime } from "../model/lifetime";
export { METADATA_KEYS, probeNames } from "../model/names";
export { NO_SPOT_FAMILIES } from "../model/node";
