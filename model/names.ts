/**
 * Every name the lab derives from another: stacks, network parts, nodes, probes, the check. The
 * constructs, the lifecycle and the journey all ask here; none of them builds a name itself.
 */

/**
 * How long a name that other names are derived from may be (a lab's, a name derived from a
 * construct's path): room for every name made from it (`<name>-allow-nodes-apiserver`) within
 * Google's 63 characters.
 */
export const MAX_NAME_LENGTH = 30;

/** What a lab's name is followed by in the id of each of its stacks. */
const STACK_SUFFIXES = { infrastructure: "-infra", cluster: "-cluster" } as const;

/** The two stacks of a lab, named after it so that two labs keep separate state. */
export function stackIds(lab: string): { readonly infrastructure: string; readonly cluster: string } {
  return { infrastructure: `${lab}${STACK_SUFFIXES.infrastructure}`, cluster: `${lab}${STACK_SUFFIXES.cluster}` };
}

/** The lab an infrastructure stack belongs to, or undefined for any other stack id. */
export function labOfStack(stackId: string): string | undefined {
  return between(stackId, "", STACK_SUFFIXES.infrastructure);
}

/** cdktf's default local backend keeps a stack's state where synth runs, in `terraform.<stack>.tfstate`. */
const STATE_FILE = { prefix: "terraform.", suffix: ".tfstate" } as const;

/** The file name of a stack's state under cdktf's default local backend. */
export function stateFileName(stack: string): string {
  return `${STATE_FILE.prefix}${stack}${STATE_FILE.suffix}`;
}

/** The stack whose state a file name holds (as `stateFileName` makes it), or undefined. */
export function stackOfStateFile(file: string): string | undefined {
  return between(file, STATE_FILE.prefix, STATE_FILE.suffix);
}

/** Where Terraform puts a state it could not save (in the folder it runs in): it holds what the state would. */
export const ERRORED_STATE_FILE = "errored.tfstate";

/** Where a LocalBackend given no path keeps its state: Terraform's own default, in the stack's folder. */
export const LOCAL_BACKEND_STATE_FILE = "terraform.tfstate";

/** What `text` holds between `prefix` and `suffix`, when it is that and not empty; else undefined. */
function between(text: string, prefix: string, suffix: string): string | undefined {
  const inner = text.length > prefix.length + suffix.length && text.startsWith(prefix) && text.endsWith(suffix);
  return inner ? text.slice(prefix.length, text.length - suffix.length) : undefined;
}

/** What a network named `network` calls its parts. */
export function networkNames(network: string) {
  return {
    subnet: `${network}-nodes`,
    /** Carried by every node. */
    nodeTag: `${network}-node`,
    /** Carried by the control plane only. */
    controlPlaneTag: `${network}-control-plane`,
    firewallRule: (purpose: string) => `${network}-allow-${purpose}`,
  };
}

/** Node `index` of a lab: 0 is the control plane, N is worker N (the article's node0/1/2). */
export function nodeName(lab: string, index: number): string {
  return `${lab}-${shortNodeName(index)}`;
}

/** node-0, node-1…: how the article and the box name the nodes. */
export function shortNodeName(index: number): string {
  return `node-${index}`;
}

/** The article's names for worker N's probe, and the node label that pins it there. */
export function probeNames(n: number) {
  const app = `node-wrk-${n}-ubuntu24`;
  const namespace = `wrk-${n}`;
  return { namespace, app, nodeLabel: { key: "nodelabel", value: `node-wrk-${n}` }, host: `${app}.${namespace}` } as const;
}

/** The admin user's name in the lab's kubeconfig. */
export function kubeconfigUser(lab: string): string {
  return `${lab}-admin`;
}

/** The connectivity check's objects, in the client probe's namespace. */
export const CHECK_NAMES = { job: "connectivity-check", script: "labyrinth-connectivity-check" } as const;

/**
 * Instance-metadata keys that carry secrets beside user-data; the bootstrap reads them at boot. The
 * control plane keeps a copy of the CA key and ignores later changes to it: the lab's deploy removes
 * it (MetadataKeyRemoval) once the API server is up.
 */
export const METADATA_KEYS = {
  token: "labyrinth-token",
  caCert: "labyrinth-ca-crt",
  caKey: "labyrinth-ca-key",
} as const;

/** Google Cloud labels every lab VM carries: status and destroy find a lab's VMs by them. */
export const GCE_LABEL_KEYS = { lab: "lab", role: "role", ttl: "ttl" } as const;

/** The Helm releases of the in-cluster stack. */
export const RELEASE_NAMES = { cilium: "cilium", metadataGuard: "labyrinth-metadata-guard" } as const;
