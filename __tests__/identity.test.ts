import { ClusterIdentity } from "../constructs/cluster-identity";
import { resourcesOf, synthLab, synthStack, testStack } from "./support/synth";

const { infra } = synthLab();

describe("ClusterIdentity", () => {
  test("the bootstrap token is two random lowercase-alphanumeric parts, 6 and 16 long", () => {
    const passwords = resourcesOf(infra, "random_password");
    expect(passwords.map((p) => p.length).sort((a, b) => a - b)).toEqual([6, 16]);
    for (const p of passwords) expect(p).toMatchObject({ upper: false, special: false, lower: true, numeric: true });
    const token: string = Object.values(infra.resource.google_compute_instance)[0].metadata["labyrinth-token"];
    expect(token).toMatch(/^\$\{random_password\.[^.]+\.result\}\.\$\{random_password\.[^.]+\.result\}$/);
  });

  test("the cluster CA: self-signed, a CA, ten years, never renewed early", () => {
    const [ca] = resourcesOf(infra, "tls_self_signed_cert");
    expect(ca).toMatchObject({
      is_ca_certificate: true,
      validity_period_hours: 87600,
      early_renewal_hours: 0,
      subject: [{ common_name: "kubernetes" }],
    });
    expect(ca.allowed_uses).toContain("cert_signing");
  });

  test("the admin client certificate is signed by the CA, in group system:masters", () => {
    const [request] = resourcesOf(infra, "tls_cert_request");
    expect(request.subject).toEqual([{ common_name: "labyrinth-admin", organization: "system:masters" }]);
    const [admin] = resourcesOf(infra, "tls_locally_signed_cert");
    expect(admin.allowed_uses).toEqual(["client_auth", "digital_signature", "key_encipherment"]);
    expect(admin.ca_private_key_pem).toMatch(/^\$\{tls_private_key\./);
    expect(admin.ca_cert_pem).toMatch(/^\$\{tls_self_signed_cert\./);
  });

  test("the admin is the lab's own: team-a's certificate is team-a-admin, the user its kubeconfig names", () => {
    const { infra: teamA } = synthLab({ name: "team-a" });
    const [request] = resourcesOf(teamA, "tls_cert_request");
    expect(request.subject).toEqual([{ common_name: "team-a-admin", organization: "system:masters" }]);
    // The kubeconfig is an HCL yamlencode(...) of the lab's values: the user's name is a literal in it.
    const kubeconfig = String(teamA.output.kubeconfig.value);
    expect(kubeconfig).toContain('"users" = [{"name" = "team-a-admin"');
    expect(kubeconfig).toContain('"user" = "team-a-admin"}');
  });

  test("alone, it names the admin as told, or the article's lab's admin", () => {
    const named = testStack("named");
    new ClusterIdentity(named, "Identity", { adminUser: "maze-admin" });
    const unnamed = testStack("unnamed");
    new ClusterIdentity(unnamed, "Identity");
    const commonName = (stack: ReturnType<typeof testStack>) => resourcesOf(synthStack(stack), "tls_cert_request")[0].subject[0].common_name;
    expect(commonName(named)).toBe("maze-admin");
    expect(commonName(unnamed)).toBe("labyrinth-admin");
  });

  test("an admin the API server would refuse is refused before anything is created, naming the prop", () => {
    for (const adminUser of ["", "maze admin"]) {
      expect(() => new ClusterIdentity(testStack(`bad-${adminUser.length}`), "Identity", { adminUser })).toThrow(
        `adminUser: "${adminUser}" is not a user name: use 1 to 64 characters, no spaces, commas or slashes, such as labyrinth-admin`,
      );
    }
  });
});
