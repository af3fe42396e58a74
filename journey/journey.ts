import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { analyzeExchange } from "./analyzer";
import { Captured, Captures, startCaptures, stopCaptures } from "./capture";
import { CiliumMaps, readCiliumEvidence, readCiliumMaps } from "./cilium-evidence";
import { Executor } from "./executor";
import { CapturePlan, Protocol } from "./plan";
import { checkListeners } from "./listener";
import { DropBaseline, readDropCounters, readNodeFacts } from "./node-facts";
import { NatBaseline, readNatCounters, readProof } from "./proof";
import { JourneyResult } from "./result";
import { trigger, TriggerResult } from "./trigger";

export interface JourneyOptions {
  readonly where: JourneyResult["where"];
  readonly protocols: Protocol[];
  /** Bytes of payload in each TCP and UDP message. */
  readonly size?: number;
  /** Keep the captures here, one pcapng per node. */
  readonly pcapDir?: string;
  /** How long a capture may take to start. */
  readonly captureTimeoutMs?: number;
  /** With nothing listening in the server pod: start an echo there for the run (the lab), or only say so (the box). */
  readonly startEcho?: boolean;
  /** What runs a command on a node in the host's own namespaces, before it (the lab: nsenter), so that its iptables and sysctls are the host's. */
  readonly onHost?: string[];
  /** Told what the run waits for, when it waits. */
  readonly progress?: (line: string) => void;
}

/**
 * dumpcap receives packets in blocks that the kernel hands over every 250 ms (libpcap's TPACKET_V3
 * timeout): stopping sooner than this after the last packet would lose the last block.
 */
const LAST_BLOCK_MS = 400;

/** What a run gathers while the flow goes: the counters before it, the captures, the trigger's outcome, Cilium's maps after it. */
interface Gathered {
  readonly baseline: NatBaseline;
  readonly dropBaseline: DropBaseline;
  readonly started: number;
  readonly captures: Captures;
  readonly captured: Captured;
  readonly fired: TriggerResult;
  readonly maps?: CiliumMaps;
}

/** Captures at the plan's points while the trigger runs; the captures stop whatever happens. */
async function gather(executor: Executor, plan: CapturePlan, options: JourneyOptions): Promise<Gathered> {
  // Counters from before the run: earlier connections to the ClusterIP from the node are not this run's.
  const [baseline, dropBaseline] = await Promise.all([readNatCounters(executor, plan, options.onHost), readDropCounters(executor, plan, options.onHost)]);
  const started = Date.now();
  const captures = await startCaptures(executor, plan, options.captureTimeoutMs);
  let fired: TriggerResult | undefined;
  let maps: CiliumMaps | undefined;
  let captured: Captured;
  try {
    fired = await trigger(executor, plan, { protocols: options.protocols, size: options.size, progress: options.progress });
    // Right away: a closed connection's conntrack entries do not last.
    if (executor.hasAgent) maps = await readCiliumMaps(executor, plan);
    await new Promise((resolve) => setTimeout(resolve, LAST_BLOCK_MS));
  } finally {
    captured = await stopCaptures(executor, plan, captures);
  }
  return { baseline, dropBaseline, started, captures, captured, fired, ...(maps ? { maps } : {}) };
}

/**
 * One journey, on any executor: make sure something answers in the server pod, capture at the
 * plan's points, trigger the flow from the client pod (every step bounded), stop, decode, read
 * the node's proofs and Cilium's own evidence, follow each exchange hop by hop.
 */
export async function runJourney(executor: Executor, plan: CapturePlan, options: JourneyOptions): Promise<JourneyResult> {
  const listeners = await checkListeners(executor, plan, options.protocols, { startEcho: options.startEcho ?? false, timeoutMs: options.captureTimeoutMs ?? 15_000 });
  let gathered: Gathered;
  try {
    gathered = await gather(executor, plan, options);
  } finally {
    await Promise.allSettled(listeners.started.map((echo) => echo.stop()));
  }
  const { baseline, dropBaseline, started, captures, captured, fired, maps } = gathered;
  const [proof, nodes] = await Promise.all([readProof(executor, plan, baseline, options.onHost), readNodeFacts(executor, plan, dropBaseline, options.onHost)]);
  const translation = { programs: proof.programs.some((p) => p.interface === plan.points[0].interface), natRules: proof.natRules.length > 0 };
  const exchanges = plan.exchanges
    .filter((e) => e.label === "DNS" || options.protocols.includes(e.protocol))
    .map((e) => {
      const delivery = e.label === "DNS" ? undefined : fired.deliveries.find((d) => d.protocol === e.protocol);
      // A name the resolver got an address for is DNS's payload delivered.
      const delivered = e.label === "DNS" ? fired.resolved !== undefined : delivery?.ok;
      const evidence = { translation, delivered, socketError: delivery?.error, hostRouting: proof.agent?.hostRouting, nodes };
      return analyzeExchange(e, plan, captured.packets, evidence, captured.inside);
    });
  // Hubble's events since the run began (and a little before: the nodes' clocks are not this one's).
  const cilium = maps ? await readCiliumEvidence(executor, plan, exchanges, maps, Math.ceil((Date.now() - started) / 1000) + 10) : undefined;
  const pcaps: string[] = [];
  if (options.pcapDir) {
    mkdirSync(options.pcapDir, { recursive: true });
    for (const { node, file } of captures.list) {
      const target = join(options.pcapDir, basename(file));
      writeFileSync(target, await executor.readFile(node, file));
      pcaps.push(target);
    }
  }
  // One line per thing that went wrong: an exchange's own diagnosis, or what the trigger saw where the captures saw nothing wrong.
  const failed = (label: string) => exchanges.some((e) => e.label === label && !e.ok);
  const problems = [
    ...exchanges.flatMap((e) => (e.problem ? [e.problem] : [])),
    ...(fired.resolved === plan.target.service.address || failed("DNS") ? [] : [`DNS: ${plan.target.name} resolved to ${fired.resolved ?? "nothing"}, not the Service's ${plan.target.service.address}`]),
    ...fired.deliveries
      .filter((d) => !d.ok && !failed(d.protocol.toUpperCase()))
      .map((d) => `${d.protocol.toUpperCase()}: the payload was not echoed back (${d.error ?? (d.received ? `got "${d.received.slice(0, 40)}"` : "nothing came back")})`),
  ];
  return { where: options.where, ok: problems.length === 0, plan, trigger: fired, exchanges, proof, ...(cilium ? { cilium } : {}), problems, pcaps, notes: [...listeners.notes, ...captured.notes, ...nodes.errors] };
}
