/**
 * The lab's names and numbers that the constructs set and the tools (status, the journey) look
 * for. Plain values, so that the tools load no cdktf.
 */

/** UDP port of Cilium's VXLAN tunnel (the Linux default, as in the article's captures). */
export const VXLAN_PORT = 8472;

/** Port the probes answer on, TCP and UDP. */
export const PROBE_PORT = 9999;

/** A public, maintained network-debugging image with tshark, socat and nc, pinned by tag. */
export const DEFAULT_PROBE_IMAGE = "docker.io/nicolaka/netshoot:v0.16";

/** The article's names for worker N's probe. */
export function probeNames(n: number) {
  const app = `node-wrk-${n}-ubuntu24`;
  return { namespace: `wrk-${n}`, app, nodeLabel: `node-wrk-${n}`, host: `${app}.wrk-${n}` };
}
