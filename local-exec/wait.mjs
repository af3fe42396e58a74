// @ts-check
// Run by Terraform (local-exec) on the deployer's machine: waits, bounded, for one condition of
// the cluster's API server, trusting only the cluster CA. Usage:
//   node wait.mjs readyz              the API server answers /readyz with ok
//   node wait.mjs crd NAME            the CustomResourceDefinition NAME is established (served)
//   node wait.mjs job NAMESPACE/NAME  the Job succeeded; on failure, prints its log's failures
// Environment: LABYRINTH_API (https://host:port), LABYRINTH_CA (PEM), LABYRINTH_WAIT_SECONDS
// (default 1800), LABYRINTH_POLL_SECONDS (default 5), LABYRINTH_HINT (what to read when it times
// out); for crd and job, the client certificate and key come from a local Terraform state file,
// never the environment: LABYRINTH_CLIENT_STATE (its path), LABYRINTH_CLIENT_CERT_OUTPUT and
// LABYRINTH_CLIENT_KEY_OUTPUT (the names of its outputs that hold them).
import { readFileSync } from "node:fs";
import { request } from "node:https";

const env = process.env;
const [what, target] = process.argv.slice(2);
// Anything but an https URL with a host is a usage error (checked in main).
const api = new URL(URL.canParse(env.LABYRINTH_API ?? "") ? (env.LABYRINTH_API ?? "") : "invalid:");
const waitMs = Number(env.LABYRINTH_WAIT_SECONDS ?? 1800) * 1000;
const pollMs = Number(env.LABYRINTH_POLL_SECONDS ?? 5) * 1000;

/** @type {{ cert?: string, key?: string }} */
let client = {};

/** The client certificate and key from the state file's outputs, or why they cannot be read. */
function readClient() {
  const path = env.LABYRINTH_CLIENT_STATE ?? "";
  const names = [env.LABYRINTH_CLIENT_CERT_OUTPUT ?? "", env.LABYRINTH_CLIENT_KEY_OUTPUT ?? ""];
  /** @type {Record<string, { value?: unknown }>} */
  const outputs = JSON.parse(readFileSync(path, "utf8")).outputs ?? {};
  const [cert, key] = names.map((name) => {
    const value = outputs[name]?.value;
    if (typeof value !== "string") throw new Error(`${path} has no output "${name}"`);
    return value;
  });
  return { cert, key };
}

/** @param {string} path @returns {Promise<{status: number, body: string}>} */
function get(path) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: api.hostname,
        port: api.port || 443,
        path,
        ca: env.LABYRINTH_CA,
        cert: client.cert,
        key: client.key,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 10s")));
    req.on("error", reject);
    req.end();
  });
}

/** @param {string} path */
async function getJson(path) {
  const { status, body } = await get(path);
  if (status !== 200) throw new Error(`${path} answered ${status}`);
  return JSON.parse(body);
}

/**
 * One look at the condition: "done", "failed: <why>", or "waiting: <why>".
 * @type {Record<string, (target: string) => Promise<string>>}
 */
const checks = {
  async readyz() {
    const { status, body } = await get("/readyz");
    return status === 200 && body.trim() === "ok" ? "done" : `waiting: /readyz answered ${status}`;
  },
  async crd(name) {
    const crd = await getJson(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const established = (crd.status?.conditions ?? []).some((/** @type {any} */ c) => c.type === "Established" && c.status === "True");
    return established ? "done" : "waiting: not established yet";
  },
  async job(ref) {
    const [namespace, name] = ref.split("/");
    const job = await getJson(`/apis/batch/v1/namespaces/${namespace}/jobs/${name}`);
    if ((job.status?.succeeded ?? 0) > 0) return "done";
    const failed = (job.status?.conditions ?? []).some((/** @type {any} */ c) => c.type === "Failed" && c.status === "True");
    if (!failed) return `waiting: ${job.status?.active ?? 0} pod(s) running`;
    const pods = await getJson(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`job-name=${name}`)}`);
    const newest = pods.items.sort((/** @type {any} */ a, /** @type {any} */ b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp)).pop();
    const log = newest ? (await get(`/api/v1/namespaces/${namespace}/pods/${newest.metadata.name}/log`)).body : "";
    const failures = log.split("\n").filter((line) => line.startsWith("FAIL"));
    return `failed: ${failures.join("; ") || "the job failed without a FAIL line"}; read its log: kubectl -n ${namespace} logs job/${name}`;
  },
};

async function main() {
  const check = checks[what];
  if (!check || api.protocol !== "https:" || !api.hostname) {
    console.error("usage: LABYRINTH_API=https://host:port LABYRINTH_CA=… node wait.mjs readyz | crd NAME | job NAMESPACE/NAME");
    return 2;
  }
  const label = what === "readyz" ? `the API server at ${api.origin}` : `${what} ${target}`;
  if (what !== "readyz") {
    try {
      client = readClient();
    } catch (error) {
      console.error(`labyrinth: ${label}: cannot read the client certificate (${error instanceof Error ? error.message : error}); LABYRINTH_CLIENT_STATE names the infrastructure stack's state, deploy that stack first`);
      return 2;
    }
  }
  console.log(`labyrinth: waiting for ${label}, up to ${waitMs / 1000}s; a line every 30s`);
  const start = Date.now();
  let last = "";
  let reported = 0;
  for (;;) {
    let state;
    try {
      state = await check(target);
    } catch (error) {
      state = `waiting: ${error instanceof Error ? error.message : error}`;
    }
    const seconds = Math.round((Date.now() - start) / 1000);
    if (state === "done") {
      console.log(`labyrinth: ${label} is ready after ${seconds}s`);
      return 0;
    }
    if (state.startsWith("failed: ")) {
      console.error(`labyrinth: ${label} failed: ${state.slice("failed: ".length)}`);
      return 1;
    }
    last = state.slice("waiting: ".length);
    if (Date.now() - start >= waitMs) {
      console.error(`labyrinth: ${label} was not ready within ${waitMs / 1000}s (last: ${last})${env.LABYRINTH_HINT ? `; ${env.LABYRINTH_HINT}` : ""}`);
      return 1;
    }
    if (seconds - reported >= 30) {
      reported = seconds;
      console.log(`labyrinth: waiting for ${label} (${seconds}s: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

process.exitCode = await main();
