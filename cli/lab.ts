import { DeployedLab, findDeployedLab, requireDeployedLab } from "../lab/state";
import { SettingError } from "../model/errors";
import { LabModel, resolveLab } from "../model/lab";
import { settingsFromEnv } from "../model/settings";

/** The lab the current settings describe (what a deploy would build, what the box stands for). */
export function currentLab(): LabModel {
  return resolveLab(settingsFromEnv(process.env));
}

function warnUnrecorded(lab: DeployedLab): void {
  if (!lab.recorded) {
    console.error(
      `labyrinth: lab ${lab.model.name}: no record of its settings in the state: deployed before labs recorded them, or a destroy that stopped halfway; using the current settings with its name (a deploy records them)`,
    );
  }
}

/** The lab deployed from this folder (the one LABYRINTH_NAME names, or the only one), as it was deployed. */
export function deployedLab(alternatives?: string): LabModel {
  const lab = requireDeployedLab(process.env, alternatives);
  warnUnrecorded(lab);
  return lab.model;
}

/** The deployed lab, or for status and destroy of one that is not, the current settings' lab. */
export function deployedOrCurrent(): LabModel {
  const lab = findDeployedLab(process.env);
  if (lab) warnUnrecorded(lab);
  return lab?.model ?? currentLab();
}

/** The project of a lab: where it was deployed, or for a new one, the one the settings name. */
export function projectOf(model: LabModel): string {
  if (!model.project) {
    throw new SettingError(
      "LABYRINTH_PROJECT",
      "no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
  }
  return model.project;
}
