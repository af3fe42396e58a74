import { App } from "cdktf";
import { ClusterStack } from "./cluster";
import { InfrastructureStack } from "./infrastructure";
import { LabSettings } from "./settings";

/** The whole lab: one app, its stacks named after the lab so two labs keep separate state. */
export function buildLab(app: App, settings: LabSettings): { infrastructure: InfrastructureStack; cluster: ClusterStack } {
  const infrastructure = new InfrastructureStack(app, `${settings.name}-infra`, settings);
  const cluster = new ClusterStack(app, `${settings.name}-cluster`, settings, infrastructure);
  return { infrastructure, cluster };
}
