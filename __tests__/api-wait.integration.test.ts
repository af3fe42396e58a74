import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiWait, WaitCondition } from "../constructs";
import { resourcesOf, synthLab, synthStack, testStack } from "./support/synth";
import { Handler, standInApi as startStandIn } from "./support/stand-in-api";
import { makeTestPki, TestPki } from "./support/test-pki";
import { requireTool } from "./support/tools";

requireTool("openssl");
const SCRIPT = join(__dirname, "..", "local-exec", "wait.mjs");
const pki: TestPki = makeTestPki();
const stranger: TestPki = makeTestPki();

function standInApi(handler: Handler, serverPki = pki) {
  return startStandIn(handler, serverPki, pki.ca);
}

function runWait(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? "", LABYRINTH_CA: pki.ca, LABYRINTH_POLL_SECONDS: "0.05", LABYRINTH_WAIT_SECONDS: "20", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

// (Every wait is bounded here, so that a broken one ends rather than outliving the test.)
// The client certificate and key, where the lab keeps them: outputs of the infrastructure stack's state.
const work = mkdtempSync(join(tmpdir(), "labyrinth-wait-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const statePath = join(work, "terraform.labyrinth-infra.tfstate");
writeFileSync(statePath, JSON.stringify({ version: 4, outputs: { admin_client_certificate: { value: pki.clientCert, type: "string" }, admin_client_key: { value: pki.clientKey, type: "string", sensitive: true } } }));
const withClient = { LABYRINTH_CLIENT_STATE: statePath, LABYRINTH_CLIENT_CERT_OUTPUT: "admin_client_certificate", LABYRINTH_CLIENT_KEY_OUTPUT: "admin_client_key" };

describe("wait.mjs readyz", () => {
  test("polls until /readyz answers ok", async () => {
    let calls = 0;
    const api = await standInApi((path) => (path === "/readyz" && ++calls > 3 ? { status: 200, body: "ok" } : { status: 503, body: "[-]etcd failed" }));
    const result = await runWait(["readyz"], { LABYRINTH_API: api.url });
    await api.close();
    expect(result.stdout).toMatch(new RegExp(`labyrinth: the API server at ${api.url} is ready after \\d+s`));
    expect(result.status).toBe(0);
    expect(api.hits.get("/readyz")).toBe(4);
  });

  test("gives up after its bound with the last answer and the hint", async () => {
    const api = await standInApi(() => ({ status: 503, body: "not ready" }));
    const started = Date.now();
    // A bound many polls long, so that it polls again even when one try is slow on a loaded machine.
    const result = await runWait(["readyz"], { LABYRINTH_API: api.url, LABYRINTH_WAIT_SECONDS: "2", LABYRINTH_HINT: "read the serial console" });
    const took = Date.now() - started;
    await api.close();
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`labyrinth: the API server at ${api.url} was not ready within 2s (last: /readyz answered 503); read the serial console`);
    expect(api.hits.get("/readyz")).toBeGreaterThan(1);
    expect(took).toBeGreaterThanOrEqual(2000);
  });

  // The next two give up after a bound shorter than one try: the script always looks once before
  // it compares the time, so they hold however slow the handshake.
  test("trusts only the cluster CA: a server with another CA's certificate is never ready", async () => {
    const impostor = await standInApi(() => ({ status: 200, body: "ok" }), stranger);
    const result = await runWait(["readyz"], { LABYRINTH_API: impostor.url, LABYRINTH_WAIT_SECONDS: "0.3" });
    await impostor.close();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/was not ready within 0\.3s \(last: .*(self-signed|unable to verify|certificate)/i);
    expect(impostor.hits.size).toBe(0);
  });

  test("nothing listening: waits, then says so", async () => {
    const api = await standInApi(() => ({ status: 200, body: "ok" }));
    await api.close();
    const result = await runWait(["readyz"], { LABYRINTH_API: api.url, LABYRINTH_WAIT_SECONDS: "0.3" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ECONNREFUSED");
  });
});

describe("wait.mjs crd", () => {
  test("waits until the CRD is established, authenticating with the client certificate", async () => {
    let calls = 0;
    const api = await standInApi((_path, client) => {
      if (!client) return { status: 401, body: "Unauthorized" };
      if (++calls < 3) return { status: 404, body: { kind: "Status", reason: "NotFound" } };
      return { status: 200, body: { status: { conditions: [{ type: "NamesAccepted", status: "True" }, { type: "Established", status: calls > 3 ? "True" : "False" }] } } };
    });
    const result = await runWait(["crd", "ciliumclusterwidenetworkpolicies.cilium.io"], { LABYRINTH_API: api.url, ...withClient });
    await api.close();
    expect(result.status).toBe(0);
    expect(api.hits.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumclusterwidenetworkpolicies.cilium.io")).toBe(4);
  });
});

describe("wait.mjs job", () => {
  const jobPath = "/apis/batch/v1/namespaces/wrk-1/jobs/connectivity-check";

  test("succeeds when the Job does", async () => {
    let calls = 0;
    const api = await standInApi((path) => (path === jobPath ? { status: 200, body: { status: ++calls > 2 ? { succeeded: 1 } : { active: 1 } } } : { status: 404, body: {} }));
    const result = await runWait(["job", "wrk-1/connectivity-check"], { LABYRINTH_API: api.url, ...withClient });
    await api.close();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/job wrk-1\/connectivity-check is ready after/);
  });

  test("a failed Job fails the deploy with the step that failed and the command to read the log", async () => {
    const api = await standInApi((path) => {
      if (path === jobPath) return { status: 200, body: { status: { failed: 3, conditions: [{ type: "Failed", status: "True" }] } } };
      if (path === "/api/v1/namespaces/wrk-1/pods?labelSelector=job-name%3Dconnectivity-check")
        return {
          status: 200,
          body: {
            items: [
              { metadata: { name: "connectivity-check-b", creationTimestamp: "2026-01-01T00:02:00Z" } },
              { metadata: { name: "connectivity-check-a", creationTimestamp: "2026-01-01T00:01:00Z" } },
            ],
          },
        };
      if (path === "/api/v1/namespaces/wrk-1/pods/connectivity-check-b/log")
        return { status: 200, body: "ok dns: node-wrk-2-ubuntu24.wrk-2 is 10.105.134.33\nFAIL tcp: no echo from 10.105.134.33:9999 over TCP (got: nothing)\n" };
      return { status: 404, body: {} };
    });
    const result = await runWait(["job", "wrk-1/connectivity-check"], { LABYRINTH_API: api.url, ...withClient });
    await api.close();
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "labyrinth: job wrk-1/connectivity-check failed: FAIL tcp: no echo from 10.105.134.33:9999 over TCP (got: nothing); read its log: kubectl -n wrk-1 logs job/connectivity-check",
    );
  });
});

test.each([
  ["an unknown condition", ["pods"], "https://127.0.0.1:1"],
  ["an endpoint that is not a URL", ["readyz"], "not a url"],
  ["an endpoint without https", ["readyz"], "localhost:6443"],
  ["an endpoint without a host", ["readyz"], "https://"],
])("a wrong call prints its usage: %s", async (_case, args, endpoint) => {
  const result = await runWait(args, { LABYRINTH_API: endpoint });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("usage:");
});

describe("the client certificate stays in its file", () => {
  test("a crd wait reads it from the state file's outputs; a state file without them is one line, before any request", async () => {
    const api = await standInApi((_path, client) => (client ? { status: 200, body: { status: { conditions: [{ type: "Established", status: "True" }] } } } : { status: 401, body: "Unauthorized" }));
    const ok = await runWait(["crd", "ciliumnetworkpolicies.cilium.io"], { LABYRINTH_API: api.url, ...withClient });
    const missing = await runWait(["crd", "ciliumnetworkpolicies.cilium.io"], { LABYRINTH_API: api.url, ...withClient, LABYRINTH_CLIENT_KEY_OUTPUT: "admin_key" });
    await api.close();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^labyrinth: waiting for crd ciliumnetworkpolicies\.cilium\.io, up to 20s; a line every 30s\n/);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe(
      `labyrinth: crd ciliumnetworkpolicies.cilium.io: cannot read the client certificate (${statePath} has no output "admin_key"); LABYRINTH_CLIENT_STATE names the infrastructure stack's state, deploy that stack first`,
    );
    expect(api.hits.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumnetworkpolicies.cilium.io")).toBe(1);
  });

  test("in the lab's stacks, no wait's command or environment refers to a secret; the cluster's waits name the infrastructure state", () => {
    const { infra, cluster } = synthLab();
    const execs = (json: any) => resourcesOf(json, "terraform_data").flatMap((r) => r.provisioner.map((p: any) => p["local-exec"]));
    for (const exec of [...execs(infra), ...execs(cluster)]) {
      // A reference to a key, a password or the admin certificate, or any secret's value.
      expect(JSON.stringify(exec)).not.toMatch(/\$\{[^}]*(tls_private_key|random_password|Identity_Admin)|PRIVATE KEY/);
    }
    const clientWaits = execs(cluster).filter((e) => / (crd|job) /.test(e.command));
    expect(clientWaits).toHaveLength(2);
    const { LABYRINTH_CLIENT_CERT_OUTPUT: certificate, LABYRINTH_CLIENT_KEY_OUTPUT: key } = clientWaits[0].environment;
    for (const exec of clientWaits) {
      expect(exec.environment).toMatchObject({ LABYRINTH_CLIENT_STATE: infra.terraform.backend.local.path, LABYRINTH_CLIENT_CERT_OUTPUT: certificate, LABYRINTH_CLIENT_KEY_OUTPUT: key });
    }
    expect(infra.output[key]).toMatchObject({ sensitive: true, value: expect.stringContaining("tls_private_key.") });
    expect(infra.output[certificate].value).toContain("tls_locally_signed_cert.");
  });

  test("a wait that needs the client certificate without a file to read it from is refused", () => {
    const stack = testStack("waits");
    const access = { endpoint: "https://10.0.0.1:6443", caCertPem: "ca", clientCertPem: "cert", clientKeyPem: "key" };
    expect(() => new ApiWait(stack, "Crd", { access, condition: WaitCondition.crdEstablished("x.example.com") })).toThrow(
      /^access\.clientCredentialsFile: waiting for crd x\.example\.com needs the client certificate, which the wait reads from a local state file, and there is none \(a remote backend keeps no local file\): give the identity's stack cdktf's local backend, or name a state file and outputs that hold the certificate$/,
    );
  });
});

describe("the readiness gate fits the article's disk", () => {
  test("the infrastructure stack waits 30 minutes for the API server, and so does a wait by default", () => {
    const { infra } = synthLab();
    const gate = resourcesOf(infra, "terraform_data").find((r) => r["//"].metadata.path.endsWith("/ApiServerReady/Resource"));
    expect(gate.provisioner[0]["local-exec"].environment.LABYRINTH_WAIT_SECONDS).toBe("1800");
    const stack = testStack("default");
    new ApiWait(stack, "Ready", { access: { endpoint: "https://10.0.0.1:6443", caCertPem: "ca", clientCertPem: "cert", clientKeyPem: "key" }, condition: WaitCondition.apiServerReady() });
    const [wait] = resourcesOf(synthStack(stack), "terraform_data");
    expect(wait.provisioner[0]["local-exec"].environment.LABYRINTH_WAIT_SECONDS).toBe("1800");
  });
});
