import { mkdirSync } from "node:fs";
import { cleanUpOnInterrupt } from "../journey/interrupt";
import { runJourney } from "../journey/journey";
import { Protocol } from "../journey/plan";
import { JourneyResult } from "../journey/result";
import { LabModel } from "../model/lab";
import { buildBox } from "./build";
import { CommandError } from "./command";
import { BoxError } from "./errors";
import { holdBox } from "./lock";
import { NetnsExecutor } from "./netns-executor";
import { planForBox } from "./plan";
import { Datapath, preflight } from "./preflight";
import { boxPaths, BoxState, readState } from "./state";
import { boxNamespaces, teardownBox } from "./teardown";
import { BOX_PREFIX, BoxTopology, boxTopology } from "./topology";

export { BoxError };

function checkCanRun(datapath: Datapath): void {
  const problems = preflight(datapath);
  if (problems.length > 0) throw new BoxError(problems.join("\n"));
}

/**
 * The box that is up and whole, or undefined when there is none. Throws on the remains of a run
 * that died (a half-built box, or one it was tracing in): the caller holds the box, so nobody else
 * is using them.
 */
export function existingBox(prefix: string): BoxState | undefined {
  const state = readState(prefix);
  const namespaces = boxNamespaces(prefix);
  if (!state && namespaces.length === 0) return undefined;
  if (state?.complete && !state.temporary && namespaces.length === state.topology.nodes.length + state.topology.pods.length) return state;
  throw new BoxError(
    `a box was left ${state?.complete ? "behind" : "half-built"} by an earlier run (${namespaces.length > 0 ? `namespaces ${namespaces.join(", ")}` : `state in /run/${prefix}`}): npx labyrinth box down removes it`,
  );
}

/** Builds a box, tearing it down again if the build fails. */
function build(topology: BoxTopology, datapath: Datapath, temporary: boolean): void {
  mkdirSync(boxPaths(topology.prefix).dir, { recursive: true });
  try {
    buildBox(topology, datapath, temporary);
  } catch (error) {
    teardownBox(topology.prefix);
    if (error instanceof CommandError && /File exists|Address already in use/.test(error.message)) {
      throw new BoxError(`${error.message}: npx labyrinth box down removes what an earlier box left`);
    }
    throw error;
  }
}

/**
 * Runs `work` holding the box, and lets go on every way out. On Ctrl-C or SIGTERM, `cleanup`
 * (a temporary box's teardown) runs first.
 */
async function holding<T>(prefix: string, doing: string, cleanup: () => void, work: (now: (doing: string) => void) => Promise<T> | T): Promise<T> {
  const hold = await holdBox(prefix, doing);
  try {
    return await cleanUpOnInterrupt(
      () => {
        try {
          cleanup();
        } finally {
          hold.release();
        }
      },
      () => work(hold.now),
    );
  } finally {
    hold.release();
  }
}

export interface BoxJourney {
  readonly result: JourneyResult;
  /** Milliseconds: build (0 on a box already up), trace, teardown (0 when the box stays up). */
  readonly timings: { build: number; trace: number; teardown: number };
  /** Whether the journey used a box that was up, and left it up. */
  readonly boxWasUp: boolean;
}

export interface BoxJourneyOptions {
  /** The lab the box stands for: its addresses and ports. A box already up must have been built from the same. */
  readonly model: LabModel;
  /** For a new box; a box already up keeps its own (and a different one is refused). @default "ebpf" */
  readonly datapath?: Datapath;
  readonly protocols: Protocol[];
  /** Bytes of payload in each TCP and UDP message. */
  readonly size?: number;
  readonly pcapDir?: string;
  readonly captureTimeoutMs?: number;
  readonly progress?: (line: string) => void;
  readonly prefix?: string;
}

/**
 * `journey --local`: on a box already up (left up), or on a box built for this run and always
 * torn down after it, on success, error, Ctrl-C or SIGTERM.
 */
export async function journeyInBox(options: BoxJourneyOptions): Promise<BoxJourney> {
  const prefix = options.prefix ?? BOX_PREFIX;
  // Looking for a box takes `ip`: only once the tools every box needs are there.
  checkCanRun("iptables");
  let temporary = false;
  let executor: NetnsExecutor | undefined;
  // On Ctrl-C: this run's own processes and captures go; the box too, if it was built for the run.
  const cleanup = () => {
    executor?.close();
    if (temporary) teardownBox(prefix);
  };
  return holding(prefix, "building", cleanup, async (now) => {
    const up = existingBox(prefix);
    if (up && options.datapath && options.datapath !== up.datapath) {
      throw new BoxError(`the box that is up has the ${up.datapath} datapath: npx labyrinth box down first, or leave out --datapath`);
    }
    const wanted = boxTopology(options.model, prefix);
    if (up && JSON.stringify(up.topology) !== JSON.stringify(wanted)) {
      throw new BoxError(`the box that is up was built for other addresses (pods ${up.topology.nodes.map((n) => n.podCidr).join(", ")}): npx labyrinth box down first, or use the settings it was built with`);
    }
    const topology = up?.topology ?? wanted;
    const datapath = up?.datapath ?? options.datapath ?? "ebpf";
    checkCanRun(datapath);
    const start = Date.now();
    if (!up) {
      temporary = true;
      build(topology, datapath, true);
    }
    const built = Date.now();
    now("tracing in");
    let result: JourneyResult;
    let traced = built;
    executor = new NetnsExecutor(topology);
    try {
      const plan = await planForBox(executor, topology, options.protocols, datapath);
      result = await runJourney(executor, plan, { where: "box", ...options });
    } finally {
      traced = Date.now();
      cleanup();
    }
    return { result, boxWasUp: up !== undefined, timings: { build: built - start, trace: traced - built, teardown: Date.now() - traced } };
  });
}

/** `box up`: builds the box and leaves it running (torn down if interrupted while building). */
export async function boxUp(model: LabModel, datapath: Datapath, prefix = BOX_PREFIX): Promise<BoxTopology> {
  checkCanRun(datapath);
  return holding(prefix, "building", () => teardownBox(prefix), () => {
    const up = existingBox(prefix);
    if (up) throw new BoxError(`a box is already up (datapath ${up.datapath}): npx labyrinth box down first, or use it as it is`);
    const topology = boxTopology(model, prefix);
    build(topology, datapath, false);
    return topology;
  });
}

/** `box down`: removes the box and whatever a crashed run left of one, unless another run is using it. */
export async function boxDown(prefix = BOX_PREFIX): Promise<string[]> {
  checkCanRun("iptables");
  return holding(prefix, "removing", () => teardownBox(prefix), () => teardownBox(prefix));
}

/** Runs `change` on the box that is up, holding it; says how to build one when none is. */
export async function withBoxUp<T>(prefix: string, doing: string, change: (state: BoxState) => T): Promise<T> {
  checkCanRun("iptables");
  return holding(prefix, doing, () => undefined, () => {
    const up = existingBox(prefix);
    if (!up) throw new BoxError("no box is up: npx labyrinth box up builds one");
    return change(up);
  });
}
