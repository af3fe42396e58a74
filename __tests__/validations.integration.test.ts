import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// main.ts skips cdktf's own validations at synth (they spawn `terraform version` once per
// terraform_data); here they run on both stacks, against a stand-in terraform of a given version.
const dir = mkdtempSync(join(tmpdir(), "labyrinth-validations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(version: string): { said: string; calls: string } {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\necho "$@" >> ${bin}/calls\necho "Terraform v${version}"\n`);
  chmodSync(join(bin, "terraform"), 0o755);
  const run = spawnSync(process.execPath, ["--require", "tsx/cjs", join(__dirname, "support", "run-validations.ts"), join(bin, "out")], {
    cwd: join(__dirname, ".."),
    env: { PATH: `${bin}:${process.env.PATH}` },
    encoding: "utf8",
  });
  return { said: run.stdout.trim(), calls: readFileSync(join(bin, "calls"), "utf8") };
}

test("both stacks pass cdktf's validations: providers present, Terraform new enough for terraform_data", () => {
  const { said, calls } = validate("1.9.8");
  expect(said).toBe("valid");
  expect(calls).toContain("version");
});

test("an old Terraform fails them, which is why deploy checks the version", () => {
  expect(validate("1.3.9").said).toMatch(/terraform version 1\.3\.9 is lower than the required version >=1\.4/);
});
