import { spawnSync } from "node:child_process";
import { FAULTS } from "../box/faults";
import { labyrinth, useTheBox } from "./support/box";

// Faults made by hand in the box that is up, and what the journey names for each: the hop where
// the packet was last seen and first missed, what came back, and the most likely cause.
useTheBox();

beforeAll(() => expect(labyrinth(["box", "up"]).status).toBe(0));

/** The journey's verdict on the box as it is: its exit code, what it said while waiting, each exchange's diagnosis by label. */
function journey(...args: string[]) {
  const run = labyrinth(["journey", "--local", "--json", ...args]);
  const result = JSON.parse(run.stdout);
  const diagnosis = Object.fromEntries(result.exchanges.map((e: any) => [e.label, e.ok ? "ok" : e.diagnosis]));
  return { status: run.status, stderr: run.stderr, result, diagnosis };
}

const at = (hop: number, node: string, iface: string) => ({ hop, node, interface: iface });
/** The first cause when a fault's firewall rule (commented labyrinth-fault) dropped the packets: the rule, as iptables-save -c showed it counting. */
const firewall = (node: string, rule: string) =>
  expect.stringMatching(new RegExp(`^${node}'s firewall: -A ${rule} -m comment --comment labyrinth-fault -j DROP, a rule this flow matches, dropped \\d+ packets? during this run \\(iptables-save -c\\)$`));

