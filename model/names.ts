/**
 * Every name the lab derives from another: stacks, network parts, nodes, probes, the check. The
 * constructs, the lifecycle and the journey all ask here; none of them builds a name itself.
 */

/** The two stacks of a lab, named after it so that two labs keep separate state. */
export function stackIds(lab: string): { readonly infrastructure: string; readonly cluster: string } {
  return { infrastructure: `${lab}-infra`, cluster: `${lab}-cluster` };
}

/** The lab an infrastructure stack belongs to, or undefined for any other stack id. */
export function labOfStack(stackId: string): string | undefined {
  return stackId.endsWith("-infra") ? stackId.slice(0, -"-infra".length) : undefined;
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
