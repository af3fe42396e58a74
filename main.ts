import { App } from "cdktf";
import { SettingError } from "./constructs/errors";
import { costInput, describeLab } from "./lab/cost";
import { buildLab } from "./stacks/lab";
import { explain, settingsFromEnv } from "./stacks/settings";

// Settings come from LABYRINTH_* environment variables (see `./help`); a bad one stops synth
// with one line, before anything is planned or created.
try {
  // No stack trace per construct and no cdktf validations at synth: together they cost about half
  // of synth (each terraform_data spawns `terraform version`). The test suite runs the
  // validations; `npm run deploy` checks the Terraform version once.
  const app = new App({ stackTraces: false, skipValidation: true });
  const settings = settingsFromEnv(process.env);
  const { infrastructure } = buildLab(app, settings);
  app.synth();
  console.log(`labyrinth: ${describeLab(settings.name, costInput(settings), infrastructure.controlPlane.zone, infrastructure.lifetime)}`);
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(explain(error));
  process.exit(1);
}
