import { App } from "cdktf";
import { SettingError } from "./constructs/errors";
import { buildLab } from "./stacks/lab";
import { explain, settingsFromEnv } from "./stacks/settings";

// Settings come from LABYRINTH_* environment variables (see `./help`); a bad one stops synth
// with one line, before anything is planned or created.
try {
  const app = new App();
  buildLab(app, settingsFromEnv(process.env));
  app.synth();
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(explain(error));
  process.exit(1);
}
