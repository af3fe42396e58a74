import { LabModel, resolveLab } from "./lab";
import { DEFAULT_SETTINGS, LabSettings } from "./settings";

/**
 * What a deploy records of the lab it deployed: its settings, complete, as an output of the
 * infrastructure stack. The lifecycle resolves the same model from them, so status, destroy,
 * kubeconfig and the journey see the lab that was deployed, whatever the shell now says.
 */
const FORMAT = 1;

export function recordOutput(model: LabModel): { value: string; description: string } {
  return {
    description: "The lab's settings as deployed (JSON): what npm run status, destroy, kubeconfig and journey read",
    value: JSON.stringify({ format: FORMAT, settings: model.settings }),
  };
}

/** The model of a recorded lab; a setting the record lacks (an older record) takes its default. */
export function modelFromRecord(text: string): LabModel {
  const record = JSON.parse(text) as { format?: number; settings?: Partial<LabSettings> };
  if (record.format !== FORMAT || typeof record.settings !== "object") {
    throw new Error(`the lab's record has format ${record.format}, not ${FORMAT}: deploy it again with this version (npm run deploy)`);
  }
  return resolveLab({ ...DEFAULT_SETTINGS, ...record.settings });
}
