import { createHash } from "node:crypto";
import { BoxTopology, backendOf } from "./topology";

/** kube-proxy names its chains after a hash of the service port; so does the box. */
function chain(kind: "SVC" | "SEP", id: string): string {
  return `KUBE-${kind}-${createHash("sha256").update(id).digest("hex").slice(0, 16).toUpperCase()}`;
}

/**
 * kube-proxy's nat rules for the topology's services, as iptables-restore input: KUBE-SERVICES
 * → KUBE-SVC-… → KUBE-SEP-… → DNAT to the backend. With the eBPF datapath they stay in place and
 * count nothing (the article's proof); with --datapath iptables they do the translation.
 */
export function kubeProxyRules(topology: BoxTopology): string {
  const lines = ["*nat", ":KUBE-SERVICES - [0:0]"];
  const rules: string[] = ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'];
  for (const service of topology.services) {
    const backend = backendOf(topology, service);
    for (const port of service.ports) {
      const id = `${service.namespace}/${service.name}:${port.name}`;
      const svc = chain("SVC", `${id}/${port.protocol}`);
      const sep = chain("SEP", `${id}/${port.protocol}/${backend.address}`);
      const to = `${backend.address}:${port.targetPort}`;
      lines.push(`:${svc} - [0:0]`, `:${sep} - [0:0]`);
      rules.push(
        `-A KUBE-SERVICES -d ${service.address}/32 -p ${port.protocol} -m comment --comment "${id} cluster IP" -m ${port.protocol} --dport ${port.port} -j ${svc}`,
        `-A ${svc} -m comment --comment "${id} -> ${to}" -j ${sep}`,
        `-A ${sep} -p ${port.protocol} -m comment --comment "${id}" -m ${port.protocol} -j DNAT --to-destination ${to}`,
      );
    }
  }
  return [...lines, ...rules, "COMMIT", ""].join("\n");
}
