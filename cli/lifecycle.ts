import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { costLine } from "../lab/cost";
import { destroyLab } from "../lab/destroy";
import { withPrivateState } from "../lab/private-state";
import { readOutputs } from "../lab/state";
import { readStatus } from "../lab/status";
import { renderStatus } from "../lab/status-text";
import { currentLab, deployedLab, deployedOrCurrent, projectOf } from "./lab";

/** `deploy`: the settings checked, Terraform's version checked, the cost said, then `cdktf deploy '*'`. */
export function deploy(cdktfArgs: string[]): number {
  const model = currentLab();
  const project = projectOf(model);
  // Once here, since synth skips cdktf's per-resource version checks: terraform_data needs 1.4.
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const said = spawnSync(binary, ["version"], { encoding: "utf8" });
  const [major, minor] = (/v(\d+)\.(\d+)\./.exec(said.stdout ?? "") ?? []).slice(1).map(Number);
  if (said.status !== 0 || major === undefined || major * 1000 + minor < 1004) {
    console.error(
      `labyrinth: ${said.status === 0 ? `${binary} is ${said.stdout.split("\n")[0]}; the lab needs` : `the ${binary} CLI is missing:`} Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)`,
    );
    return 1;
  }
  console.log(`labyrinth: ${costLine(model)}`);
  const env = { ...process.env, LABYRINTH_PROJECT: project };
  return withPrivateState(model, () => spawnSync("npx", ["cdktf", "deploy", "*", ...cdktfArgs], { stdio: "inherit", env }).status ?? 1, (line) => console.error(`labyrinth: ${line}`));
}

/** `status`: once, or every `intervalSeconds` while in progress. */
export async function status(watch: boolean, intervalSeconds: number): Promise<number> {
  const model = deployedOrCurrent();
  const project = projectOf(model);
  for (;;) {
    const now = new Date();
    const current = await readStatus(model, project, now);
    console.log(`${watch ? `\n${now.toISOString().slice(11, 19)} ` : ""}${renderStatus(current, now)}`);
    // Only a lab in progress can get ready by itself: a failed, expired or incomplete one needs a hand.
    if (!watch || current.verdict !== "in progress") return ["failed", "expired", "incomplete"].includes(current.verdict) ? 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, intervalSeconds * 1000));
  }
}

export async function destroy(cdktfArgs: string[]): Promise<number> {
  const model = deployedOrCurrent();
  return destroyLab(model, projectOf(model), cdktfArgs, (line) => console.log(`labyrinth: ${line}`));
}

/** `kubeconfig`: the deployed lab's admin kubeconfig, readable by its owner only. */
export function kubeconfig(): number {
  const model = deployedLab();
  const outputs = readOutputs(model.stacks.infrastructure);
  const dir = join(homedir(), ".kube");
  const file = join(dir, `${model.name}.yaml`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, String(outputs.kubeconfig), { mode: 0o600 });
  chmodSync(file, 0o600);
  console.log(`wrote ${file}; use it with:\n  export KUBECONFIG=${file}`);
  return 0;
}
