import { App } from "cdktf";
import { SettingError } from "./constructs/errors";
import { costInput, describeLab } from "./lab/cost";
import { buildLab } from "./stacks/lab";
import { explain, settingsFromEnv } from "./stacks/settings";

// Settings come from LABYRINTH_* environment variables (see `./help`); a bad one stops synth
// with one line, before anything is planned or created.
try {
  const app = new App();
  const settings = settingsFromEnv(process.env);
  const { infrastructure } = buildLab(app, settings);
  app.synth();
  console.log(`labyrinth: ${describeLab(settings.name, costInput(settings), infrastructure.controlPlane.zone, infrastructure.lifetime)}`);
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(explain(error));
  process.exit(1);
}
