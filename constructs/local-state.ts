import { join, resolve } from "node:path";
import { App, TerraformBackend, TerraformStack } from "cdktf";
import { check } from "../model/errors";

/**
 * The file a stack keeps its Terraform state in: with no backend declared, cdktf's default local
 * backend's `terraform.<stack>.tfstate` in the folder synth runs from; a LocalBackend's own path is
 * relative to the stack's folder under the app's output. Any other backend has no local file, and
 * is refused with one line naming `setting`.
 */
export function localStatePath(stack: TerraformStack, setting: string): string {
  const backend = stack.node.findAll().find((construct): construct is TerraformBackend => TerraformBackend.isBackend(construct));
  if (!backend) return join(process.cwd(), `terraform.${stack.node.id}.tfstate`);
  const config: Record<string, { path?: string }> = backend.toTerraform().terraform.backend;
  const [kind] = Object.keys(config);
  check(
    kind === "local",
    setting,
    `stack ${stack.node.id} keeps its state in a ${kind} backend, but the deploy's waits read the admin certificate from a local state file: give that stack cdktf's local backend`,
  );
  return resolve(App.of(stack).outdir, "stacks", stack.node.id, config.local.path ?? "terraform.tfstate");
}
