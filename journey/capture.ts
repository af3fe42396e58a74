import { decodePackets, Packet, tsharkDecodeArgs } from "./decode";
import { Executor, expectSuccess, Running } from "./executor";
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

/** Stops every capture (all of them, whatever fails), then decodes them: the packets seen at each hop. */
export async function stopCaptures(executor: Executor, plan: CapturePlan, captures: Captures): Promise<Map<number, Packet[]>> {
  await Promise.allSettled([...captures.running.values()].map((r) => r.stop()));
  const byHop = new Map<number, Packet[]>(plan.points.map((p) => [p.hop, []]));
  const decoded = await Promise.all(
    [...captures.files].map(async ([node, file]) => ({
      node,
      json: expectSuccess(`tshark on ${node}`, await executor.onNode(node, tsharkDecodeArgs(file, plan.tunnelPort))).stdout,
    })),
  );
  for (const { node, json } of decoded) {
    for (const packet of decodePackets(json)) {
      const point = plan.points.find((p) => p.node === node && p.interface === packet.interface);
      if (point) byHop.get(point.hop)!.push(packet);
    }
  }
  return byHop;
}
