import { App } from "cdktf";
import { costLine } from "./lab/cost";
import { SettingError } from "./model/errors";
import { explain, settingsFromEnv } from "./model/settings";
import { buildLab } from "./stacks/lab";

// Settings come from LABYRINTH_* environment variables (see `./help`); a bad one stops synth
// with one line, before anything is planned or created.
try {
  // No stack trace per construct and no cdktf validations at synth: together they cost about half
  // of synth (each terraform_data spawns `terraform version`). The test suite runs the
  // validations; `npm run deploy` checks the Terraform version once.
  const app = new App({ stackTraces: false, skipValidation: true });
  const { model } = buildLab(app, settingsFromEnv(process.env));
  app.synth();
  console.log(`labyrinth: ${costLine(model)}`);
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(explain(error));
  process.exit(1);
}
