import { App } from "cdktf";
import { InfrastructureStack } from "./infrastructure";
import { LabSettings } from "./settings";

/** The whole lab: one app, its stacks named after the lab so two labs keep separate state. */
export function buildLab(app: App, settings: LabSettings): { infrastructure: InfrastructureStack } {
  const infrastructure = new InfrastructureStack(app, `${settings.name}-infra`, settings);
  return { infrastructure };
}
