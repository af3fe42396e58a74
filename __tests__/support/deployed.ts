import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabModel, resolveLab } from "../../model/lab";
import { recordOutput } from "../../model/record";
import { DEFAULT_SETTINGS, LabSettings } from "../../model/settings";

/**
 * A folder as a deploy leaves it: the infrastructure stack's local state with the lab's record (as
 * Terraform writes the `lab` output) and the other outputs given, its network, and a VM for each
 * node the deploy made (`made`: their names; by default every node of the lab).
 */
export function writeInfraState(dir: string, outputs: Record<string, unknown>, settings: Partial<LabSettings> = {}, made?: string[]): LabModel {
  const model = resolveLab({ ...DEFAULT_SETTINGS, ...settings });
  const values = { lab: recordOutput(model).value, ...outputs };
  const vm = (name: string) => ({ mode: "managed", type: "google_compute_instance", name: `Vm_${name.replace(/-/g, "_")}`, instances: [{ attributes: { name } }] });
  const state = {
    version: 4,
    outputs: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value, type: "string" }])),
    resources: [{ mode: "managed", type: "google_compute_network", name: "Network_Resource" }, ...(made ?? model.nodes.map((n) => n.name)).map(vm)],
  };
  writeFileSync(join(dir, `terraform.${model.stacks.infrastructure}.tfstate`), JSON.stringify(state));
  return model;
}
