import { App } from "cdktf";
import { LabModel, resolveLab } from "../model/lab";
import { LabSettings } from "../model/settings";
import { ClusterStack } from "./cluster";
import { InfrastructureStack } from "./infrastructure";

/** The whole lab: the settings resolved once into the model, then one stack per Terraform apply. */
export function buildLab(app: App, settings: LabSettings): { model: LabModel; infrastructure: InfrastructureStack; cluster: ClusterStack } {
  const model = resolveLab(settings);
  const infrastructure = new InfrastructureStack(app, model);
  const cluster = new ClusterStack(app, model, infrastructure);
  return { model, infrastructure, cluster };
}
