import { ExecResult } from "../journey/executor";
import { hostSideOf, nodeLinkFacts } from "../journey/interfaces";
import { ok, standInExecutor } from "./support/stand-in-executor";

/** A stand-in executor: each node's `ip -d -j link show`, each pod's eth0 with the index of its peer. */
function standIn(nodes: Record<string, object[]>, iflinks: Record<string, number>) {
  return standInExecutor([
    ...Object.entries(nodes).map(([node, links]): [RegExp, ExecResult] => [new RegExp(`^host ${node}: ip -d -j link show$`), ok(JSON.stringify(links))]),
    ...Object.entries(iflinks).map(([pod, index]): [RegExp, ExecResult] => [
      new RegExp(`^pod ${pod}: ip -j link show dev eth0$`),
      ok(JSON.stringify([{ ifindex: 2, link_index: index, ifname: "eth0", link_netnsid: 0 }])),
    ]),
  ]);
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
  const { executor, calls } = standIn({ "node-1": node1 }, { "wrk-1/a": 11, "wrk-1/b": 9 });
  expect(await hostSideOf(executor, "wrk-1/a", "node-1")).toBe("lxc1e0b7c2c5527");
  expect(await hostSideOf(executor, "wrk-1/b", "node-1")).toBe("lxc7dc050ebabd6");
  expect(calls.slice(0, 2)).toEqual(["pod wrk-1/a: ip -j link show dev eth0", "host node-1: ip -d -j link show"]);
});

test("a pod on another node than expected is named", async () => {
  const { executor } = standIn({ "node-1": node1 }, { "wrk-2/c": 14 });
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
  expect(box.calls).toEqual(["host node-2: ip -d -j link show"]);
  const cilium = standIn({ "node-2": links(true) }, {});
  await expect(nodeLinkFacts(cilium.executor, "node-2", "cilium_vxlan", "ens4")).resolves.toEqual({ underlayMtu: 1300, tunnel: { port: 8472, vni: undefined, mtu: 1410 } });
});
