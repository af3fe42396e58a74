import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { App, GcsBackend, LocalBackend, TerraformStack } from "cdktf";
import { ApiWait, ClusterIdentity, clusterAccess, IClusterAdmin, IClusterIdentity, IKubeadmControlPlane, KubeadmNode, LabyrinthNetwork, WaitCondition } from "../constructs";
import { refusal } from "./support/refusal";
import { TerraformJson } from "./support/synth";

const outdir = mkdtempSync(join(tmpdir(), "labyrinth-access-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** An infrastructure stack (network, identity, control plane, a worker) and an empty second stack, in one app. */
function twoStacks(backend?: (stack: TerraformStack) => void) {
  const app = new App({ outdir: mkdtempSync(join(outdir, "app-")), stackTraces: false });
  const infra = new TerraformStack(app, "infra");
  backend?.(infra);
  new GoogleProvider(infra, "google", { project: "p" });
  new RandomProvider(infra, "random");
  new TlsProvider(infra, "tls");
  const network = new LabyrinthNetwork(infra, "Net");
  const identity = new ClusterIdentity(infra, "Identity");
  const cluster = { controlPlaneAddress: "10.168.0.2" };
  const controlPlane = new KubeadmNode(infra, "Cp", { role: "control-plane", network, identity, cluster, internalAddress: "10.168.0.2" });
  const worker = new KubeadmNode(infra, "W", { role: "worker", network, identity, cluster, internalAddress: "10.168.0.4", controlPlane });
  const inCluster = new TerraformStack(app, "in-cluster");
  const synth = (): Record<string, TerraformJson> => {
    app.synth();
    const read = (id: string) => JSON.parse(readFileSync(join(app.outdir, "stacks", id, "cdk.tf.json"), "utf8"));
    return { infra: read("infra"), inCluster: read("in-cluster") };
  };
  return { app, infra, identity, controlPlane, worker, inCluster, synth };
}

describe("clusterAccess", () => {
  test("the control plane's external address on 6443, the CA, the admin certificate, and where the waits read it", () => {
    const { identity, controlPlane, inCluster, synth } = twoStacks();
    const access = clusterAccess(controlPlane, identity);
    new ApiWait(inCluster, "Check", { access, condition: WaitCondition.jobSucceeded("wrk-1", "check") });
    const { infra, inCluster: json } = synth();
    const env = Object.values(json.resource.terraform_data)[0].provisioner[0]["local-exec"].environment;
    expect(env.LABYRINTH_API).toMatch(/^https:\/\/\$\{data\.terraform_remote_state\.[^}]+nat_ip\}:6443$/);
    expect(env.LABYRINTH_CA).toMatch(/cross-stack-output-tls_self_signed_cert/);
    // cdktf's default local backend: terraform.<stack>.tfstate where synth runs.
    expect(env.LABYRINTH_CLIENT_STATE).toBe(join(process.cwd(), "terraform.infra.tfstate"));
    expect(env.LABYRINTH_CLIENT_STATE).toBe(infra.terraform.backend.local.path);
    expect(infra.output[env.LABYRINTH_CLIENT_CERT_OUTPUT].value).toMatch(/^\$\{tls_locally_signed_cert\.Identity_Admin_/);
    expect(infra.output[env.LABYRINTH_CLIENT_KEY_OUTPUT]).toEqual({ value: expect.stringMatching(/^\$\{tls_private_key\.Identity_AdminKey_/), sensitive: true });
  });

  test("asked twice, it adds the identity's outputs once", () => {
    const { identity, controlPlane } = twoStacks();
    expect(clusterAccess(controlPlane, identity).clientCredentialsFile).toEqual(clusterAccess(controlPlane, identity).clientCredentialsFile);
    expect(identity.node.children.filter((c) => c.node.id.endsWith("Output"))).toHaveLength(2);
  });

  test("a worker, or another identity, is refused", () => {
    const { identity, worker, controlPlane, infra } = twoStacks();
    expect(refusal(() => clusterAccess(worker, identity)).message).toBe(`controlPlane: ${worker.name} is a worker: pass the cluster's control plane`);
    const other = new ClusterIdentity(infra, "Other");
    expect(refusal(() => clusterAccess(controlPlane, other)).message).toBe(`identity: ${controlPlane.name} trusts another cluster identity: pass the identity its nodes were built with`);
  });
});

describe("a control plane and an identity of one's own, described by the interfaces", () => {
  /** A control plane built elsewhere: only what IKubeadmControlPlane says, and an identity as IClusterAdmin. */
  function ownCluster() {
    const { controlPlane, identity, inCluster, synth } = twoStacks();
    const ownIdentity: IClusterIdentity & IClusterAdmin = {
      token: identity.token,
      tokenTtlHours: 24,
      caCertPem: "own-ca",
      caKeyPem: "own-ca-key",
      adminCertPem: "own-admin",
      adminKeyPem: "own-admin-key",
    };
    const own: IKubeadmControlPlane = {
      role: "control-plane",
      name: "own-cp",
      internalAddress: "10.168.0.2",
      externalAddress: "203.0.113.7",
      network: controlPlane.network,
      identity: ownIdentity,
      cluster: controlPlane.cluster,
      instance: controlPlane.instance,
    };
    return { own, ownIdentity, inCluster, synth };
  }

  test("give an access at the control plane's external address, without a credentials file unless the identity names one", () => {
    const { own, ownIdentity } = ownCluster();
    expect(clusterAccess(own, ownIdentity)).toEqual({ endpoint: "https://203.0.113.7:6443", caCertPem: "own-ca", clientCertPem: "own-admin", clientKeyPem: "own-admin-key" });
  });

  test("an identity that names its credentials file passes it on to the waits", () => {
    const { own, ownIdentity, inCluster, synth } = ownCluster();
    const file = { statePath: "/srv/state/own.tfstate", certificateOutput: "admin_cert", keyOutput: "admin_key" };
    const access = clusterAccess(own, { ...ownIdentity, adminCredentialsFile: () => file });
    new ApiWait(inCluster, "Check", { access, condition: WaitCondition.jobSucceeded("wrk-1", "check") });
    const env = Object.values(synth().inCluster.resource.terraform_data)[0].provisioner[0]["local-exec"].environment;
    expect(env).toMatchObject({ LABYRINTH_API: "https://203.0.113.7:6443", LABYRINTH_CLIENT_STATE: file.statePath, LABYRINTH_CLIENT_CERT_OUTPUT: "admin_cert", LABYRINTH_CLIENT_KEY_OUTPUT: "admin_key" });
  });

  test("an identity with another CA than the control plane's is refused", () => {
    const { own, ownIdentity } = ownCluster();
    expect(refusal(() => clusterAccess(own, { ...ownIdentity, caCertPem: "another-ca" })).message).toBe(
      "identity: own-cp trusts another cluster identity: pass the identity its nodes were built with",
    );
  });
});

describe("the state file the waits read", () => {
  test("a LocalBackend's own path, relative to the stack's folder", () => {
    const { identity, controlPlane, inCluster, synth, app } = twoStacks((stack) => new LocalBackend(stack, { path: "../../../state/infra.tfstate" }));
    new ApiWait(inCluster, "Check", { access: clusterAccess(controlPlane, identity), condition: WaitCondition.crdEstablished("x.example.com") });
    const env = Object.values(synth().inCluster.resource.terraform_data)[0].provisioner[0]["local-exec"].environment;
    expect(env.LABYRINTH_CLIENT_STATE).toBe(join(app.outdir, "..", "state", "infra.tfstate"));
  });

  test("a remote backend has no local file: the access serves the readiness wait, and a wait that needs the certificate is refused there", () => {
    const { identity, controlPlane, inCluster, synth } = twoStacks((stack) => new GcsBackend(stack, { bucket: "my-state", prefix: "infra" }));
    const access = clusterAccess(controlPlane, identity);
    expect(access.clientCredentialsFile).toBeUndefined();
    new ApiWait(inCluster, "Ready", { access, condition: WaitCondition.apiServerReady() });
    const error = refusal(() => new ApiWait(inCluster, "Crd", { access, condition: WaitCondition.crdEstablished("x.example.com") }));
    expect(error.setting).toBe("access.clientCredentialsFile");
    expect(error.message).toContain("waiting for crd x.example.com needs the client certificate, which the wait reads from a local state file, and there is none");
    const { infra, inCluster: json } = synth();
    // No output of the admin certificate for a file no wait can read.
    expect(Object.keys(infra.output ?? {}).filter((name) => name.includes("Admin"))).toEqual([]);
    expect(Object.values(json.resource.terraform_data)[0].provisioner[0]["local-exec"].command).toMatch(/ readyz$/);
  });

  test("a wait in the identity's own stack that needs the certificate is refused; its readiness wait is not", () => {
    const { identity, controlPlane, infra } = twoStacks();
    const access = clusterAccess(controlPlane, identity);
    expect(() => new ApiWait(infra, "Ready", { access, condition: WaitCondition.apiServerReady() })).not.toThrow();
    expect(refusal(() => new ApiWait(infra, "Crd", { access, condition: WaitCondition.crdEstablished("x.example.com") })).message).toBe(
      "access.clientCredentialsFile: waiting for crd x.example.com in stack infra would read that stack's own state, whose outputs its apply writes only as it ends: wait in a stack deployed after it",
    );
  });
});
