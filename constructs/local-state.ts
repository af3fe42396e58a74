import { join, resolve } from "node:path";
import { App, TerraformBackend, TerraformStack } from "cdktf";
import { LOCAL_BACKEND_STATE_FILE, stateFileName } from "../model/names";

/**
 * The file a stack keeps its Terraform state in: with no backend declared, cdktf's default local
 * backend's file in the folder synth runs from; a LocalBackend's own path is relative to the
 * stack's folder under the app's output. Undefined for any other backend: its state is in no
 * local file.
 */
export function localStatePath(stack: TerraformStack): string | undefined {
  const backend = stack.node.findAll().find((construct): construct is TerraformBackend => TerraformBackend.isBackend(construct));
  if (!backend) return join(process.cwd(), stateFileName(stack.node.id));
  const config: Record<string, { path?: string }> = backend.toTerraform().terraform.backend;
  if (!("local" in config)) return undefined;
  return resolve(App.of(stack).outdir, "stacks", stack.node.id, config.local.path ?? LOCAL_BACKEND_STATE_FILE);
}
