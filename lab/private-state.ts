import { chmodSync, existsSync } from "node:fs";
import type { LabModel } from "../model/lab";
import { statePath } from "./state";

/** The files Terraform's local backend writes for a stack: its state and the backup of the one before. */
function stateFiles(model: LabModel, dir: string): string[] {
  return Object.values(model.stacks).flatMap((stack) => [statePath(stack, dir), `${statePath(stack, dir)}.backup`]);
}

function ownerOnly(model: LabModel, dir: string): void {
  for (const file of stateFiles(model, dir)) if (existsSync(file)) chmodSync(file, 0o600);
}

/**
 * Runs cdktf so that the lab's state is readable by its owner only: the state holds the cluster's
 * keys and the join token, and Terraform creates it with the process's umask (0644 on most
 * machines). A state written before (by an older Labyrinth, or cdktf run by hand) is tightened
 * first: Terraform rewrites it in place, keeping its mode.
 */
export function withPrivateState<T>(model: LabModel, run: () => T, dir = process.cwd()): T {
  ownerOnly(model, dir);
  const before = process.umask(0o077);
  try {
    return run();
  } finally {
    process.umask(before);
  }
}
