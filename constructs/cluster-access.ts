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
}
