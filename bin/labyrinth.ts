import { CommanderError } from "commander";
import { BpfNotPermitted } from "../box/bpf";
import { BoxError } from "../box/errors";
import { program, UsageError } from "../cli/program";
import { GcloudError } from "../lab/gcloud";
import { DeployedLabError } from "../lab/state";
import { SettingError } from "../model/errors";
import { explain } from "../model/settings";

/** Mistakes the user can fix, said in one line each (usage: exit 2); anything else exits 1 with its message. */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const cli = program(async (exit) => {
    code = await exit;
  });
  try {
    // With no command, the overview, as --help gives it.
    await cli.parseAsync(argv.length > 0 ? argv : ["--help"], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    if (error instanceof SettingError) console.error(explain(error));
    else if (error instanceof BoxError || error instanceof BpfNotPermitted || error instanceof UsageError || error instanceof DeployedLabError || error instanceof GcloudError) {
      for (const line of error.message.split("\n")) console.error(`labyrinth: ${line}`);
    } else console.error(`labyrinth: ${error instanceof Error ? error.message : error}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
