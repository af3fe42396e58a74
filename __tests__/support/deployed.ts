import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabModel, resolveLab } from "../../model/lab";
import { recordOutput } from "../../model/record";
import { DEFAULT_SETTINGS, LabSettings } from "../../model/settings";

/**
 * A folder as a deploy leaves it: the infrastructure stack's local state with the lab's record (as
 * Terraform writes the `lab` output) and the other outputs given, and a resource, as a deployed
 * stack has.
 */
export function writeInfraState(dir: string, outputs: Record<string, unknown>, settings: Partial<LabSettings> = {}): LabModel {
  const model = resolveLab({ ...DEFAULT_SETTINGS, ...settings });
  const values = { lab: recordOutput(model).value, ...outputs };
  const state = {
    version: 4,
    outputs: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value, type: "string" }])),
    resources: [{ mode: "managed", type: "google_compute_network", name: "Network_Resource" }],
  };
  writeFileSync(join(dir, `terraform.${model.stacks.infrastructure}.tfstate`), JSON.stringify(state));
  return model;
}
