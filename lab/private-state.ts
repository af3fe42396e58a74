import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { LabModel } from "../model/lab";
import { ERRORED_STATE_FILE } from "../model/names";
import { statePath } from "./state";

/**
 * The files Terraform's local backend writes for a stack: its state, the backup of the one before,
 * and errored.tfstate, where it puts a state it could not save.
 */
function stateFiles(model: LabModel, dir: string): string[] {
  return [...Object.values(model.stacks).flatMap((stack) => [statePath(stack, dir), `${statePath(stack, dir)}.backup`]), join(dir, ERRORED_STATE_FILE)];
}

function ownerOnly(model: LabModel, dir: string, log: (line: string) => void): void {
  for (const file of stateFiles(model, dir).filter((f) => existsSync(f))) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      // Someone else's file (a state written under sudo): the run goes on; its owner can tighten it.
      log(`could not make ${file} readable by its owner only (${(error as NodeJS.ErrnoException).code}): chmod 600 it as its owner`);
    }
  }
}

/**
 * Runs cdktf so that the lab's state is readable by its owner only: the state holds the cluster's
 * keys and the join token, and Terraform creates it with the process's umask (0644 on most
 * machines). A state written before (by an older Labyrinth, or cdktf run by hand) is tightened
 * first: Terraform rewrites it in place, keeping its mode.
 */
export function withPrivateState<T>(model: LabModel, run: () => T, log: (line: string) => void, dir = process.cwd()): T {
  ownerOnly(model, dir, log);
  const before = process.umask(0o077);
  try {
    return run();
  } finally {
    process.umask(before);
  }
}