describe.each([
  {
    fault: "tunnel-blocked-node-2",
    args: [],
    expected: {
      TCP: { direction: "forward", lastSeen: at(4, "node-2", "ens4"), firstMissed: at(5, "node-2", "cilium_vxlan"), cameBack: 'nothing was captured; the client\'s socket said "Connection timed out"', causes: [firewall("node-2", "INPUT -p udp -m udp --dport 8472"), expect.stringMatching(/^node-2 drops the tunnel's UDP 8472 before its VXLAN device/), expect.anything()] },
      // The DNS pod is on node-2 too: its query is lost the same way.
      DNS: { lastSeen: at(4, "node-2", "ens4"), firstMissed: at(5, "node-2", "cilium_vxlan") },
    },
  },
  {
    fault: "tunnel-blocked-node-1",
    args: ["--protocol", "udp"],
    expected: {
      UDP: { direction: "reply", lastSeen: at(3, "node-1", "ens4"), firstMissed: at(2, "node-1", "cilium_vxlan"), causes: [firewall("node-1", "INPUT -p udp -m udp --dport 8472"), expect.stringMatching(/^node-1 drops the tunnel's UDP 8472/), expect.anything()] },
    },
  },
  {
    fault: "underlay-mtu",
    args: ["--protocol", "udp", "--size", "1300"],
    expected: {
      UDP: { lastSeen: at(3, "node-1", "ens4"), firstMissed: at(4, "node-2", "ens4"), causes: [expect.stringMatching(/^an MTU mismatch on the underlay: the wrapped packet is 1378 bytes and node-2's ens4 takes 1300$/), expect.anything()] },
      DNS: "ok",
    },
  },
  {
    fault: "no-pod-route",
    args: ["--protocol", "tcp"],
    expected: {
      TCP: { lastSeen: at(1, "node-1", expect.stringMatching(/^lxc/)), firstMissed: at(2, "node-1", "cilium_vxlan"), causes: [expect.stringMatching(/^node-1 has no route to 10\.10\.2\.215/), expect.anything()] },
    },
  },
  {
    fault: "policy-drop",
    args: ["--protocol", "tcp"],
    expected: {
      TCP: { lastSeen: at(5, "node-2", "cilium_vxlan"), firstMissed: at(6, "node-2", expect.stringMatching(/^lxc/)), causes: [firewall("node-2", "FORWARD -o lxc\\w+"), expect.stringMatching(/^a network policy drops it before the pod/), expect.anything()] },
      DNS: "ok",
    },
  },
  {
    fault: "no-service-translation",
    args: ["--protocol", "tcp"],
    expected: {
      TCP: { lastSeen: at(1, "node-1", expect.stringMatching(/^lxc/)), firstMissed: at(2, "node-1", "cilium_vxlan"), causes: [expect.stringMatching(/^nothing translated the Service address 10\.105\.134\.33/), expect.anything()] },
    },
  },
  {
    fault: "server-not-listening",
    args: [],
    expected: {
      TCP: { cameBack: "a TCP RST from 10.10.2.215", causes: ["connection refused: nothing listens on tcp 9999 in the server pod wrk-2/node-wrk-2-ubuntu24"] },
      UDP: { cameBack: expect.stringMatching(/^ICMP port unreachable from 10\.10\.2\.215/), causes: ["nothing listens on udp 9999 in the server pod wrk-2/node-wrk-2-ubuntu24"] },
      DNS: "ok",
    },
  },
  {
    fault: "dns-down",
    args: ["--protocol", "tcp"],
    expected: {
      DNS: { cameBack: expect.stringMatching(/^ICMP port unreachable from 10\.10\.2\.17/), causes: ["nothing listens on udp 53 in the DNS pod kube-system/coredns: cluster DNS is not answering"] },
      // The trigger sends to the Service's address: TCP goes through without DNS.
      TCP: "ok",
    },
  },
])("box break $fault", ({ fault, args, expected }) => {
  test("the journey names the hop and the cause, and exits 1; box fix puts it back", () => {
    const made = labyrinth(["box", "break", fault]);
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/^made: /);
    try {
      const broken = journey(...args);
      expect(broken.status).toBe(1);
      expect(broken.result.ok).toBe(false);
      for (const [label, verdict] of Object.entries(expected)) {
        expect({ label, verdict: broken.diagnosis[label] }).toEqual({ label, verdict: verdict === "ok" ? "ok" : expect.objectContaining(verdict) });
      }
      // A run that waits says what for, on stderr.
      if (fault.startsWith("tunnel-blocked")) expect(broken.stderr).toMatch(/^labyrinth: waiting for /m);
    } finally {
      const fixed = labyrinth(["box", "fix"]);
      expect(fixed.stdout).toMatch(new RegExp(`^fixed: ${fault}, `));
    }
    expect(journey(...args).status).toBe(0);
  });
});

describe("faults made by hand", () => {
  const inNode = (netns: string, ...argv: string[]) => expect(spawnSync("ip", ["netns", "exec", netns, ...argv]).status).toBe(0);

  test.each([
    {
      fault: "node-2's FORWARD drops everything from node-1's pods",
      make: ["labyrinth-node-2", "iptables", "-I", "FORWARD", "-s", "10.10.1.0/24", "-j", "DROP"],
      undo: ["labyrinth-node-2", "iptables", "-D", "FORWARD", "-s", "10.10.1.0/24", "-j", "DROP"],
      // The DNS pod has no capture point of its own: the query is last seen on node-2's cilium_vxlan.
      expected: {
        DNS: { lastSeen: at(5, "node-2", "cilium_vxlan"), causes: [expect.stringMatching(/^node-2's firewall: -A FORWARD -s 10\.10\.1\.0\/24 -j DROP, a rule this flow matches, dropped \d+ packets during this run/), expect.anything(), expect.anything()] },
        TCP: { firstMissed: at(6, "node-2", expect.stringMatching(/^lxc/)), causes: [expect.stringMatching(/^node-2's firewall: -A FORWARD -s 10\.10\.1\.0\/24 -j DROP, a rule this flow matches, dropped \d+ packets during this run/), expect.anything(), expect.anything()] },
      },
    },
    {
      fault: "node-1 forwards nothing",
      make: ["labyrinth-node-1", "sysctl", "-qw", "net.ipv4.ip_forward=0"],
      undo: ["labyrinth-node-1", "sysctl", "-qw", "net.ipv4.ip_forward=1"],
      expected: { TCP: { lastSeen: at(1, "node-1", expect.stringMatching(/^lxc/)), causes: ["node-1 forwards nothing: net.ipv4.ip_forward is 0", expect.anything(), expect.anything()] } },
    },
  ])("$fault: named first, from the node's own counters and settings", ({ make, undo, expected }) => {
    inNode(make[0], ...make.slice(1));
    try {
      const broken = journey("--protocol", "tcp");
      expect(broken.status).toBe(1);
      for (const [label, verdict] of Object.entries(expected)) expect({ label, verdict: broken.diagnosis[label] }).toEqual({ label, verdict: expect.objectContaining(verdict) });
    } finally {
      inNode(undo[0], ...undo.slice(1));
    }
    expect(journey("--protocol", "tcp").status).toBe(0);
  });

  test("the server pod's eth0 down: its veth has no carrier, named first", () => {
    inNode("labyrinth-wrk-2", "ip", "link", "set", "eth0", "down");
    try {
      const broken = journey("--protocol", "tcp");
      expect(broken.status).toBe(1);
      expect(broken.diagnosis.TCP.causes[0]).toMatch(/^node-2's lxc\w+ has no carrier \(\w+\): the pod's end of the veth, its eth0, is down$/);
    } finally {
      // The pod's routes went down with its eth0: a new box.
      expect(labyrinth(["box", "down"]).status).toBe(0);
      expect(labyrinth(["box", "up"]).status).toBe(0);
    }
  });

  test("a tunnel device that is down: named with its hop at once, exit 1, the box left up", () => {
    const down = (state: "down" | "up") => expect(spawnSync("ip", ["-n", "labyrinth-node-1", "link", "set", "cilium_vxlan", state]).status).toBe(0);
    down("down");
    try {
      const run = labyrinth(["journey", "--local"]);
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        "labyrinth: node-1's cilium_vxlan is down (hop 2, the tunnel device): nothing crosses it, so the path breaks there. Bring it up (ip link set cilium_vxlan up, on node-1) with the routes through it, which went down with it (the box: box down, then run again)",
      );
      expect(labyrinth(["box", "status"]).stdout).toMatch(/^box up, datapath ebpf$/m);
    } finally {
      down("up");
    }
    // The kernel dropped the route through the device with it: as the line says, a new box.
    expect(labyrinth(["box", "down"]).status).toBe(0);
    expect(labyrinth(["box", "up"]).status).toBe(0);
    expect(journey("--protocol", "tcp").status).toBe(0);
  });
});

describe("practising", () => {
  test("box break --list describes every fault in the box's own numbers", () => {
    const list = labyrinth(["box", "break", "--list"]);
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split("\n").map((l) => l.split(/\s{2,}/)[0])).toEqual(FAULTS.map((f) => f.name));
    expect(list.stdout).toMatch(/^no-pod-route +node-1 has no route to node-2's pod range 10\.10\.2\.0\/24$/m);
  });

  test("--quiz keeps the fault from box status; box fix then says what it was", () => {
    expect(labyrinth(["box", "break", "--quiz", "policy-drop"]).stdout).toMatch(/kept secret/);
    const status = labyrinth(["box", "status"]).stdout;
    expect(status).toContain("a fault is made, kept secret");
    expect(status).not.toContain("policy-drop");
    expect(labyrinth(["box", "fix"]).stdout.trim()).toBe("fixed: policy-drop, node-2 drops everything to the server pod before it reaches the pod, as a network policy would");
  });

  test("bad input: an unknown fault lists them; a second fault names the first; nothing to fix", () => {
    const unknown = labyrinth(["box", "break", "cable-cut"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe(`labyrinth: no fault "cable-cut": one of ${FAULTS.map((f) => f.name).join(", ")} (box break --list describes them)`);
    expect(labyrinth(["box", "break", "dns-down"]).status).toBe(0);
    const second = labyrinth(["box", "break", "policy-drop"]);
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe("labyrinth: the fault dns-down is already made: npx labyrinth box fix first");
    expect(labyrinth(["box", "fix"]).status).toBe(0);
    expect(labyrinth(["box", "fix"]).stdout.trim()).toBe("no fault is made: nothing to fix");
  });

  test("with no box up, box break says how to start one", () => {
    expect(labyrinth(["box", "down"]).status).toBe(0);
    const none = labyrinth(["box", "break", "dns-down"]);
    expect(none.status).toBe(1);
    expect(none.stderr.trim()).toBe("labyrinth: no box is up: npx labyrinth box up builds one");
    expect(labyrinth(["box", "up"]).status).toBe(0);
  });
});
