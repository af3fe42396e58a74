// The public API: what another cdktf project imports from this package.
export { ApiWait, ApiWaitProps, WaitCondition } from "./api-wait";
export { CiliumRelease, CiliumReleaseProps } from "./cilium-release";
export { ClientCredentialsFile, ClusterAccess } from "./cluster-access";
export { ClusterIdentity, ClusterIdentityProps } from "./cluster-identity";
export { ConnectivityCheck, ConnectivityCheckProps } from "./connectivity-check";
export { SettingError } from "./errors";
export { DEFAULT_PROBE_IMAGE, PROBE_PORT, probeNames, VXLAN_PORT } from "./lab-names";
export { IAP_SOURCE_RANGE, LabyrinthNetwork, LabyrinthNetworkProps } from "./labyrinth-network";
export { KubeadmClusterSettings, KubeadmNode, KubeadmNodeProps, KubeadmRole, METADATA_KEYS, NO_SPOT_FAMILIES } from "./kubeadm-node";
export { Lifetime, parseLifetime } from "./lifetime";
export { MetadataGuard, MetadataGuardProps } from "./metadata-guard";
export { MetadataKeyRemoval, MetadataKeyRemovalProps } from "./metadata-key-removal";
export { ProbeWorkload, ProbeWorkloadProps } from "./probe-workload";
