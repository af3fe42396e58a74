import { parseIptablesSave } from "../journey/iptables-counters";
import { concernsFlow, linksWithoutCarrier, readDropCounters, readNodeFacts } from "../journey/node-facts";
import { ARTICLE, articlePlan } from "./fixtures/article-captures";
import { ok, standInExecutor } from "./support/stand-in-executor";

const plan = articlePlan();
/** node-2's filter table as iptables-save -c prints it: the INPUT policy, a rule on the tunnel's port, and kube-proxy's INVALID drop. */
const filter = (counts: { policy?: number; tunnel?: number; invalid?: number } = {}) =>
  ok(
    [
      "*filter",
      `:INPUT ${counts.policy === undefined ? "ACCEPT" : "DROP"} [${counts.policy ?? 0}:0]`,
      ":FORWARD ACCEPT [40:2400]",
      `[${counts.tunnel ?? 0}:0] -A INPUT -p udp -m udp --dport 8472 -m comment --comment "a host firewall" -j DROP`,
      `[${counts.invalid ?? 0}:0] -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
      "[90:5400] -A FORWARD -j ACCEPT",
      "COMMIT",
      "",
    ].join("\n"),
  );
const links = (lxcFlags: string[]) =>
  ok(
    JSON.stringify([
      { ifname: "lo", flags: ["LOOPBACK", "UP"], operstate: "UNKNOWN" },
      { ifname: "ens4", flags: ["BROADCAST", "UP", "LOWER_UP"], operstate: "UP" },
      { ifname: ARTICLE.serverLxc, flags: lxcFlags, operstate: lxcFlags.includes("NO-CARRIER") ? "LOWERLAYERDOWN" : "UP" },
      { ifname: "lxc-not-traced", flags: ["NO-CARRIER", "UP"], operstate: "LOWERLAYERDOWN" },
    ]),
  );

describe("iptables-save -c", () => {
  test("rules and the built-in chains' policies, with their packet counters", () => {
    expect(parseIptablesSave(filter({ policy: 7, tunnel: 3 }).stdout)).toEqual([
      { chain: "INPUT", rule: "policy DROP", packets: 7 },
      { chain: "FORWARD", rule: "policy ACCEPT", packets: 40 },
      { chain: "INPUT", rule: '-p udp -m udp --dport 8472 -m comment --comment "a host firewall" -j DROP', packets: 3 },
      { chain: "KUBE-FORWARD", rule: "-m conntrack --ctstate INVALID -j DROP", packets: 0 },
      { chain: "FORWARD", rule: "-j ACCEPT", packets: 90 },
    ]);
  });
});

describe("the nodes' own facts, read before the captures and after the trigger", () => {
  async function facts(node2: { before: ReturnType<typeof filter>; after: ReturnType<typeof filter> }, more: [RegExp, ReturnType<typeof ok>][] = []) {
    const { executor, calls } = standInExecutor([
      [/^host node-2: iptables-save -c -t filter$/, [node2.before, node2.after]],
      [/^host node-1: iptables-save -c -t filter$/, filter()],
      ...more,
      [/cat \/proc\/sys\/net\/ipv4\/ip_forward$/, ok("1\n")],
      [/ip -j link show$/, links(["BROADCAST", "UP", "LOWER_UP"])],
    ]);
    const baseline = await readDropCounters(executor, plan);
    return { read: await readNodeFacts(executor, plan, baseline), calls };
  }

  test("only what a dropping rule counted during the run, and only rules that drop", async () => {
    const { read, calls } = await facts({ before: filter({ tunnel: 5, invalid: 2 }), after: filter({ tunnel: 9, invalid: 2 }) });
    expect(read).toEqual({
      drops: [{ node: "node-2", chain: "INPUT", rule: '-p udp -m udp --dport 8472 -m comment --comment "a host firewall" -j DROP', packets: 4, before: 5 }],
      notForwarding: [],
      linksDown: [],
      errors: [],
    });
    // Both nodes, twice each: before and after.
    expect(calls.filter((c) => c.endsWith("iptables-save -c -t filter")).sort()).toEqual([
      "host node-1: iptables-save -c -t filter",
      "host node-1: iptables-save -c -t filter",
      "host node-2: iptables-save -c -t filter",
      "host node-2: iptables-save -c -t filter",
    ]);
  });

  test("a chain's DROP policy counts as a drop", async () => {
    const { read } = await facts({ before: filter({ policy: 10 }), after: filter({ policy: 16 }) });
    expect(read.drops).toEqual([{ node: "node-2", chain: "INPUT", rule: "policy DROP", packets: 6, before: 10 }]);
  });

  test("a node that does not forward, and a traced interface without carrier; an untraced one is not named", async () => {
    const { read } = await facts({ before: filter(), after: filter() }, [
      [/^host node-1: cat \/proc\/sys\/net\/ipv4\/ip_forward$/, ok("0\n")],
      [/^host node-2: ip -j link show$/, links(["NO-CARRIER", "BROADCAST", "UP"])],
    ]);
    expect(read.notForwarding).toEqual(["node-1"]);
    expect(read.linksDown).toEqual([{ node: "node-2", interface: ARTICLE.serverLxc, state: "LOWERLAYERDOWN" }]);
  });

  test("ip link that says something other than its JSON: no link named, and it is said; the run goes on", async () => {
    const { read } = await facts({ before: filter(), after: filter() }, [[/^host node-2: ip -j link show$/, ok("Error: no such device")]]);
    expect(read.linksDown).toEqual([]);
    expect(read.errors).toEqual([expect.stringMatching(/^ip link on node-2 said something that is not its JSON: /)]);
  });

  test("counters that could not be read before the run: no drops told for that node, and it is said", async () => {
    const failed = { status: 1, stdout: "", stderr: "iptables-save: lock busy" };
    const { read } = await facts({ before: failed, after: filter({ tunnel: 9 }) });
    expect(read.drops).toEqual([]);
    expect(read.errors).toEqual(["the firewall's counters on node-2 could not be read before the run: its drops are not told"]);
  });

  test("the lab's prefix runs each read in the host's own namespaces", async () => {
    const { executor, calls } = standInExecutor([[/iptables-save/, filter()], [/ip_forward/, ok("1")], [/link show/, links([])]]);
    const onHost = ["nsenter", "-t", "1", "-m", "-n"];
    await readNodeFacts(executor, plan, await readDropCounters(executor, plan, onHost), onHost);
    expect(calls.filter((c) => c.startsWith("host node-1")).sort()).toEqual([
      "host node-1: nsenter -t 1 -m -n cat /proc/sys/net/ipv4/ip_forward",
      "host node-1: nsenter -t 1 -m -n ip -j link show",
      "host node-1: nsenter -t 1 -m -n iptables-save -c -t filter",
      "host node-1: nsenter -t 1 -m -n iptables-save -c -t filter",
    ]);
  });
});

describe("whether a dropping rule could have dropped this flow", () => {
  // The flow's packets: the pods' addresses inside, the nodes' outside; the Service's port, the tunnel's.
  const flow = { addresses: [ARTICLE.client, ARTICLE.server, ARTICLE.node1, ARTICLE.node2], ports: [9999, 8472], interfaces: ["ens4", "cilium_vxlan", ARTICLE.serverLxc] };
  test.each([
    // It names the flow, and nothing it says rules the flow out.
    ["-p udp -m udp --dport 8472 -j DROP", true],
    ["-s 10.0.1.0/24 -j DROP", true],
    [`-d ${ARTICLE.server}/32 -p tcp -j REJECT --reject-with icmp-port-unreachable`, true],
    [`-o ${ARTICLE.serverLxc} -j DROP`, true],
    ["-o lxc+ -j DROP", true],
    ["-p tcp -m tcp --dport 9000:10000 -j DROP", true],
    ["-p udp -m multiport --dports 4789,8472 -j DROP", true],
    ["-i ens4 -p tcp -m tcp --dport 50000:60000 -j DROP", true],
    ["-m conntrack ! --ctstate INVALID -j DROP", true],
    // It narrows nothing: everything goes.
    ["-p udp -j DROP", true],
    ['-m comment --comment "ens4 9999" -j DROP', true],
    ["policy DROP", true],
    // One of its selectors no packet of the flow satisfies.
    ["-m conntrack --ctstate INVALID -j DROP", false],
    ["-s 192.168.7.0/24 -j DROP", false],
    ["! -s 10.0.0.0/8 -j DROP", false],
    ['! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -j DROP', false],
    ["-p tcp -m tcp --dport 22 -j DROP", false],
    ["-i ens4 -p tcp -m tcp --dport 22 -j DROP", false],
    ["-i docker0 -j DROP", false],
    ["-m udp ! --dport 1:65535 -j DROP", false],
    // What it says is not understood, or may hold an ephemeral port only: not named.
    ["-m mark --mark 0x1/0x1 -j DROP", false],
    ["-p tcp -m tcp --dport 40000 -j DROP", false],
  ])("%s: %s", (rule, expected) => {
    expect(concernsFlow(rule, flow)).toBe(expected);
  });

  test("ip -j link: only the named interfaces, only without carrier", () => {
    expect(linksWithoutCarrier(links(["NO-CARRIER", "UP"]).stdout, "node-2", [ARTICLE.serverLxc, "ens4"])).toEqual([{ node: "node-2", interface: ARTICLE.serverLxc, state: "LOWERLAYERDOWN" }]);
  });
});
