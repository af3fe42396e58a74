import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { METADATA_KEYS, MetadataKeyRemoval } from "../constructs";
import { ACCESS_TOKEN, ComputeHandler, standInCompute, StandInCompute } from "./support/stand-in-compute";
import { named, resourcesOf, synthLab, testStack } from "./support/synth";

const SCRIPT = join(__dirname, "..", "local-exec", "remove-metadata-key.mjs");
const INSTANCE = "projects/my-lab/zones/us-east4-b/instances/labyrinth-node-0";
const work = mkdtempSync(join(tmpdir(), "labyrinth-removal-"));
const subjectToken = join(work, "subject-token");
writeFileSync(subjectToken, "stand-in subject token");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const items = [
  { key: "user-data", value: "#cloud-config\n" },
  { key: METADATA_KEYS.token, value: "abcdef.0123456789abcdef" },
  { key: METADATA_KEYS.caCert, value: "-----BEGIN CERTIFICATE-----" },
  { key: METADATA_KEYS.caKey, value: "-----BEGIN PRIVATE KEY-----" },
  { key: "ssh-keys", value: "ubuntu:ssh-ed25519 AAAA" },
];
const instancePath = `/compute/v1/${INSTANCE}`;
const operationsPath = "/compute/v1/projects/my-lab/zones/us-east4-b/operations";

/** A Compute API whose instance has `metadata`; setMetadata runs `setMetadata`, done at the first wait. */
function compute(metadata: { fingerprint: string; items: typeof items }[], setMetadata: ComputeHandler = () => ({ status: 200, body: { name: "op-1", status: "RUNNING" } })): ComputeHandler {
  let reads = 0;
  return (request) => {
    if (request.method === "GET" && request.path === instancePath) return { status: 200, body: { name: "labyrinth-node-0", metadata: metadata[Math.min(reads++, metadata.length - 1)] } };
    if (request.method === "POST" && request.path === `${instancePath}/setMetadata`) return setMetadata(request);
    if (request.method === "POST" && request.path === `${operationsPath}/op-1/wait`) return { status: 200, body: { name: "op-1", status: "DONE" } };
    return undefined;
  };
}

