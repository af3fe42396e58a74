// Builds the lab and runs cdktf's validations on both stacks; prints what they say. A child
// process, so that any command a validation runs sees the PATH the test gives it.
import { Testing } from "cdktf";
import { buildLab } from "../../stacks/lab";
import { DEFAULT_SETTINGS } from "../../model/settings";

const lab = buildLab(Testing.app({ outdir: process.argv[2] }), DEFAULT_SETTINGS);
try {
  for (const stack of [lab.infrastructure, lab.cluster]) stack.runAllValidations();
  console.log("valid");
} catch (error) {
  console.log(error instanceof Error ? error.message : String(error));
}
