// The public API: what another cdktf project imports from this package.
export { ClusterIdentity, ClusterIdentityProps } from "./cluster-identity";
export { SettingError } from "./errors";
export { IAP_SOURCE_RANGE, LabyrinthNetwork, LabyrinthNetworkProps } from "./labyrinth-network";
export { KubeadmClusterSettings, KubeadmNode, KubeadmNodeProps, KubeadmRole, METADATA_KEYS } from "./kubeadm-node";
