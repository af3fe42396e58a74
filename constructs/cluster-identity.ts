import { Password } from "@cdktf/provider-random/lib/password";
import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { Construct } from "constructs";
import { check } from "./errors";

export interface ClusterIdentityProps {
  /**
   * Lifetime of the kubeadm bootstrap token, in hours: workers can join while it lives.
   * Keep it at least as long as the lab lives, so a recreated worker can still join.
   * @default 24 (kubeadm's default)
   */
  readonly tokenTtlHours?: number;
  /**
   * Validity of the cluster CA, in hours. The CA is never renewed early: a renewal would replace it.
   * @default 87600 (10 years, as kubeadm)
   */
  readonly caValidityHours?: number;
  /**
   * Validity of the admin client certificate, in hours.
   * @default 8760 (1 year, as kubeadm's admin.conf)
   */
  readonly adminValidityHours?: number;
}

/**
 * The cluster's identity, made by Terraform before any VM exists: the kubeadm
 * bootstrap token, the cluster CA, and an admin client certificate signed by it
 * (group system:masters, so it works the moment the API server does).
 * Every value here is sensitive and lives in Terraform state.
 */
export class ClusterIdentity extends Construct {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`, for kubeadm's bootstrapTokens and JoinConfiguration. */
  public readonly token: string;
  public readonly tokenTtlHours: number;
  public readonly caCertPem: string;
  public readonly caKeyPem: string;
  public readonly adminCertPem: string;
  public readonly adminKeyPem: string;

  constructor(scope: Construct, id: string, props: ClusterIdentityProps = {}) {
    super(scope, id);
    this.tokenTtlHours = props.tokenTtlHours ?? 24;
    const caHours = props.caValidityHours ?? 87600;
    const adminHours = props.adminValidityHours ?? 8760;
    // kubeadm reads "0" as a token that never expires: always keep a bound.
    check(Number.isInteger(this.tokenTtlHours) && this.tokenTtlHours >= 1, "tokenTtlHours", "must be a whole number of hours, at least 1");
    check(Number.isInteger(caHours) && caHours >= 24, "caValidityHours", "must be a whole number of hours, at least 24");
    check(Number.isInteger(adminHours) && adminHours >= 1, "adminValidityHours", "must be a whole number of hours, at least 1");

    const tokenPart = (partId: string, length: number) =>
      new Password(this, partId, { length, upper: false, special: false, lower: true, numeric: true });
    this.token = `${tokenPart("TokenId", 6).result}.${tokenPart("TokenSecret", 16).result}`;

    const caKey = new PrivateKey(this, "CaKey", { algorithm: "RSA", rsaBits: 2048 });
    const ca = new SelfSignedCert(this, "Ca", {
      privateKeyPem: caKey.privateKeyPem,
      subject: [{ commonName: "kubernetes" }],
      isCaCertificate: true,
      validityPeriodHours: caHours,
      earlyRenewalHours: 0,
      allowedUses: ["cert_signing", "key_encipherment", "digital_signature"],
    });
    this.caKeyPem = caKey.privateKeyPem;
    this.caCertPem = ca.certPem;

    const adminKey = new PrivateKey(this, "AdminKey", { algorithm: "RSA", rsaBits: 2048 });
    const adminRequest = new CertRequest(this, "AdminRequest", {
      privateKeyPem: adminKey.privateKeyPem,
      subject: [{ commonName: "labyrinth-admin", organization: "system:masters" }],
    });
    const admin = new LocallySignedCert(this, "Admin", {
      certRequestPem: adminRequest.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: adminHours,
      earlyRenewalHours: 0,
      allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
    });
    this.adminKeyPem = adminKey.privateKeyPem;
    this.adminCertPem = admin.certPem;
  }
}
