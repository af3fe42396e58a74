import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabModel, resolveLab } from "../model/lab";
import { labOfStack, stackIds, stackOfStateFile, stateFileName } from "../model/names";
import { modelFromRecord } from "../model/record";
import { LabSettings, settingsFromEnv } from "../model/settings";

/** Where cdktf's local backend keeps a stack's state: beside the project. */
export function statePath(stack: string, dir = process.cwd()): string {
  return join(dir, stateFileName(stack));
}

interface State {
  outputs?: Record<string, { value: unknown }>;
  resources?: { type?: string; instances?: { attributes?: { name?: unknown } }[] }[];
}

/** A stack's local state; undefined when there is none, or the file is empty (Terraform creates it so before it writes one). */
function readState(stack: string, dir: string): State | undefined {
  const path = statePath(stack, dir);
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as State;
  } catch (error) {
    throw new Error(`${path} is not a Terraform state (${error instanceof Error ? error.message : error}): restore it from ${path}.backup, or remove it if nothing was deployed`);
  }
}

const holdsResources = (state: State | undefined) => (state?.resources ?? []).length > 0;

/** Whether a stack's local state still holds resources: after a destroy that finished, it holds none. */
export function hasResources(stack: string, dir = process.cwd()): boolean {
  return holdsResources(readState(stack, dir));
}

/** A deployed stack's outputs, read from its local state. */
export function readOutputs(stack: string, dir = process.cwd()): Record<string, unknown> {
  const state = readState(stack, dir);
  if (!state) throw new Error(`no state for ${stack} at ${statePath(stack, dir)}: deploy the lab first (npm run deploy)`);
  return Object.fromEntries(Object.entries(state.outputs ?? {}).map(([name, output]) => [name, output.value]));
}

/**
 * The VMs a stack's state says were made, by name: a VM of the lab that is not there was made and
 * then lost (expired, reclaimed, deleted), not one the deploy has still to make.
 */
export function madeInstances(stack: string, dir = process.cwd()): Set<string> {
  const resources = readState(stack, dir)?.resources ?? [];
  const names = resources.filter((r) => r.type === "google_compute_instance").flatMap((r) => (r.instances ?? []).map((i) => i.attributes?.name));
  return new Set(names.filter((name): name is string => typeof name === "string"));
}

/**
 * Where `npm run destroy` keeps a copy of a lab's record while it runs: Terraform empties a stack's
 * outputs in a destroy, even one that fails halfway (hashicorp/terraform#29270), which then leaves
 * resources and no record.
 */
export function recordCopyPath(name: string, dir = process.cwd()): string {
  return `${statePath(stackIds(name).infrastructure, dir)}.record`;
}

/** Copies the lab's record, if its state holds one, beside the state; returns where, or undefined. */
export function keepRecordCopy(name: string, dir = process.cwd()): string | undefined {
  const record = readState(stackIds(name).infrastructure, dir)?.outputs?.lab?.value;
  if (typeof record !== "string") return undefined;
  writeFileSync(recordCopyPath(name, dir), record);
  return recordCopyPath(name, dir);
}

/** Removes the copy once the destroy has finished. */
export function dropRecordCopy(name: string, dir = process.cwd()): void {
  rmSync(recordCopyPath(name, dir), { force: true });
}

/** A lab whose infrastructure stack has resources or a record in this folder's state. */
export interface DeployedLab {
  readonly model: LabModel;
  /**
   * False when the state holds no record, nor a copy of it beside: deployed before labs recorded
   * their settings. The model is then the current settings' with the lab's name.
   */
  readonly recorded: boolean;
}

function deployedAs(name: string, dir: string, current: () => LabSettings): DeployedLab | undefined {
  const state = readState(stackIds(name).infrastructure, dir);
  const made = holdsResources(state);
  const copy = recordCopyPath(name, dir);
  // The copy only stands in for a record that a destroy stopped halfway dropped: resources are left.
  const record = state?.outputs?.lab?.value ?? (made && existsSync(copy) ? readFileSync(copy, "utf8") : undefined);
  if (typeof record === "string") return { model: modelFromRecord(record), recorded: true };
  if (!made) return undefined;
  return { model: resolveLab({ ...current(), name }), recorded: false };
}

/** The names of the labs deployed from this folder. */
export function deployedLabNames(dir = process.cwd()): string[] {
  return readdirSync(dir)
    .map(stackOfStateFile)
    .map((stack) => (stack === undefined ? undefined : labOfStack(stack)))
    .filter((name): name is string => name !== undefined)
    .filter((name) => {
      const state = readState(stackIds(name).infrastructure, dir);
      return state?.outputs?.lab !== undefined || holdsResources(state);
    })
    .sort();
}

/** No lab deployed from this folder, or several and no LABYRINTH_NAME to choose one: said in one line. */
export class DeployedLabError extends Error {}

/**
 * The lab the lifecycle commands act on: the one LABYRINTH_NAME names, or the only one deployed
 * from this folder, as it was deployed. Undefined when none is; a DeployedLabError when several
 * are and LABYRINTH_NAME does not choose. The shell's other LABYRINTH_* variables are read only for
 * a lab with no record: a recorded lab is found whatever else they say.
 */
export function findDeployedLab(env: NodeJS.ProcessEnv, dir = process.cwd()): DeployedLab | undefined {
  const current = () => settingsFromEnv(env);
  const chosen = env.LABYRINTH_NAME?.trim();
  if (chosen) return deployedAs(chosen, dir, current);
  const names = deployedLabNames(dir);
  if (names.length > 1) {
    throw new DeployedLabError(`${names.length} labs are deployed from ${dir}: ${names.join(", ")}; choose one with LABYRINTH_NAME, e.g. LABYRINTH_NAME=${names[0]}`);
  }
  return names.length === 1 ? deployedAs(names[0], dir, current) : undefined;
}

/** The deployed lab, or a DeployedLabError that says how to get one (`alternatives`: what else the command can do). */
export function requireDeployedLab(env: NodeJS.ProcessEnv, alternatives = "", dir = process.cwd()): DeployedLab {
  const lab = findDeployedLab(env, dir);
  if (lab) return lab;
  const name = env.LABYRINTH_NAME?.trim();
  throw new DeployedLabError(`no lab ${name ? `${name} ` : ""}is deployed from ${dir}: npm run deploy builds one (run the lab's commands where you deployed it)${alternatives}`);
}