let stub: StandInCompute | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function remove(handler: ComputeHandler, env: Record<string, string> = {}) {
  stub = await standInCompute(handler, subjectToken);
  const adc = join(work, "adc.json");
  writeFileSync(adc, JSON.stringify(stub.credentials));
  const child = spawn(process.execPath, [SCRIPT], {
    env: {
      PATH: process.env.PATH,
      HOME: work,
      // No look for the GCE metadata server: nothing but loopback.
      METADATA_SERVER_DETECTION: "none",
      GOOGLE_APPLICATION_CREDENTIALS: adc,
      LABYRINTH_INSTANCE: INSTANCE,
      LABYRINTH_METADATA_KEY: METADATA_KEYS.caKey,
      LABYRINTH_COMPUTE_API: stub.api,
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { status, stdout, stderr, requests: stub.requests };
}

describe("remove-metadata-key.mjs", () => {
  test("sets the metadata back without the key, every other key kept, with the fingerprint it read", async () => {
    const result = await remove(compute([{ fingerprint: "fp-1", items }]));
    expect(result.stdout.trim()).toBe(`labyrinth: removed ${METADATA_KEYS.caKey} from labyrinth-node-0's metadata`);
    expect(result.status).toBe(0);
    expect(result.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${instancePath}`, `POST ${instancePath}/setMetadata`, `POST ${operationsPath}/op-1/wait`]);
    expect(result.requests[1].body).toEqual({ fingerprint: "fp-1", items: items.filter((i) => i.key !== METADATA_KEYS.caKey) });
    // The token came from the application-default credentials, through google-auth-library.
    for (const request of result.requests) expect(request.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  test("a key already gone: nothing to set", async () => {
    const without = items.filter((i) => i.key !== METADATA_KEYS.caKey);
    const result = await remove(compute([{ fingerprint: "fp-1", items: without }]));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("has no metadata key labyrinth-ca-key: nothing to remove");
    expect(result.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  test("metadata changed meanwhile (412): reads it again and sets it with the new fingerprint", async () => {
    const changed = [...items, { key: "enable-oslogin", value: "TRUE" }];
    const result = await remove(
      compute([{ fingerprint: "fp-1", items }, { fingerprint: "fp-2", items: changed }], (request) =>
        request.body.fingerprint === "fp-1" ? { status: 412, body: { error: { code: 412, message: "Supplied fingerprint does not match current metadata fingerprint." } } } : { status: 200, body: { name: "op-1", status: "RUNNING" } },
      ),
    );
    expect(result.status).toBe(0);
    const sets = result.requests.filter((r) => r.path.endsWith("/setMetadata")).map((r) => r.body);
    expect(sets).toEqual([
      { fingerprint: "fp-1", items: items.filter((i) => i.key !== METADATA_KEYS.caKey) },
      { fingerprint: "fp-2", items: changed.filter((i) => i.key !== METADATA_KEYS.caKey) },
    ]);
  });

  test.each([
    ["a refusal", { status: 403, body: { error: { code: 403, message: "Required 'compute.instances.setMetadata' permission" } } }, "(403 Required 'compute.instances.setMetadata' permission); the credentials need compute.instances.get and compute.instances.setMetadata on labyrinth-node-0"],
    ["a failed operation", { status: 200, body: { name: "op-1", status: "DONE", error: { errors: [{ message: "Quota exceeded" }] } } }, "(Quota exceeded)"],
  ])("%s fails the deploy with one line", async (_case, answer, why) => {
    const result = await remove(compute([{ fingerprint: "fp-1", items }], () => answer));
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`labyrinth: could not remove labyrinth-ca-key from labyrinth-node-0's metadata ${why}`);
  });

  test("without application-default credentials it says how to get them", async () => {
    const result = await remove(compute([{ fingerprint: "fp-1", items }]), { GOOGLE_APPLICATION_CREDENTIALS: "" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/could not remove labyrinth-ca-key .*default credentials.*; log in with gcloud auth application-default login$/m);
    expect(result.requests).toEqual([]);
  });

  // Addresses on this machine, so that even a broken check sends nothing elsewhere.
  test.each([["https://127.0.0.1:9/compute/v1"], ["http://127.0.0.2:9/compute/v1"], ["not a url"]])("refuses to send its token to %s: loopback stand-ins only", async (api) => {
    const result = await remove(compute([{ fingerprint: "fp-1", items }]), { LABYRINTH_COMPUTE_API: api });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage:");
    expect(result.requests).toEqual([]);
  });
});

test("a key that cannot be a metadata key is refused, naming the prop", () => {
  const stack = testStack("removal");
  const instance = new ComputeInstance(stack, "Vm", { name: "vm", machineType: "e2-medium", zone: "us-east4-b", bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } }, networkInterface: [{ network: "default" }] });
  expect(() => new MetadataKeyRemoval(stack, "Removal", { instance, key: "ca key", dependsOn: [] })).toThrow(/^key: "ca key" is not a metadata key: use letters, digits, "_" and "-"$/);
});

describe("in the lab", () => {
  const { infra } = synthLab();
  const controlPlane = named(infra, "google_compute_instance", "labyrinth-node-0");
  const [removal] = resourcesOf(infra, "terraform_data").filter((r) => r["//"].metadata.path.endsWith("/CaKeyRemoval/Resource"));
  const ref = (resource: any, type: string) => `${type}.${resource["//"].metadata.uniqueId}`;

  test("Terraform never puts the CA key back into the control plane's metadata", () => {
    expect(controlPlane.lifecycle.ignore_changes).toEqual([`metadata["${METADATA_KEYS.caKey}"]`]);
    for (const worker of resourcesOf(infra, "google_compute_instance").filter((vm) => vm !== controlPlane)) {
      expect(worker.metadata[METADATA_KEYS.caKey]).toBeUndefined();
    }
  });

  test("the removal runs once the API server is ready, and again for a new control plane", () => {
    const [ready] = resourcesOf(infra, "terraform_data").filter((r) => r["//"].metadata.path.endsWith("/ApiServerReady/Resource"));
    expect(removal.depends_on).toEqual([ref(ready, "terraform_data")]);
    expect(removal.triggers_replace.instance).toBe(`\${${ref(controlPlane, "google_compute_instance")}.instance_id}`);
    const [exec] = removal.provisioner.map((p: any) => p["local-exec"]);
    expect(exec.command).toMatch(/^node assets\/.*\/remove-metadata-key\.mjs$/);
    expect(exec.environment).toEqual({
      LABYRINTH_INSTANCE: `\${${ref(controlPlane, "google_compute_instance")}.id}`,
      LABYRINTH_METADATA_KEY: METADATA_KEYS.caKey,
      // An exported test setting never redirects a real deploy.
      LABYRINTH_COMPUTE_API: "",
    });
  });
});
