import { decodePackets, Packet, tsharkDecodeArgs } from "./decode";
import { ExecResult, Executor, Running } from "./executor";
import { CapturePlan, CapturePoint } from "./plan";

/** One capture process: on all of a node's capture points at once, or inside a pod, on its own eth0 (for one point). */
interface Capture {
  readonly node: string;
  readonly file: string;
  readonly running: Running;
  /** The point whose pod this capture is inside of, for a capture inside a pod. */
  readonly inside?: CapturePoint;
}

export interface Captures {
  readonly list: Capture[];
  /** What could not be captured, when the run goes on without it. */
  readonly notes: string[];
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Whether a capture failed for want of dumpcap itself, as a shell or an exec says it. */
const missing = (said: string) => /dumpcap: (not found|No such file)|exec of "dumpcap" failed|executable file not found|ENOENT/.test(said);

/**
 * A capture point whose interface is down is where the path breaks: nothing crosses it. dumpcap
 * refuses to start on it; that refusal, said as the fault it is, with its hop.
 */
function interfaceDown(plan: CapturePlan, node: string, said: string): string | undefined {
  const device = /Device "([^"]+)" is not up/.exec(said)?.[1];
  const point = plan.points.find((p) => p.node === node && p.interface === device);
  if (!point) return undefined;
  return `${node}'s ${point.interface} is down (hop ${point.hop}, ${point.description}): nothing crosses it, so the path breaks there. Bring it up (ip link set ${point.interface} up, on ${node}) with the routes through it, which went down with it (the box: box down, then run again)`;
}

/**
 * Starts dumpcap on every node of the plan, each interface with its own filter, and inside each
 * pod of the plan on its eth0; resolves once all capture. The nodes' captures are the journey: if
 * one does not start, nothing runs. A pod's own is a second view: without it the run goes on.
 */
export async function startCaptures(executor: Executor, plan: CapturePlan, timeoutMs = 15_000): Promise<Captures> {
  const list: Capture[] = [];
  const dirs = new Map<string, string>();
  for (const node of [...new Set(plan.points.map((p) => p.node))]) {
    dirs.set(node, await executor.scratchDir(node));
    const file = `${dirs.get(node)}/journey-${node}.pcapng`;
    const points = plan.points.filter((p) => p.node === node);
    list.push({ node, file, running: executor.startOnNode(node, ["dumpcap", ...points.flatMap((p) => ["-i", p.interface, "-f", p.filter]), "-w", file]) });
  }
  // dumpcap says "Capturing on" before its interfaces listen, and "File:" once they do.
  try {
    await Promise.all(
      list.map(({ node, running }) =>
        running.ready(/^File: /m, timeoutMs).catch((error) => {
          throw new Error(interfaceDown(plan, node, reason(error)) ?? `the capture on ${node} did not start${missing(reason(error)) ? " (it needs dumpcap, from tshark's package)" : ""}: ${reason(error)}`);
        }),
      ),
    );
  } catch (error) {
    // The captures that did start must not outlive the run.
    await Promise.allSettled(list.map((c) => c.running.stop()));
    throw error;
  }
  const notes: string[] = [];
  for (const point of plan.points.filter((p) => p.pod)) {
    const file = `${dirs.get(point.node)}/journey-${point.node}-${point.pod!.split("/").pop()}.pcapng`;
    let running: Running | undefined;
    try {
      running = executor.startInPod(point.pod!, ["dumpcap", "-i", "eth0", "-f", point.filter, "-w", file]);
      await running.ready(/^File: /m, timeoutMs);
      list.push({ node: point.node, file, running, inside: point });
    } catch (error) {
      await running?.stop();
      notes.push(`the capture inside ${point.pod} (its own eth0) did not start, so hop ${point.hop} is seen from the host side only: ${reason(error)}`);
    }
  }
  return { list, notes };
}

/** What the captures saw, per hop, and what could not be read of them. */
export interface Captured {
  readonly packets: Map<number, Packet[]>;
  /** What each pod saw on its own eth0, by the hop of its host-side interface. */
  readonly inside: Map<number, Packet[]>;
  /** One line per capture that was cut short or could not be read: the run goes on without it. */
  readonly notes: string[];
}

/** tshark's packets from a capture, up to its last whole packet when it was cut short. */
function readCapture(what: string, result: ExecResult): { packets: Packet[]; note?: string } {
  const said = (result.stderr || "").trim().split("\n").filter((l) => !/^Running as user/.test(l)).pop() ?? "";
  let packets: Packet[] | undefined;
  try {
    packets = decodePackets(result.stdout);
  } catch {
    // tshark's JSON ended early too: nothing of it can be trusted
  }
  if (packets && result.status === 0) return { packets };
  if (packets && /cut short|truncated/i.test(said)) return { packets, note: `${what} was read up to its last whole packet (tshark: ${said})` };
  return { packets: [], note: `${what} could not be read (tshark exit ${result.status}${said ? `: ${said}` : ""}): its hops show as not seen` };
}

/** Stops every capture (all of them, whatever fails), then decodes them: the packets seen at each hop. */
export async function stopCaptures(executor: Executor, plan: CapturePlan, captures: Captures): Promise<Captured> {
  await Promise.allSettled(captures.list.map((c) => c.running.stop()));
  const packets = new Map<number, Packet[]>(plan.points.map((p) => [p.hop, []]));
  const inside = new Map<number, Packet[]>();
  const notes = [...captures.notes];
  const decoded = await Promise.all(
    captures.list.map(async (capture) => ({
      capture,
      read: readCapture(
        capture.inside ? `the capture inside ${capture.inside.pod}` : `the capture on ${capture.node}`,
        await executor.onNode(capture.node, tsharkDecodeArgs(capture.file, plan.tunnelPort)).catch((error: Error) => ({ status: -1, stdout: "", stderr: error.message })),
      ),
    })),
  );
  for (const { capture, read } of decoded) {
    if (read.note) notes.push(read.note);
    if (capture.inside) {
      inside.set(capture.inside.hop, read.packets);
      continue;
    }
    for (const packet of read.packets) {
      const point = plan.points.find((p) => p.node === capture.node && p.interface === packet.interface);
      if (point) packets.get(point.hop)!.push(packet);
    }
  }
  return { packets, inside, notes };
}
