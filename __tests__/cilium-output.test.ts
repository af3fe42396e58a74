import { ctEntriesFor, parseCtList } from "../journey/cilium-ct";
import { lbEntryFor, parseLbList } from "../journey/cilium-lb";
import { parseHubbleFlows } from "../journey/hubble";
import { CT_LIST, HUBBLE_REVERSE_NAT_EXCERPT, HUBBLE_TO_ENDPOINT_REPLY, LB_LIST_NO_BACKENDS, LB_LIST_NO_PROTOCOL, LB_LIST_WITH_PROTOCOL } from "./fixtures/cilium/cli-output";

// The parsers of Cilium's own commands, on real output of each.

describe("cilium-dbg bpf lb list", () => {
  test("the format without protocol: one frontend, its other slots on indented lines, slot 0 first or last", () => {
    const services = parseLbList(LB_LIST_NO_PROTOCOL);
    expect(services).toEqual([
      { frontend: "10.96.0.1:443", revNat: 1, flags: ["ClusterIP", "non-routable"], backends: ["172.18.0.3:6443"] },
      { frontend: "10.96.252.10:443", revNat: 22, flags: ["ClusterIP", "InternalLocal", "non-routable"], backends: ["172.18.0.2:4244"] },
      { frontend: "10.96.155.44:80", revNat: 14, flags: ["ClusterIP", "non-routable"], backends: ["10.244.1.211:80"] },
      { frontend: "172.18.0.2:32646", revNat: 33, flags: ["NodePort", "l7-load-balancer"], backends: [] },
    ]);
    // No protocol in the entry: it serves TCP and UDP alike.
    expect(lbEntryFor(services, "10.96.155.44", 80, "tcp")?.backends).toEqual(["10.244.1.211:80"]);
  });

  test("the format with protocol and slot per row: the slots of one frontend gathered, backends by slot", () => {
    const services = parseLbList(LB_LIST_WITH_PROTOCOL);
    expect(services).toEqual([{ frontend: "10.96.0.10:53", protocol: "UDP", revNat: 3, flags: ["ClusterIP", "non-routable"], backends: ["10.244.0.104:53", "10.244.0.191:53"] }]);
    expect(lbEntryFor(services, "10.96.0.10", 53, "udp")?.revNat).toBe(3);
    expect(lbEntryFor(services, "10.96.0.10", 53, "tcp")).toBeUndefined();
  });

  test("protocol ANY (Cilium not telling protocols apart, e.g. `10.96.108.211:0/ANY (0)`): the entry serves TCP and UDP alike", () => {
    const services = parseLbList(LB_LIST_WITH_PROTOCOL.replaceAll("/UDP", "/ANY"));
    expect(services.map((s) => s.protocol)).toEqual(["ANY"]);
    for (const protocol of ["tcp", "udp"]) expect(lbEntryFor(services, "10.96.0.10", 53, protocol)?.backends).toEqual(["10.244.0.104:53", "10.244.0.191:53"]);
  });

  test("services without backends", () => {
    const services = parseLbList(LB_LIST_NO_BACKENDS);
    expect(services.map((s) => [s.frontend, s.protocol, s.revNat, s.backends.length])).toEqual([
      ["10.15.1.8:443", "TCP", 14, 0],
      ["0.0.0.0:30965", "TCP", 12, 0],
      ["192.168.60.179:443", "TCP", 15, 0],
    ]);
  });
});

describe("cilium-dbg bpf ct list global", () => {
  const entries = parseCtList(CT_LIST);

  test("each entry: protocol, direction, the tuple, the Service's own entry marked, the reverse-NAT id", () => {
    expect(entries).toEqual([
      { protocol: "TCP", direction: "OUT", src: "10.96.43.209", srcPort: 80, dst: "10.0.1.90", dstPort: 59668, service: true, revNat: 5 },
      { protocol: "TCP", direction: "IN", src: "10.0.1.90", srcPort: 59668, dst: "10.0.1.108", dstPort: 80, service: false, revNat: 0 },
      { protocol: "TCP", direction: "OUT", src: "10.0.1.90", srcPort: 59668, dst: "10.0.1.108", dstPort: 80, service: false, revNat: 5 },
    ]);
  });

  test("one client's connection, by its address and port on either side", () => {
    expect(ctEntriesFor(entries, "tcp", "10.0.1.90", 59668)).toHaveLength(3);
    expect(ctEntriesFor(entries, "tcp", "10.0.1.90", 59669)).toEqual([]);
    expect(ctEntriesFor(entries, "udp", "10.0.1.90", 59668)).toEqual([]);
  });
});

describe("hubble observe -o jsonpb", () => {
  test("a reply delivered to a pod: the observation point, the verdict, the tuple, the TCP flags", () => {
    expect(parseHubbleFlows(HUBBLE_TO_ENDPOINT_REPLY)).toEqual([
      {
        time: "2025-04-16T18:49:59.450463857Z",
        point: "to-endpoint",
        verdict: "FORWARDED",
        reply: true,
        src: "10.0.1.13",
        dst: "10.0.1.178",
        protocol: "tcp",
        srcPort: 8080,
        dstPort: 60778,
        tcpFlags: ["PSH", "ACK"],
        interface: "lxc8308dc5301b3",
      },
    ]);
  });

  test("after reverse NAT: the backend as the source, the Service as the source on the wire", () => {
    const [reply] = parseHubbleFlows(`{"flow":${HUBBLE_REVERSE_NAT_EXCERPT}}`);
    expect(reply).toMatchObject({ point: "to-endpoint", src: "10.244.0.159", srcXlated: "10.105.81.168", dst: "10.244.0.18" });
  });

  test("lines that are not flows are left out; output that is not JSON throws", () => {
    expect(parseHubbleFlows(`{"node_status":{"state":"NODE_CONNECTED"}}\n\n${HUBBLE_TO_ENDPOINT_REPLY}\n`)).toHaveLength(1);
    expect(() => parseHubbleFlows("Error: connection refused")).toThrow();
  });
});
