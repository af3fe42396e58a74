import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { analyzeExchange } from "./analyzer";
import { startCaptures, stopCaptures } from "./capture";
import { Executor } from "./executor";
import { CapturePlan, Protocol } from "./plan";
import { readProof } from "./proof";
import { JourneyResult } from "./result";
import { trigger, TriggerResult } from "./trigger";

export interface JourneyOptions {
  readonly where: JourneyResult["where"];
  readonly protocols: Protocol[];
  /** Keep the captures here, one pcapng per node. */
  readonly pcapDir?: string;
  /** How long a capture may take to start. */
  readonly captureTimeoutMs?: number;
  /** How to read the client node's nat rules (the lab enters the host's namespaces first). */
  readonly iptablesSave?: string[];
}

/**
 * One journey, on any executor: capture at the plan's six points, trigger the flow from the
 * client pod, stop, decode, follow each exchange hop by hop, read the node's proofs.
 */
export async function runJourney(executor: Executor, plan: CapturePlan, options: JourneyOptions): Promise<JourneyResult> {
  const captures = await startCaptures(executor, plan, options.captureTimeoutMs);
  let fired: TriggerResult | undefined;
  let packets;
  try {
    fired = await trigger(executor, plan, options.protocols);
    // dumpcap receives packets in blocks that the kernel hands over every 250 ms (libpcap's
    // TPACKET_V3 timeout): stopping sooner would lose the last block.
    await new Promise((resolve) => setTimeout(resolve, 400));
  } finally {
    packets = await stopCaptures(executor, plan, captures);
  }
  const exchanges = plan.exchanges.filter((e) => e.label === "DNS" || options.protocols.includes(e.protocol)).map((e) => analyzeExchange(e, plan.points, packets));
  const proof = await readProof(executor, plan, options.iptablesSave);
  const pcaps: string[] = [];
  if (options.pcapDir) {
    mkdirSync(options.pcapDir, { recursive: true });
    for (const [node, file] of captures.files) {
      const target = join(options.pcapDir, basename(file));
      writeFileSync(target, await executor.readFile(node, file));
      pcaps.push(target);
    }
  }
  const problems = [
    ...(fired.resolved === plan.target.service.address ? [] : [`DNS: ${plan.target.name} resolved to ${fired.resolved ?? "nothing"}, not the Service's ${plan.target.service.address}`]),
    ...fired.deliveries.filter((d) => !d.ok).map((d) => `${d.protocol.toUpperCase()}: the payload was not echoed back (got "${d.received}")`),
    ...exchanges.flatMap((e) => (e.problem ? [e.problem] : [])),
  ];
  return { where: options.where, ok: problems.length === 0, plan, trigger: fired, exchanges, proof, problems, pcaps };
}
