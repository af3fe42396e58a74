// @ts-check
// Run by Terraform (local-exec) on the deployer's machine: removes one key from a VM's instance
// metadata through the Compute API (instances.get, then instances.setMetadata with the metadata's
// fingerprint and every other key as it was), with the deployer's application-default credentials
// read by google-auth-library; no gcloud. A change made meanwhile fails the fingerprint (412): the
// removal then starts over from a fresh read.
// Environment: LABYRINTH_INSTANCE (projects/P/zones/Z/instances/N), LABYRINTH_METADATA_KEY.
// Tests only: LABYRINTH_COMPUTE_API, a stand-in on loopback (http://127.0.0.1:PORT/compute/v1).
import { GoogleAuth } from "google-auth-library";

const env = process.env;
const instance = env.LABYRINTH_INSTANCE ?? "";
const key = env.LABYRINTH_METADATA_KEY ?? "";
const TRIES = 5;

/** The API's base: Google's, or a stand-in on loopback, never another host. */
function computeApi() {
  const override = env.LABYRINTH_COMPUTE_API;
  if (!override) return "https://compute.googleapis.com/compute/v1";
  const url = URL.canParse(override) ? new URL(override) : undefined;
  return url?.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname) ? override.replace(/\/$/, "") : undefined;
}

/** @param {unknown} error */
function reason(error) {
  const e = /** @type {any} */ (error);
  const status = e?.status ?? e?.response?.status;
  const message = e?.response?.data?.error?.message ?? (error instanceof Error ? error.message : String(error));
  return status ? `${status} ${message}` : message;
}

async function main() {
  const api = computeApi();
  if (!/^projects\/[^/]+\/zones\/[^/]+\/instances\/[^/]+$/.test(instance) || !/^[A-Za-z0-9_-]+$/.test(key) || !api) {
    console.error("usage: LABYRINTH_INSTANCE=projects/P/zones/Z/instances/N LABYRINTH_METADATA_KEY=KEY node remove-metadata-key.mjs (LABYRINTH_COMPUTE_API: loopback stand-ins only)");
    return 2;
  }
  const [, project, , , , name] = instance.split("/");
  // The project is known: google-auth-library need not look for one (gcloud's config, the GCE metadata server).
  const client = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/compute"], projectId: project });
  const zone = instance.replace(/\/instances\/[^/]+$/, "");
  try {
    for (let n = 1; ; n++) {
      /** @type {{ data: { metadata: { fingerprint: string, items?: { key: string, value: string }[] } } }} */
      const { data } = await client.request({ url: `${api}/${instance}` });
      const items = data.metadata.items ?? [];
      if (!items.some((item) => item.key === key)) {
        console.log(`labyrinth: ${name} has no metadata key ${key}: nothing to remove`);
        return 0;
      }
      try {
        /** @type {{ data: { name: string, status: string, error?: { errors?: { message: string }[] } } }} */
        let { data: operation } = await client.request({
          url: `${api}/${instance}/setMetadata`,
          method: "POST",
          data: { fingerprint: data.metadata.fingerprint, items: items.filter((item) => item.key !== key) },
        });
        // operations.wait answers when the operation is done, or after about two minutes: ask again.
        while (operation.status !== "DONE") {
          ({ data: operation } = await client.request({ url: `${api}/${zone}/operations/${operation.name}/wait`, method: "POST" }));
        }
        if (operation.error) throw new Error(operation.error.errors?.map((e) => e.message).join("; ") ?? "the operation failed");
        console.log(`labyrinth: removed ${key} from ${name}'s metadata`);
        return 0;
      } catch (error) {
        const e = /** @type {any} */ (error);
        if ((e?.status ?? e?.response?.status) !== 412 || n >= TRIES) throw error;
        console.log(`labyrinth: ${name}'s metadata changed meanwhile: reading it again`);
      }
    }
  } catch (error) {
    const why = reason(error);
    const hint = /default credentials/i.test(why)
      ? "; log in with gcloud auth application-default login"
      : /^403 /.test(why)
        ? `; the credentials need compute.instances.get and compute.instances.setMetadata on ${name}`
        : "";
    console.error(`labyrinth: could not remove ${key} from ${name}'s metadata (${why})${hint}`);
    return 1;
  }
}

process.exitCode = await main();
