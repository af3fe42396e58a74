import { decodePackets, Packet, tsharkDecodeArgs } from "./decode";
import { ExecResult, Executor, Running } from "./executor";
import { CapturePlan } from "./plan";

/** One capture process per node, on all of that node's capture points at once. */
export interface Captures {
  readonly files: Map<string, string>;
  readonly running: Map<string, Running>;
}

function nodesOf(plan: CapturePlan): string[] {
  return [...new Set(plan.points.map((p) => p.node))];
}

/** Starts dumpcap on every node of the plan, each interface with its own filter; resolves once all capture. */
export async function startCaptures(executor: Executor, plan: CapturePlan, timeoutMs = 15_000): Promise<Captures> {
  const files = new Map<string, string>();
  const running = new Map<string, Running>();
  for (const node of nodesOf(plan)) {
    const file = `${await executor.scratchDir(node)}/journey-${node}.pcapng`;
    const points = plan.points.filter((p) => p.node === node);
    const argv = ["dumpcap", ...points.flatMap((p) => ["-i", p.interface, "-f", p.filter]), "-w", file];
    files.set(node, file);
    running.set(node, executor.startOnNode(node, argv));
  }
  // dumpcap says "Capturing on" before its interfaces listen, and "File:" once they do.
  try {
    await Promise.all(
      [...running.entries()].map(([node, r]) =>
        r.ready(/^File: /m, timeoutMs).catch((error) => {
          throw new Error(`the capture on ${node} did not start (it needs dumpcap, from tshark's package): ${error instanceof Error ? error.message : error}`);
        }),
      ),
    );
  } catch (error) {
    // The captures that did start must not outlive the run.
    await Promise.allSettled([...running.values()].map((r) => r.stop()));
    throw error;
  }
  return { files, running };
}

/** What the captures saw, per hop, and what could not be read of them. */
export interface Captured {
  readonly packets: Map<number, Packet[]>;
  /** One line per capture that was cut short or could not be read: the run goes on without it. */
  readonly notes: string[];
}

/** tshark's packets from a capture, up to its last whole packet when it was cut short. */
function readCapture(node: string, result: ExecResult): { packets: Packet[]; note?: string } {
  const said = (result.stderr || "").trim().split("\n").filter((l) => !/^Running as user/.test(l)).pop() ?? "";
  try {
    const packets = decodePackets(result.stdout);
    if (result.status === 0) return { packets };
    return { packets, note: `the capture on ${node} was read up to its last whole packet (tshark: ${said || `exit ${result.status}`})` };
  } catch {
    return { packets: [], note: `the capture on ${node} could not be read (tshark exit ${result.status}${said ? `: ${said}` : ""}): its hops show as not seen` };
  }
}

/** Stops every capture (all of them, whatever fails), then decodes them: the packets seen at each hop. */
export async function stopCaptures(executor: Executor, plan: CapturePlan, captures: Captures): Promise<Captured> {
  await Promise.allSettled([...captures.running.values()].map((r) => r.stop()));
  const packets = new Map<number, Packet[]>(plan.points.map((p) => [p.hop, []]));
  const notes: string[] = [];
  const decoded = await Promise.all(
    [...captures.files].map(async ([node, file]) => ({
      node,
      read: readCapture(
        node,
        await executor.onNode(node, tsharkDecodeArgs(file, plan.tunnelPort)).catch((error: Error) => ({ status: -1, stdout: "", stderr: error.message })),
      ),
    })),
  );
  for (const { node, read } of decoded) {
    if (read.note) notes.push(read.note);
    for (const packet of read.packets) {
      const point = plan.points.find((p) => p.node === node && p.interface === packet.interface);
      if (point) packets.get(point.hop)!.push(packet);
    }
  }
  return { packets, notes };
}
