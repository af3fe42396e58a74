import { ExecResult, Executor } from "../journey/executor";
import { hostSideOf, nodeLinkFacts } from "../journey/interfaces";

/** A stand-in executor: canned answers per node and pod, every call recorded. */
function standIn(nodes: Record<string, object[]>, iflinks: Record<string, string>) {
  const calls: string[] = [];
  const ok = (stdout: string): ExecResult => ({ status: 0, stdout, stderr: "" });
  const executor: Executor = {
    hasAgent: false,
    onNode: async (node, argv) => (calls.push(`${node}: ${argv.join(" ")}`), ok(JSON.stringify(nodes[node] ?? []))),
    onAgent: async (node, argv) => (calls.push(`agent on ${node}: ${argv.join(" ")}`), { status: 1, stdout: "", stderr: "no agent" }),
    inPod: async (pod, argv) => (calls.push(`${pod}: ${argv.join(" ")}`), iflinks[pod] ? ok(`${iflinks[pod]}\n`) : { status: 1, stdout: "", stderr: "no such pod" }),
    startOnNode: () => {
      throw new Error("not used");
    },
    scratchDir: async () => "/tmp",
    readFile: async () => Buffer.alloc(0),
  };
  return { executor, calls };
}

const node1 = [
  { ifindex: 1, ifname: "lo" },
  { ifindex: 2, ifname: "ens4" },
  { ifindex: 5, ifname: "cilium_vxlan" },
  // Names alone would not tell which lxc is whose.
  { ifindex: 9, ifname: "lxc7dc050ebabd6" },
  { ifindex: 11, ifname: "lxc1e0b7c2c5527" },
];

test("the host side of a pod's veth is the node's interface whose index is the pod's eth0 iflink", async () => {
  const { executor, calls } = standIn({ "node-1": node1 }, { "wrk-1/a": "11", "wrk-1/b": "9" });
  expect(await hostSideOf(executor, "wrk-1/a", "node-1")).toBe("lxc1e0b7c2c5527");
  expect(await hostSideOf(executor, "wrk-1/b", "node-1")).toBe("lxc7dc050ebabd6");
  expect(calls.slice(0, 2)).toEqual(["wrk-1/a: cat /sys/class/net/eth0/iflink", "node-1: ip -d -j link show"]);
});

test("a pod on another node than expected is named", async () => {
  const { executor } = standIn({ "node-1": node1 }, { "wrk-2/c": "14" });
  await expect(hostSideOf(executor, "wrk-2/c", "node-1")).rejects.toThrow("node-1 has no interface with index 14, the peer of wrk-2/c's eth0: is the pod on node-1?");
});

test("a node without the tunnel device is named", async () => {
  const { executor } = standIn({ "node-2": [{ ifindex: 2, ifname: "ens4" }] }, {});
  await expect(nodeLinkFacts(executor, "node-2", "cilium_vxlan", "ens4")).rejects.toThrow(
    "node-2 has no cilium_vxlan: the journey captures there (is this node running Cilium in VXLAN mode?)",
  );
});

test("what the links say of themselves: the underlay's MTU, the tunnel's port, and its VNI unless Cilium's (external)", async () => {
  const links = (external: boolean) => [
    { ifindex: 2, ifname: "ens4", mtu: 1300 },
    { ifindex: 5, ifname: "cilium_vxlan", mtu: 1410, linkinfo: { info_kind: "vxlan", info_data: external ? { port: 8472, external: true } : { id: 2, port: 4789 } } },
  ];
  const box = standIn({ "node-2": links(false) }, {});
  await expect(nodeLinkFacts(box.executor, "node-2", "cilium_vxlan", "ens4")).resolves.toEqual({ underlayMtu: 1300, tunnel: { port: 4789, vni: 2, mtu: 1410 } });
  expect(box.calls).toEqual(["node-2: ip -d -j link show"]);
  const cilium = standIn({ "node-2": links(true) }, {});
  await expect(nodeLinkFacts(cilium.executor, "node-2", "cilium_vxlan", "ens4")).resolves.toEqual({ underlayMtu: 1300, tunnel: { port: 8472, vni: undefined, mtu: 1410 } });
});
