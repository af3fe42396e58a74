import { PORTS } from "../model/defaults";
import { check } from "../model/errors";
import type { IClusterAdmin } from "./cluster-identity";
import type { IKubeadmControlPlane } from "./kubeadm-node";

/**
 * How Terraform reaches a cluster's API server: the endpoint, the CA it trusts, and an admin
 * client certificate. `clusterAccess()` makes it from a control plane and its identity.
 */
export interface ClusterAccess {
  /** https://host:port */
  readonly endpoint: string;
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /**
   * Where commands that Terraform runs on the deployer's machine (ApiWait's) read the client
   * certificate and key, so that neither sits in a provisioner's environment or command: there, a
   * sensitive value makes Terraform hide every line the command prints.
   * @default none: waits that need a client certificate are refused
   */
  readonly clientCredentialsFile?: ClientCredentialsFile;
}

/** A local Terraform state file and the names of its outputs that hold a client certificate and key (PEM). */
export interface ClientCredentialsFile {
  readonly statePath: string;
  readonly certificateOutput: string;
  readonly keyOutput: string;
  /**
   * The id of the stack whose state it is: a wait in that same stack is refused, since the stack's
   * apply writes its outputs only as it ends.
   * @default none: not checked
   */
  readonly stack?: string;
}

/**
 * How Terraform reaches the cluster of `controlPlane`: its external address on the API server's
 * port, the cluster CA and the admin client certificate of `identity`, and, when a local state
 * file holds them, where deploy-time waits read that certificate and key (with none, as for an
 * identity whose stack keeps its state in a remote backend, the access serves the API server's
 * readiness wait, and a wait that needs the certificate is refused where it is built). Works
 * across stacks: in another stack, cdktf passes each value through the identity's stack's outputs.
 */
export function clusterAccess(controlPlane: IKubeadmControlPlane, identity: IClusterAdmin): ClusterAccess {
  check(controlPlane.role === "control-plane", "controlPlane", `${controlPlane.name} is a ${controlPlane.role}: pass the cluster's control plane`);
  check(controlPlane.identity.caCertPem === identity.caCertPem, "identity", `${controlPlane.name} trusts another cluster identity: pass the identity its nodes were built with`);
  const credentials = identity.adminCredentialsFile?.();
  return {
    endpoint: `https://${controlPlane.externalAddress}:${PORTS.apiServer}`,
    caCertPem: identity.caCertPem,
    clientCertPem: identity.adminCertPem,
    clientKeyPem: identity.adminKeyPem,
    ...(credentials ? { clientCredentialsFile: credentials } : {}),
  };
}
