import { App } from "cdktf";
import { costLine } from "./lab/cost";
import { SettingError } from "./model/errors";
import { explain, settingsFromEnv } from "./model/settings";
import { buildLab } from "./stacks/lab";

// Settings come from LABYRINTH_* environment variables (see `./help`); a bad one stops synth
// with one line, before anything is planned or created.
try {
  // No stack trace per construct: it costs a large part of synth. cdktf's validations run (about
  // a millisecond: none spawns `terraform version`); `npm run deploy` checks Terraform's version once.
  const app = new App({ stackTraces: false });
  const { model } = buildLab(app, settingsFromEnv(process.env));
  app.synth();
  console.log(`labyrinth: ${costLine(model)}`);
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(explain(error));
  process.exit(1);
}
