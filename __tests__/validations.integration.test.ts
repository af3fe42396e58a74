import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { buildLab } from "../stacks/lab";
import { DEFAULT_SETTINGS } from "../model/settings";

// cdktf's own validations on both stacks, in a child process so that they see the PATH given here.
// The deploy's waits are terraform_data resources written without cdktf's DataResource, whose
// validation would run `terraform version` at synth.
const dir = mkdtempSync(join(tmpdir(), "labyrinth-validations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(path: string): string {
  const run = spawnSync(process.execPath, ["--require", "tsx/cjs", join(__dirname, "support", "run-validations.ts"), join(dir, "out")], {
    cwd: join(__dirname, ".."),
    env: { PATH: path },
    encoding: "utf8",
  });
  return run.stdout.trim() + run.stderr.trim();
}

test("both stacks pass cdktf's validations without a terraform binary", () => {
  const bin = mkdtempSync(join(dir, "bin-"));
  expect(validate(bin)).toBe("valid");
});

test("a terraform on PATH is never asked anything at synth", () => {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\necho "$@" >> ${bin}/calls\necho "Terraform v1.9.8"\n`);
  chmodSync(join(bin, "terraform"), 0o755);
  expect(validate(`${bin}:/usr/bin:/bin`)).toBe("valid");
  expect(existsSync(join(bin, "calls"))).toBe(false);
});

test("the waits are terraform_data with their triggers in HCL too (cdktf synth --hcl)", () => {
  const lab = buildLab(new App({ outdir: join(dir, "hcl"), stackTraces: false, skipValidation: true }), DEFAULT_SETTINGS);
  const { hcl } = lab.cluster.toHclTerraform() as { hcl: string };
  const waits = hcl.split(/\nresource /).filter((block) => block.startsWith('"terraform_data"'));
  expect(waits).toHaveLength(3);
  for (const wait of waits) expect(wait).toMatch(/triggers_replace = \{\n(\w+ = .*\n)*condition = "(readyz|crd \S+|job \S+)"\n/);
});
