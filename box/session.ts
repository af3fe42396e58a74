import { runJourney } from "../journey/journey";
import { Protocol } from "../journey/plan";
import { JourneyResult } from "../journey/report";
import { buildBox } from "./build";
import { CommandError } from "./command";
import { NetnsExecutor } from "./netns-executor";
import { planForBox } from "./plan";
import { Datapath, preflight } from "./preflight";
import { readState } from "./state";
import { boxNamespaces, teardownBox } from "./teardown";
import { BoxTopology, defaultTopology } from "./topology";

/** A problem the user can fix, said in one line (or a few, one per problem). */
export class BoxError extends Error {}

function checkCanRun(datapath: Datapath): void {
  const problems = preflight(datapath);
  if (problems.length > 0) throw new BoxError(problems.join("\n"));
}

/** A box that is up and whole, or undefined; throws on the remains of a crashed one. */
export function existingBox(prefix: string): { topology: BoxTopology; datapath: Datapath } | undefined {
  const state = readState(prefix);
  const namespaces = boxNamespaces(prefix);
  if (!state && namespaces.length === 0) return undefined;
  if (state?.complete && namespaces.length === state.topology.nodes.length + state.topology.pods.length) return state;
  throw new BoxError(
    `a box was left half-built by an earlier run (${namespaces.length > 0 ? `namespaces ${namespaces.join(", ")}` : `state in /run/${prefix}`}): npx labyrinth box down removes it`,
  );
}

/** Builds a box, tearing it down again if the build fails or is interrupted. */
export function bringUp(topology: BoxTopology, datapath: Datapath): void {
  try {
    buildBox(topology, datapath);
  } catch (error) {
    teardownBox(topology.prefix);
    if (error instanceof CommandError && /File exists|Address already in use/.test(error.message)) {
      throw new BoxError(`${error.message}: npx labyrinth box down removes what an earlier box left`);
    }
    throw error;
  }
}

/** Tears the box down on Ctrl-C or a kill while `work` runs, then exits as the signal would. */
export async function withTeardownOnSignal<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  const handler = (signal: NodeJS.Signals) => {
    teardownBox(prefix);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  try {
    return await work();
  } finally {
    process.removeListener("SIGINT", handler);
    process.removeListener("SIGTERM", handler);
  }
}

export interface BoxJourney {
  readonly result: JourneyResult;
  /** Milliseconds: build (0 on a box already up), trace, teardown (0 when the box stays up). */
  readonly timings: { build: number; trace: number; teardown: number };
}

/**
 * `journey --local`: on a box already up (left up), or on a box built for this run and always
 * torn down after it, on success, error or Ctrl-C.
 */
export async function journeyInBox(options: { datapath: Datapath; protocols: Protocol[]; pcapDir?: string; captureTimeoutMs?: number; prefix?: string }): Promise<BoxJourney> {
  const prefix = options.prefix ?? "labyrinth";
  checkCanRun(options.datapath);
  const up = existingBox(prefix);
  const topology = up?.topology ?? defaultTopology(prefix);
  const start = Date.now();
  const datapath = up?.datapath ?? options.datapath;
  const trace = async () => {
    const executor = new NetnsExecutor(topology);
    return runJourney(executor, await planForBox(executor, topology, options.protocols, datapath), { where: "box", ...options });
  };
  if (up) {
    const result = await trace();
    return { result, timings: { build: 0, trace: Date.now() - start, teardown: 0 } };
  }
  return withTeardownOnSignal(prefix, async () => {
    let built = 0;
    let traced = 0;
    try {
      bringUp(topology, options.datapath);
      built = Date.now();
      const result = await trace();
      traced = Date.now();
      return { result, timings: { build: built - start, trace: traced - built, teardown: 0 } };
    } finally {
      teardownBox(prefix);
    }
  }).then((journey) => ({ ...journey, timings: { ...journey.timings, teardown: Date.now() - start - journey.timings.build - journey.timings.trace } }));
}

/** `box up`: builds the box and leaves it running. */
export function boxUp(datapath: Datapath, prefix = "labyrinth"): BoxTopology {
  checkCanRun(datapath);
  const up = existingBox(prefix);
  if (up) throw new BoxError(`a box is already up (datapath ${up.datapath}): npx labyrinth box down first, or use it as it is`);
  const topology = defaultTopology(prefix);
  bringUp(topology, datapath);
  return topology;
}
