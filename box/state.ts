import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Datapath } from "./preflight";
import { BoxTopology } from "./topology";

/** Where a box keeps what it made outside its namespaces: its state file and its bpffs. */
export function boxPaths(prefix: string) {
  const dir = join("/run", prefix);
  return { dir, state: join(dir, "box.json"), bpffs: join(dir, "bpf") };
}

export interface BoxState {
  readonly topology: BoxTopology;
  readonly datapath: Datapath;
  /** False while building: a box left incomplete was interrupted. */
  readonly complete: boolean;
  /** Whether the box made /etc/netns (and so removes it when empty). */
  readonly madeEtcNetns: boolean;
  /** Built for one journey and torn down when it ends (false for `box up`). */
  readonly temporary: boolean;
  /** The fault made with `box break`, until `box fix`; `quiz` keeps its name from `box status`. */
  readonly fault?: { readonly name: string; readonly quiz: boolean };
}

export function writeState(prefix: string, state: BoxState): void {
  writeFileSync(boxPaths(prefix).state, JSON.stringify(state, null, 2));
}

export function readState(prefix: string): BoxState | undefined {
  const path = boxPaths(prefix).state;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BoxState) : undefined;
}
