import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledObject, LoadedProgram, loadProgram, rewriteCounts, serviceEntries, unloadProgram, updateMap } from "../box/bpf";
import { boxTopology } from "../box/topology";
import { resolveLab } from "../model/lab";
import { DEFAULT_SETTINGS } from "../model/settings";
import { buildFrame, FrameSpec, readFrame } from "./support/packets";
import { requireTool } from "./support/tools";

// The program's rewrite on crafted packets, run by the kernel without attaching it anywhere
// (BPF_PROG_TEST_RUN through `bpftool prog run`). Needs root and bpf(), as CI has.
requireTool("bpftool");
requireTool("clang");
const dir = mkdtempSync(join(tmpdir(), "labyrinth-bpf-test-"));
const bpffs = join(dir, "fs");
// The box's services, and one whose port differs from its pods' (80 → 9999): the port rewrite too.
const articleBox = boxTopology(resolveLab(DEFAULT_SETTINGS), "labyrinth-test");
const topology = {
  ...articleBox,
  services: [
    ...articleBox.services,
    {
      name: "web",
      namespace: "wrk-2",
      address: "10.105.134.99",
      ports: [
        { name: "http", protocol: "tcp" as const, port: 80, targetPort: 9999 },
        { name: "quic", protocol: "udp" as const, port: 443, targetPort: 9999 },
      ],
      backend: "node-wrk-2-ubuntu24",
    },
  ],
};
let program: LoadedProgram;

beforeAll(() => {
  program = loadProgram(bpffs, compiledObject(join(dir, "cache")));
  updateMap(program.services, serviceEntries(topology));
});
afterAll(() => {
  unloadProgram(bpffs);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one entry point on one frame; returns the frame as it comes out and the verdict. */
function runProgram(entry: string, frame: Buffer): { verdict: number; out: Buffer } {
  const input = join(dir, "in");
  const output = join(dir, "out");
  writeFileSync(input, frame);
  const said = execFileSync("bpftool", ["prog", "run", "pinned", entry, "data_in", input, "data_out", output], { encoding: "utf8" });
  const verdict = Number(/Return value: (\d+)/.exec(said)?.[1]);
  return { verdict, out: readFileSync(output) };
}

const CLIENT = "10.10.1.15";
const TC_ACT_OK = 0;

describe.each(["tcp", "udp"] as const)("%s to the probe's Service", (protocol) => {
  const request: FrameSpec = { src: CLIENT, dst: "10.105.134.33", protocol, srcPort: 40123, dstPort: 9999, payload: "asdfasdfasdfasd" };

  test("from the pod: the service address and port become the backend pod's, checksums fixed", () => {
    const { verdict, out } = runProgram(program.fromPod, buildFrame(request));
    expect(verdict).toBe(TC_ACT_OK);
    expect(readFrame(out)).toMatchObject({ src: CLIENT, dst: "10.10.2.215", srcPort: 40123, dstPort: 9999, ipChecksumOk: true, l4Checksum: "ok", payload: "asdfasdfasdfasd" });
  });

  test("a service port other than the pod's (80 or 443 → 9999) is rewritten too, and back", () => {
    const port = protocol === "tcp" ? 80 : 443;
    const there = runProgram(program.fromPod, buildFrame({ ...request, dst: "10.105.134.99", dstPort: port, srcPort: 40200 })).out;
    expect(readFrame(there)).toMatchObject({ dst: "10.10.2.215", dstPort: 9999, ipChecksumOk: true, l4Checksum: "ok" });
    const back = runProgram(program.toPod, buildFrame({ src: "10.10.2.215", dst: CLIENT, protocol, srcPort: 9999, dstPort: 40200 })).out;
    expect(readFrame(back)).toMatchObject({ src: "10.105.134.99", srcPort: port, ipChecksumOk: true, l4Checksum: "ok" });
  });

  test("to the pod: the backend's reply gets the service address back as its source", () => {
    const reply = buildFrame({ src: "10.10.2.215", dst: CLIENT, protocol, srcPort: 9999, dstPort: 40123, payload: "asdfasdfasdfasd" });
    const { verdict, out } = runProgram(program.toPod, reply);
    expect(verdict).toBe(TC_ACT_OK);
    expect(readFrame(out)).toMatchObject({ src: "10.105.134.33", dst: CLIENT, srcPort: 9999, dstPort: 40123, ipChecksumOk: true, l4Checksum: "ok" });
  });
});

test("DNS: the cluster DNS Service (UDP 53) goes to the DNS pod", () => {
  const { out } = runProgram(program.fromPod, buildFrame({ src: CLIENT, dst: "10.96.0.10", protocol: "udp", srcPort: 51000, dstPort: 53 }));
  expect(readFrame(out)).toMatchObject({ dst: "10.10.2.17", dstPort: 53, ipChecksumOk: true, l4Checksum: "ok" });
});

test("a UDP datagram without a checksum keeps none", () => {
  const { out } = runProgram(program.fromPod, buildFrame({ src: CLIENT, dst: "10.105.134.33", protocol: "udp", srcPort: 40124, dstPort: 9999, noUdpChecksum: true }));
  expect(readFrame(out)).toMatchObject({ dst: "10.10.2.215", l4Checksum: "none", ipChecksumOk: true });
});

test("packets for anything else pass unchanged, and a reply for a flow never translated keeps its source", () => {
  const direct = buildFrame({ src: CLIENT, dst: "10.10.2.215", protocol: "tcp", srcPort: 40125, dstPort: 9999 });
  expect(runProgram(program.fromPod, direct).out.equals(direct)).toBe(true);
  const otherPort = buildFrame({ src: CLIENT, dst: "10.105.134.33", protocol: "tcp", srcPort: 40126, dstPort: 8080 });
  expect(runProgram(program.fromPod, otherPort).out.equals(otherPort)).toBe(true);
  const stranger = buildFrame({ src: "10.10.2.215", dst: CLIENT, protocol: "tcp", srcPort: 9999, dstPort: 40999 });
  expect(runProgram(program.toPod, stranger).out.equals(stranger)).toBe(true);
});

test("the rewrites are counted, each way", () => {
  const before = rewriteCounts(program.rewrites);
  runProgram(program.fromPod, buildFrame({ src: CLIENT, dst: "10.105.134.33", protocol: "tcp", srcPort: 40127, dstPort: 9999 }));
  runProgram(program.toPod, buildFrame({ src: "10.10.2.215", dst: CLIENT, protocol: "tcp", srcPort: 9999, dstPort: 40127 }));
  expect(rewriteCounts(program.rewrites)).toEqual({ toBackend: before.toBackend + 1, toService: before.toService + 1 });
});
