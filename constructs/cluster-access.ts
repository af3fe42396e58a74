/**
 * How Terraform reaches a cluster's API server: the endpoint, the CA it trusts, and an admin
 * client certificate. In this lab, ClusterIdentity made all of it and the infrastructure stack
 * exports it.
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
}
