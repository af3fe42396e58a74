import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { buildLab } from "../stacks/lab";
import { DEFAULT_SETTINGS } from "../stacks/settings";
import { requireTool } from "./support/tools";

// main.ts skips cdktf's own validations at synth (they spawn `terraform version` per
// terraform_data): here they run, on both stacks, with the terraform CLI that deploy needs.
test("both stacks pass cdktf's validations (providers present, Terraform new enough for terraform_data)", () => {
  requireTool("terraform", "terraform (https://developer.hashicorp.com/terraform/install)");
  const outdir = mkdtempSync(join(tmpdir(), "labyrinth-validations-"));
  try {
    const app = Testing.app({ outdir });
    const lab = buildLab(app, DEFAULT_SETTINGS);
    expect(() => app.synth()).not.toThrow();
    for (const stack of [lab.infrastructure, lab.cluster]) expect(() => stack.runAllValidations()).not.toThrow();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
