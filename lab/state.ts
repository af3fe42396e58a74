import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** cdktf's local backend keeps each stack's state beside the project as terraform.<stack>.tfstate. */
export function statePath(stack: string, dir = process.cwd()): string {
  return join(dir, `terraform.${stack}.tfstate`);
}

/** A deployed stack's outputs, read from its local state. */
export function readOutputs(stack: string, dir = process.cwd()): Record<string, unknown> {
  const path = statePath(stack, dir);
  if (!existsSync(path)) throw new Error(`no state for ${stack} at ${path}: deploy the lab first (npm run deploy)`);
  const state = JSON.parse(readFileSync(path, "utf8")) as { outputs?: Record<string, { value: unknown }> };
  return Object.fromEntries(Object.entries(state.outputs ?? {}).map(([name, output]) => [name, output.value]));
}
