/**
 * The Cilium agent's own view of its datapath, from `cilium-dbg status -o json` (the JSON tags of
 * cilium's api/v1/models: `kube-proxy-replacement`, `routing`). Every `enabled` flag there is
 * `omitempty`: a missing one is false.
 */

export interface AgentStatus {
  /** Whether Cilium replaces kube-proxy (its `mode`, "True" or "False"). */
  readonly kubeProxyReplacement: boolean;
  /** Where connect() is translated: nowhere, in the host's namespace only, or in pods too. */
  readonly socketLB: "off" | "host namespace only" | "pods too";
  /** How a node hands packets to its pods: BPF (bpf_redirect_peer, past the host-side veth) or Legacy (the kernel's stack). */
  readonly hostRouting: "BPF" | "Legacy" | "unknown";
  /** "Tunnel [vxlan]", "Native". */
  readonly network: string;
}

interface StatusJson {
  readonly "kube-proxy-replacement"?: { readonly mode?: string; readonly features?: { readonly socketLB?: { readonly enabled?: boolean }; readonly bpfSocketLBHostnsOnly?: boolean } };
  readonly routing?: { readonly "inter-host-routing-mode"?: string; readonly "intra-host-routing-mode"?: string; readonly "tunnel-protocol"?: string };
}

/** `cilium-dbg status -o json` → what the journey needs of it. Throws on output that is not the agent's status. */
export function parseAgentStatus(json: string): AgentStatus {
  const status = JSON.parse(json) as StatusJson;
  const kpr = status["kube-proxy-replacement"];
  const routing = status.routing;
  if (!kpr && !routing) throw new Error("no kube-proxy-replacement or routing in it: not the agent's status");
  const socketLB = kpr?.features?.socketLB?.enabled ? (kpr.features.bpfSocketLBHostnsOnly ? "host namespace only" : "pods too") : "off";
  const intra = routing?.["intra-host-routing-mode"];
  const inter = routing?.["inter-host-routing-mode"] ?? "unknown";
  return {
    kubeProxyReplacement: kpr?.mode === "True",
    socketLB,
    hostRouting: intra === "BPF" || intra === "Legacy" ? intra : "unknown",
    network: inter === "Tunnel" && routing?.["tunnel-protocol"] ? `Tunnel [${routing["tunnel-protocol"]}]` : inter,
  };
}
