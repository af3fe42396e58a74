import { Aspects } from "cdktf";
import { IConstruct } from "constructs";
import { ClusterModel, resolveCluster } from "../model/cluster";
import { check } from "../model/errors";
import { parseCidr } from "../model/ipv4";
import type { IKubeadmControlPlane } from "./kubeadm-node";

/**
 * A node's place in its cluster, checked at synth: each mistake here would otherwise surface only
 * on the VM, after a worker's 20-minute wait for a control plane that never answers.
 */
interface WiredNode extends IKubeadmControlPlane {
  readonly cluster: ClusterModel;
}

/** The settings a worker and its control plane must agree on, as KubeadmClusterSettings names them. */
const SHARED_SETTINGS = ["podCidr", "serviceCidr", "kubernetesVersion", "crioVersion", "kubeProxy"] as const;

/** Every control-plane KubeadmNode of an app so far, for the workers that name none. */
const controlPlanesOf = new WeakMap<IConstruct, WiredNode[]>();

/**
 * Checks a node as it is built, and calls `join` with a worker's control plane: the one it names,
 * at once, or else the one found at synth, when the app is complete.
 */
export function checkWiring(node: WiredNode & IConstruct, controlPlane: IKubeadmControlPlane | undefined, join: (controlPlane: IKubeadmControlPlane) => void): void {
  const { cluster } = node;
  if (node.role === "control-plane") {
    check(controlPlane === undefined, "controlPlane", "only a worker joins a control plane: remove controlPlane from the control plane");
    check(
      node.internalAddress === cluster.controlPlaneAddress,
      "internalAddress",
      `${node.internalAddress} is not the cluster's controlPlaneAddress ${cluster.controlPlaneAddress}: the workers would look for the API server there; give the control plane that address`,
    );
    const root = node.node.root;
    controlPlanesOf.set(root, [...(controlPlanesOf.get(root) ?? []), node]);
    return;
  }
  if (controlPlane) {
    checkJoin(node, controlPlane);
    join(controlPlane);
    return;
  }
  // The control plane may be built after the worker: look for it once the app is complete.
  Aspects.of(node).add({
    visit: (construct) => {
      if (construct !== node) return;
      const found = (controlPlanesOf.get(node.node.root) ?? []).find(
        (candidate) => candidate.network === node.network && candidate.internalAddress === cluster.controlPlaneAddress,
      );
      check(
        found !== undefined,
        "cluster.controlPlaneAddress",
        `worker ${node.name} joins the API server at ${cluster.controlPlaneAddress}, but no control-plane KubeadmNode of network ${node.network.name} has that address: build one there, or pass your own as controlPlane`,
      );
      checkJoin(node, found);
      join(found);
    },
  });
}

/** A worker and the control plane it joins: one network, one identity, the same cluster settings. */
function checkJoin(worker: WiredNode, controlPlane: IKubeadmControlPlane): void {
  const { cluster } = worker;
  check(controlPlane.role === "control-plane", "controlPlane", `${controlPlane.name} is a ${controlPlane.role}: pass the cluster's control plane`);
  check(
    controlPlane.internalAddress === cluster.controlPlaneAddress,
    "controlPlane",
    `${controlPlane.name} is at ${controlPlane.internalAddress}, not at the cluster's controlPlaneAddress ${cluster.controlPlaneAddress}: pass the same cluster settings to every node`,
  );
  check(controlPlane.network === worker.network, "controlPlane", `${controlPlane.name} is in network ${controlPlane.network.name}, worker ${worker.name} in ${worker.network.name}: put both in one network`);
  check(controlPlane.identity === worker.identity, "controlPlane", `${controlPlane.name} has another cluster identity than worker ${worker.name}: pass the same identity to every node`);
  const theirs = resolveCluster(controlPlane.cluster, parseCidr(worker.network.subnetCidr, "subnetCidr"));
  for (const setting of SHARED_SETTINGS) {
    check(
      theirs[setting] === cluster[setting],
      `cluster.${setting}`,
      `${controlPlane.name} was built with ${theirs[setting]}, worker ${worker.name} with ${cluster[setting]}: pass the same cluster settings to every node`,
    );
  }
}
