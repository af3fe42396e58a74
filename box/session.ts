import { cleanUpOnInterrupt } from "../journey/interrupt";
import { runJourney } from "../journey/journey";
import { Protocol } from "../journey/plan";
import { JourneyResult } from "../journey/result";
import { mkdirSync } from "node:fs";
import { buildBox } from "./build";
import { CommandError } from "./command";
import { NetnsExecutor } from "./netns-executor";
import { planForBox } from "./plan";
import { Datapath, preflight } from "./preflight";
import { boxPaths, readState } from "./state";
import { boxNamespaces, teardownBox } from "./teardown";
import { LabModel } from "../model/lab";
import { BoxTopology, boxTopology } from "./topology";

/** A problem the user can fix, said in one line (or a few, one per problem). */
export class BoxError extends Error {}

function checkCanRun(datapath: Datapath): void {
  const problems = preflight(datapath);
  if (problems.length > 0) throw new BoxError(problems.join("\n"));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A box that is up and whole, or undefined. Throws on a box another run is building or tracing
 * in (it will tear its own down), and on the remains of a crashed one.
 */
export function existingBox(prefix: string): { topology: BoxTopology; datapath: Datapath } | undefined {
  const state = readState(prefix);
  const namespaces = boxNamespaces(prefix);
  if (!state && namespaces.length === 0) return undefined;
  if (state && (!state.complete || state.temporary) && running(state.pid)) {
    throw new BoxError(`another run (pid ${state.pid}) is ${state.complete ? "tracing in" : "building"} the box: wait for it to end`);
  }
  if (state?.complete && !state.temporary && namespaces.length === state.topology.nodes.length + state.topology.pods.length) return state;
  throw new BoxError(
    `a box was left ${state?.complete ? "behind" : "half-built"} by an earlier run (${namespaces.length > 0 ? `namespaces ${namespaces.join(", ")}` : `state in /run/${prefix}`}): npx labyrinth box down removes it`,
  );
}

/**
 * Claims the box's folder, atomically: of two runs that start together, one builds and the
 * other is told, before it has made anything it would tear down.
 */
function claimBox(prefix: string): void {
  const { dir } = boxPaths(prefix);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new BoxError(`${dir} exists: another run's box is up or being built (npx labyrinth box status)`);
  }
}

/** Builds a box this run has claimed, tearing it down again if the build fails. */
function build(topology: BoxTopology, datapath: Datapath, temporary: boolean): void {
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

export interface BoxJourney {
  readonly result: JourneyResult;
  /** Milliseconds: build (0 on a box already up), trace, teardown (0 when the box stays up). */
  readonly timings: { build: number; trace: number; teardown: number };
}

export interface BoxJourneyOptions {
  /** The lab the box stands for: its addresses and ports. A box already up must have been built from the same. */
  readonly model: LabModel;
  /** For a new box; a box already up keeps its own (and a different one is refused). @default "ebpf" */
  readonly datapath?: Datapath;
  readonly protocols: Protocol[];
  readonly pcapDir?: string;
  readonly captureTimeoutMs?: number;
  readonly prefix?: string;
}

/**
 * `journey --local`: on a box already up (left up), or on a box built for this run and always
 * torn down after it, on success, error or Ctrl-C.
 */
export async function journeyInBox(options: BoxJourneyOptions): Promise<BoxJourney> {
  const prefix = options.prefix ?? "labyrinth";
  // Looking for a box takes `ip`: only once the tools every box needs are there.
  const up = preflight("iptables").length === 0 ? existingBox(prefix) : undefined;
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
  const trace = async () => {
    const executor = new NetnsExecutor(topology);
    const plan = await planForBox(executor, topology, options.protocols, datapath);
    return runJourney(executor, plan, { where: "box", protocols: options.protocols, pcapDir: options.pcapDir, captureTimeoutMs: options.captureTimeoutMs });
  };
  const start = Date.now();
  if (up) {
    const result = await trace();
    return { result, timings: { build: 0, trace: Date.now() - start, teardown: 0 } };
  }
  let built = start;
  let traced = start;
  claimBox(prefix);
  const result = await cleanUpOnInterrupt(
    () => teardownBox(prefix),
    async () => {
      build(topology, datapath, true);
      built = Date.now();
      try {
        const journey = await trace();
        traced = Date.now();
        return journey;
      } finally {
        teardownBox(prefix);
      }
    },
  );
  return { result, timings: { build: built - start, trace: traced - built, teardown: Date.now() - traced } };
}

/** `box up`: builds the box and leaves it running (torn down if interrupted while building). */
export async function boxUp(model: LabModel, datapath: Datapath, prefix = "labyrinth"): Promise<BoxTopology> {
  checkCanRun(datapath);
  const up = existingBox(prefix);
  if (up) throw new BoxError(`a box is already up (datapath ${up.datapath}): npx labyrinth box down first, or use it as it is`);
  const topology = boxTopology(model, prefix);
  claimBox(prefix);
  await cleanUpOnInterrupt(
    () => teardownBox(prefix),
    () => build(topology, datapath, false),
  );
  return topology;
}
