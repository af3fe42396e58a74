import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "labyrinth-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stand-ins for npx and terraform that record their arguments and the project they saw. */
function standIns(withTerraform: boolean, terraformVersion = "1.9.0"): string {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "npx"), `#!/bin/sh\necho "npx $* project=$LABYRINTH_PROJECT" >> ${bin}/calls\n`);
  chmodSync(join(bin, "npx"), 0o755);
  if (withTerraform) {
    writeFileSync(join(bin, "terraform"), `#!/bin/sh\necho Terraform v${terraformVersion}\n`);
    chmodSync(join(bin, "terraform"), 0o755);
  }
  return bin;
}

function labyrinth(args: string[], env: Record<string, string>, bin: string) {
  return spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), ...args], {
    cwd: dir,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...env },
    encoding: "utf8",
  });
}

describe("npm run deploy", () => {
  test("without a project it stops before cdktf runs, naming the setting", () => {
    const bin = standIns(true);
    const result = labyrinth(["deploy"], {}, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "labyrinth: LABYRINTH_PROJECT: no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
    expect(() => readFileSync(join(bin, "calls"))).toThrow();
  });

  test("with a project it deploys both stacks, passing the project on", () => {
    const bin = standIns(true);
    const result = labyrinth(["deploy", "--auto-approve"], { GOOGLE_CLOUD_PROJECT: "lab-project-1" }, bin);
    expect(result.status).toBe(0);
    expect(readFileSync(join(bin, "calls"), "utf8")).toBe("npx cdktf deploy * --auto-approve project=lab-project-1\n");
  });

  test("without the terraform CLI it says what to install", () => {
    const bin = standIns(false);
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("labyrinth: the terraform CLI is missing: Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)");
  });

  test("with a Terraform older than 1.4 it says which it found", () => {
    const bin = standIns(true, "1.3.9");
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("labyrinth: terraform is Terraform v1.3.9; the lab needs Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)");
    expect(() => readFileSync(join(bin, "calls"))).toThrow();
  });

  test("a bad setting is reported before anything runs", () => {
    const bin = standIns(true);
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p", LABYRINTH_WORKERS: "many" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('labyrinth: LABYRINTH_WORKERS: "many" is not a whole number');
  });
});

describe("npx labyrinth", () => {
  test("an unknown command lists the commands", () => {
    const result = labyrinth(["deplyo"], {}, standIns(false));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no command "deplyo": one of journey, box, deploy, status, destroy, kubeconfig, help/);
  });

  test("kubeconfig writes the admin kubeconfig from the local state, readable by its owner only", () => {
    writeFileSync(join(dir, "terraform.labyrinth-infra.tfstate"), JSON.stringify({ outputs: { kubeconfig: { value: "apiVersion: v1\nkind: Config\n" } } }));
    const result = labyrinth(["kubeconfig"], {}, standIns(false));
    expect(result.status).toBe(0);
    const file = join(dir, ".kube", "labyrinth.yaml");
    expect(readFileSync(file, "utf8")).toBe("apiVersion: v1\nkind: Config\n");
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
    expect(result.stdout).toContain(`export KUBECONFIG=${file}`);
  });

  test("kubeconfig before any deploy says so", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    const result = spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "kubeconfig"], { cwd: empty, env: { PATH: "/usr/bin:/bin", HOME: empty }, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no state for labyrinth-infra at .*: deploy the lab first \(npm run deploy\)/);
  });
});
