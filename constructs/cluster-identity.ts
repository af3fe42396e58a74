import { Password } from "@cdktf/provider-random/lib/password";
import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { IdentityInput, resolveIdentity } from "../model/identity";
import { ClientCredentialsFile } from "./cluster-access";
import { localStatePath } from "./local-state";

/** A ClusterIdentity: its admin's name and its lifetimes (IdentityInput, documented in the model). */
export interface ClusterIdentityProps extends IdentityInput {}

/**
 * What a KubeadmNode needs of the cluster's identity. A ClusterIdentity is one; values of your
 * own (from another stack's outputs, say) can be passed the same way.
 */
export interface IClusterIdentity {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`, for kubeadm's bootstrapTokens and JoinConfiguration. */
  readonly token: string;
  /** How long the token lives, in hours, from the control plane's last boot. */
  readonly tokenTtlHours: number;
  readonly caCertPem: string;
  /** The CA's private key: only the control plane receives it. */
  readonly caKeyPem: string;
}

/**
 * What `clusterAccess` needs of the cluster's identity: the CA, an admin client certificate it
 * signed, and where the deploy's commands read that certificate. A ClusterIdentity is one; values
 * of your own (from another stack's outputs, say) can be passed the same way.
 */
export interface IClusterAdmin {
  readonly caCertPem: string;
  /** A client certificate the API server takes as admin (group system:masters), signed by the CA. */
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
  /**
   * Where commands that Terraform runs on the deployer's machine read the admin certificate and
   * key; undefined when no local state file holds them.
   * @default none: waits that need the client certificate are refused
   */
  adminCredentialsFile?(): ClientCredentialsFile | undefined;
}

/**
 * The cluster's identity, made by Terraform before any VM exists: the kubeadm
 * bootstrap token, the cluster CA, and an admin client certificate signed by it
 * (group system:masters, so it works the moment the API server does).
 * Every value here is sensitive and lives in Terraform state.
 */
export class ClusterIdentity extends Construct implements IClusterIdentity, IClusterAdmin {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`, for kubeadm's bootstrapTokens and JoinConfiguration. */
  public readonly token: string;
  public readonly tokenTtlHours: number;
  /** The admin client certificate's user (its common name): name it so in a kubeconfig. */
  public readonly adminUser: string;
  public readonly caCertPem: string;
  public readonly caKeyPem: string;
  public readonly adminCertPem: string;
  public readonly adminKeyPem: string;

  constructor(scope: Construct, id: string, props: ClusterIdentityProps = {}) {
    super(scope, id);
    const resolved = resolveIdentity(props);
    this.tokenTtlHours = resolved.tokenTtlHours;
    this.adminUser = resolved.adminUser;

    const tokenPart = (partId: string, length: number) =>
      new Password(this, partId, { length, upper: false, special: false, lower: true, numeric: true });
    this.token = `${tokenPart("TokenId", 6).result}.${tokenPart("TokenSecret", 16).result}`;

    const caKey = new PrivateKey(this, "CaKey", { algorithm: "RSA", rsaBits: 2048 });
    const ca = new SelfSignedCert(this, "Ca", {
      privateKeyPem: caKey.privateKeyPem,
      subject: [{ commonName: "kubernetes" }],
      isCaCertificate: true,
      validityPeriodHours: resolved.caValidityHours,
      earlyRenewalHours: 0,
      allowedUses: ["cert_signing", "key_encipherment", "digital_signature"],
    });
    this.caKeyPem = caKey.privateKeyPem;
    this.caCertPem = ca.certPem;

    const adminKey = new PrivateKey(this, "AdminKey", { algorithm: "RSA", rsaBits: 2048 });
    const adminRequest = new CertRequest(this, "AdminRequest", {
      privateKeyPem: adminKey.privateKeyPem,
      subject: [{ commonName: resolved.adminUser, organization: "system:masters" }],
    });
    const admin = new LocallySignedCert(this, "Admin", {
      certRequestPem: adminRequest.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: resolved.adminValidityHours,
      earlyRenewalHours: resolved.adminRenewalHours,
      allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
    });
    this.adminKeyPem = adminKey.privateKeyPem;
    this.adminCertPem = admin.certPem;
  }

  /**
   * Where commands that Terraform runs on the deployer's machine (ApiWait's) read the admin client
   * certificate and key: two outputs of this stack, added on the first call (the key's marked
   * sensitive), in this stack's local state file (from the stack's backend as it is then: declare a
   * LocalBackend of your own before). Undefined when the stack keeps its state in any other
   * backend: no file on the deployer's machine holds it. Only a wait in a stack deployed after this
   * one can read them: this stack's apply writes its outputs as it ends.
   */
  public adminCredentialsFile(): ClientCredentialsFile | undefined {
    const stack = TerraformStack.of(this);
    const statePath = localStatePath(stack);
    if (statePath === undefined) return undefined;
    const output = (id: string, value: string, sensitive: boolean) =>
      (this.node.tryFindChild(id) as TerraformOutput | undefined) ?? new TerraformOutput(this, id, { value, sensitive });
    return {
      statePath,
      certificateOutput: output("AdminCertificateOutput", this.adminCertPem, false).friendlyUniqueId,
      keyOutput: output("AdminKeyOutput", this.adminKeyPem, true).friendlyUniqueId,
      stack: stack.node.id,
    };
  }
}
