import { Executor } from "../journey/executor";
import { hostSideOf, nodeLinkFacts } from "../journey/interfaces";
import { CapturePlan, makePlan, Protocol } from "../journey/plan";
import { Datapath } from "./preflight";
import { BoxTopology, backendOf, nodeOf, podByRole } from "./topology";

/**
 * The box's capture plan: the article's six points and three exchanges, from the topology, with
 * each pod's host-side interface found on the running box.
 */
export async function planForBox(executor: Executor, topology: BoxTopology, protocols: Protocol[], datapath: Datapath): Promise<CapturePlan> {
  const client = podByRole(topology, "client");
  const server = podByRole(topology, "server");
  const target = topology.services.find((s) => s.backend === server.name);
  const dnsPod = podByRole(topology, "dns");
  const dns = topology.services.find((s) => s.backend === dnsPod.name);
  if (!target || !dns) throw new Error("the box's topology needs a Service in front of the server pod and of the DNS pod");
  const targetPort = target.ports.find((p) => p.protocol === "tcp") ?? target.ports[0];
  const dnsPort = dns.ports.find((p) => p.protocol === "udp") ?? dns.ports[0];
  const nodes = [];
  for (const node of topology.nodes) nodes.push({ name: node.name, address: node.address, underlay: "ens4", ...(await nodeLinkFacts(executor, node.name, "cilium_vxlan", "ens4")) });
  const pod = async (p: typeof client) => {
    const name = `${p.namespace}/${p.name}`;
    return { pod: name, address: p.address, node: p.node, lxc: await hostSideOf(executor, name, p.node) };
  };
  return makePlan({
    client: await pod(client),
    server: await pod(server),
    nodes,
    target: { name: `${target.name}.${target.namespace}`, service: { address: target.address, port: targetPort.port }, port: targetPort.targetPort },
    dns: {
      service: { address: dns.address, port: dnsPort.port },
      backend: { name: `${dnsPod.namespace}/${dnsPod.name}`, address: backendOf(topology, dns).address, node: nodeOf(topology, dnsPod).name, port: dnsPort.targetPort },
    },
    tunnelPort: topology.vxlan.port,
    protocols,
    notes: [
      `the box: no Kubernetes and no Cilium agent; one constant VNI (${topology.vxlan.vni}) where Cilium's carries the source's security identity` +
        (datapath === "ebpf"
          ? "; the reply's reverse rewrite happens at the lxc's egress, where Cilium does it inside its own programs"
          : "; --datapath iptables: kube-proxy's DNAT and conntrack do the rewrites, as on a cluster without Cilium's eBPF service handling"),
    ],
  });
}
