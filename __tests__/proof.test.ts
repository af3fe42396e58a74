import { readNatCounters, readProof } from "../journey/proof";
import { ARTICLE, articlePlan } from "./fixtures/article-captures";
import { STATUS_KUBE_PROXY_KEPT, STATUS_REPLACED_FULL_BPF_ROUTING, STATUS_REPLACED_HOSTNS_ONLY } from "./fixtures/cilium/status";
import { ok, standInExecutor } from "./support/stand-in-executor";

const plan = articlePlan();
const net = ok(JSON.stringify([{ xdp: [], tc: [{ devname: ARTICLE.clientLxc, ifindex: 9, kind: "tcx/ingress", name: "cil_from_container", prog_id: 681 }] }]));
/** kube-proxy's nat rules as iptables-save -c prints them, the Service's rule having counted `packets`. */
const saved = (packets: number) =>
  ok(
    `*nat\n[${packets}:${packets * 60}] -A KUBE-SERVICES -d ${ARTICLE.service}/32 -p tcp -m comment --comment "wrk-2/node-wrk-2-ubuntu24:tcp-9999 cluster IP" -m tcp --dport 9999 -j KUBE-SVC-IWPXKGE4TAJJE4GD\n[7:420] -A KUBE-SERVICES -d 10.96.0.10/32 -p udp -j KUBE-SVC-TCOU7JCQXEZGVUNU\nCOMMIT\n`,
  );

/** The proof as a run reads it: the counters before, then everything after. */
async function proofWith(before: number, after: number, status = ok(STATUS_KUBE_PROXY_KEPT)) {
  const { executor, calls } = standInExecutor([
    [/^agent node-1: bpftool -j net$/, net],
    [/^agent node-1: cilium-dbg status -o json$/, status],
    [/^host node-1: iptables-save -c -t nat$/, [saved(before), saved(after)]],
  ]);
  const baseline = await readNatCounters(executor, plan);
  return { proof: await readProof(executor, plan, baseline), calls };
}

describe("kube-proxy's counters: only what this run counted", () => {
  test("counters already up from earlier connections, and unchanged by the run: eBPF did it", async () => {
    const { proof, calls } = await proofWith(5, 5);
    expect(proof.natRules).toEqual([{ packets: 0, before: 5, chain: "KUBE-SERVICES", rule: expect.stringContaining(`${ARTICLE.service}/32`) }]);
    expect(proof).toMatchObject({ verdict: "ebpf", errors: [] });
    // Read twice: before the run, and after it.
    expect(calls.filter((c) => c.includes("iptables-save"))).toHaveLength(2);
  });

  test("counters that moved during the run: kube-proxy did it", async () => {
    const { proof } = await proofWith(5, 8);
    expect(proof.natRules[0]).toMatchObject({ packets: 3, before: 5 });
    expect(proof.verdict).toBe("iptables");
  });

  test("counters zeroed during the run by a kube-proxy sync: never a negative count; what they counted since is at least this run's", async () => {
    const { proof } = await proofWith(5, 2);
    expect(proof.natRules).toEqual([{ packets: 2, before: 5, reset: true, chain: "KUBE-SERVICES", rule: expect.stringContaining(`${ARTICLE.service}/32`) }]);
    expect(proof.verdict).toBe("iptables");
    // Nothing counted since the reset: what the run counted before it is lost, so no verdict.
    const zeroed = (await proofWith(5, 0)).proof;
    expect(zeroed.natRules[0]).toMatchObject({ packets: 0, reset: true });
    expect(zeroed.verdict).toBe("unknown");
  });

  test("counters that could not be read before the run: no verdict from them, and it is said", async () => {
    const { executor } = standInExecutor([
      [/bpftool/, net],
      [/cilium-dbg/, ok(STATUS_KUBE_PROXY_KEPT)],
      [/iptables-save/, [{ status: 1, stdout: "", stderr: "iptables-save: lock busy" }, saved(5)]],
    ]);
    const proof = await readProof(executor, plan, await readNatCounters(executor, plan));
    expect(proof.verdict).toBe("unknown");
    expect(proof.errors).toEqual(["iptables-save failed on node-1: iptables-save: lock busy (before the run: the counters cannot be told apart from earlier traffic)"]);
  });

  test("what could not be read after the run is said, and no conclusion is drawn from its absence", async () => {
    const { executor } = standInExecutor([
      [/bpftool/, net],
      [/cilium-dbg/, ok(STATUS_KUBE_PROXY_KEPT)],
      [/iptables-save/, [saved(0), { status: 127, stdout: "", stderr: "sh: 1: not found" }]],
    ]);
    const proof = await readProof(executor, plan, await readNatCounters(executor, plan));
    expect(proof.errors).toEqual(["iptables-save failed on node-1: sh: 1: not found"]);
    expect(proof.verdict).toBe("unknown");
  });
});

describe("the agent's own view, from cilium-dbg status", () => {
  test("the lab's default: kube-proxy kept, no socket load balancing, legacy host routing, VXLAN", async () => {
    const { proof, calls } = await proofWith(0, 0);
    expect(proof.agent).toEqual({ kubeProxyReplacement: false, socketLB: "off", hostRouting: "Legacy", network: "Tunnel [vxlan]" });
    expect(calls).toContain("agent node-1: cilium-dbg status -o json");
  });

  test("kube-proxy replaced, socket load balancing kept to the host's namespace", async () => {
    const { proof } = await proofWith(0, 0, ok(STATUS_REPLACED_HOSTNS_ONLY));
    expect(proof.agent).toMatchObject({ kubeProxyReplacement: true, socketLB: "host namespace only", hostRouting: "Legacy" });
  });

  test("replaced, socket load balancing in pods too, BPF host routing", async () => {
    const { proof } = await proofWith(0, 0, ok(STATUS_REPLACED_FULL_BPF_ROUTING));
    expect(proof.agent).toMatchObject({ kubeProxyReplacement: true, socketLB: "pods too", hostRouting: "BPF" });
  });

  test("an agent that does not answer, or answers something else, is named; no view is made up", async () => {
    const silent = (await proofWith(0, 0, { status: 1, stdout: "", stderr: "Error: cannot reach the agent" })).proof;
    expect(silent.errors).toEqual(["cilium-dbg status failed on node-1: Error: cannot reach the agent"]);
    expect(silent.agent).toBeUndefined();
    expect((await proofWith(0, 0, ok("{}"))).proof.errors).toEqual(["cilium-dbg status on node-1 could not be read: no kube-proxy-replacement or routing in it: not the agent's status"]);
  });

  test("no agent (the box): cilium-dbg is not asked for, and nothing is missing", async () => {
    const { executor, calls } = standInExecutor([[/bpftool/, net], [/iptables-save/, saved(0)]], false);
    const proof = await readProof(executor, plan, await readNatCounters(executor, plan));
    expect(proof).toMatchObject({ hasAgent: false, errors: [], verdict: "ebpf" });
    expect(proof.agent).toBeUndefined();
    expect(calls.some((c) => c.includes("cilium-dbg"))).toBe(false);
  });
});
