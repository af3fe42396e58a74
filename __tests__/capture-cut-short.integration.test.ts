import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Captures, stopCaptures } from "../journey/capture";
import { Executor, Running } from "../journey/executor";
import { CapturePlan } from "../journey/plan";
import { requireTool } from "./support/tools";
import { runHere } from "./support/run-here";

// A capture cut short (a dumpcap stopped mid-write, a pod that went away) is read by the real
// tshark up to its last whole packet; the run goes on with what it has, and says so.
requireTool("tshark");
requireTool("text2pcap", "wireshark-common");
const dir = mkdtempSync(join(tmpdir(), "labyrinth-cut-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a node's commands (tshark) on this machine. */
const local = {
  onNode: (_node: string, argv: string[]) => runHere(argv),
} as unknown as Executor;

const plan = { tunnelPort: 8472, points: [{ hop: 1, node: "node-1", interface: "lxc1", kind: "pod" }] } as unknown as CapturePlan;
const stopped: Running = { ready: async () => undefined, stop: async () => ({ status: 0, stdout: "", stderr: "" }) };

/** Three UDP datagrams from the client to the Service, as a pcapng of interface lxc1, cut `cut` bytes short. */
function capture(name: string, cut: number): string {
  const hex = join(dir, `${name}.txt`);
  const file = join(dir, `${name}.pcapng`);
  writeFileSync(hex, ["000000 6c 61 62 79 72 69 6e 74 68 0a", "000000 6c 61 62 79 72 69 6e 74 68 0a", "000000 6c 61 62 79 72 69 6e 74 68 0a"].join("\n") + "\n");
  const made = spawnSync("text2pcap", ["-q", "-n", "-N", "lxc1", "-e", "0x800", "-4", "10.10.1.15,10.105.134.33", "-u", "40000,9999", hex, file], { encoding: "utf8" });
  expect(made.status).toBe(0);
  if (cut > 0) writeFileSync(file, readFileSync(file).subarray(0, statSync(file).size - cut));
  return file;
}

const read = (file: string) => stopCaptures(local, plan, { list: [{ node: "node-1", file, running: stopped }], notes: [] } as Captures);

test("a whole capture: every packet at its hop, nothing said", async () => {
  const captured = await read(capture("whole", 0));
  expect(captured.packets.get(1)!.map((p) => [p.src, p.dst, p.dstPort])).toEqual(Array(3).fill(["10.10.1.15", "10.105.134.33", 9999]));
  expect(captured.notes).toEqual([]);
});

test("a capture cut in the middle of its last packet: the whole ones are read, and the run says so", async () => {
  // The last block is the third packet's (and the file's end): cut into it.
  const captured = await read(capture("cut", 20));
  expect(captured.packets.get(1)!).toHaveLength(2);
  expect(captured.notes).toEqual([expect.stringMatching(/^the capture on node-1 was read up to its last whole packet \(tshark: .*cut short in the middle of a packet\.?\)$/)]);
});

test("a capture tshark cannot read at all: no packets, the run goes on, and says why", async () => {
  const file = join(dir, "garbage.pcapng");
  writeFileSync(file, "not a capture");
  const captured = await read(file);
  expect(captured.packets.get(1)).toEqual([]);
  expect(captured.notes).toEqual([expect.stringMatching(/^the capture on node-1 could not be read \(tshark exit \d+: .*\): its hops show as not seen$/)]);
});
