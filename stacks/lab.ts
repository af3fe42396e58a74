import { App } from "cdktf";
import { CostInput } from "../lab/cost";
import { ClusterStack } from "./cluster";
import { InfrastructureStack } from "./infrastructure";
import { LabSettings } from "./settings";

/** The whole lab: one app, its stacks named after the lab so two labs keep separate state. */
export function buildLab(app: App, settings: LabSettings): { infrastructure: InfrastructureStack; cluster: ClusterStack } {
  const infrastructure = new InfrastructureStack(app, `${settings.name}-infra`, settings);
  const cluster = new ClusterStack(app, `${settings.name}-cluster`, settings, infrastructure);
  return { infrastructure, cluster };
}

/** What the lab's cost depends on, from its settings. */
export function costInput(settings: LabSettings): CostInput {
  return {
    region: settings.region,
    machineType: settings.machineType,
    diskType: settings.diskType,
    diskSizeGb: settings.diskSizeGb,
    vms: settings.workers + 1,
    spot: settings.spot,
  };
}
