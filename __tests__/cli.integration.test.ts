import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeInfraState } from "./support/deployed";

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
    expect(result.stderr.trim()).toBe("labyrinth: unknown command 'deplyo'; did you mean deploy? (npx labyrinth --help lists the commands)");
  });

  test("kubeconfig writes the admin kubeconfig from the local state, readable by its owner only", () => {
    writeInfraState(dir, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
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
    expect(result.stderr.trim()).toBe(`labyrinth: no lab is deployed from ${empty}: npm run deploy builds one (run the lab's commands where you deployed it)`);
  });

  describe("the lab that was deployed, whatever this shell sets", () => {
    let folder: string;
    beforeEach(() => (folder = mkdtempSync(join(dir, "deployed-"))));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "kubeconfig"], { cwd: folder, env: { PATH: "/usr/bin:/bin", HOME: folder, ...env }, encoding: "utf8" });

    test("deployed as team-a, found with no LABYRINTH_NAME", () => {
      writeInfraState(folder, { kubeconfig: "team-a's\n" }, { name: "team-a", workers: 3 });
      const result = run({});
      expect(result.stderr).toBe("");
      expect(readFileSync(join(folder, ".kube", "team-a.yaml"), "utf8")).toBe("team-a's\n");
    });

    test("two labs: both named, and LABYRINTH_NAME chooses", () => {
      writeInfraState(folder, { kubeconfig: "a\n" }, { name: "team-a" });
      writeInfraState(folder, { kubeconfig: "b\n" }, { name: "team-b" });
      const asked = run({});
      expect(asked.status).toBe(1);
      expect(asked.stderr.trim()).toBe(`labyrinth: 2 labs are deployed from ${folder}: team-a, team-b; choose one with LABYRINTH_NAME, e.g. LABYRINTH_NAME=team-a`);
      expect(run({ LABYRINTH_NAME: "team-b" }).status).toBe(0);
      expect(readFileSync(join(folder, ".kube", "team-b.yaml"), "utf8")).toBe("b\n");
    });

    test("a destroyed lab (its state empty) is not one of them", () => {
      writeFileSync(join(folder, "terraform.old-infra.tfstate"), JSON.stringify({ version: 4, outputs: {}, resources: [] }));
      writeInfraState(folder, { kubeconfig: "a\n" }, { name: "team-a" });
      expect(run({}).status).toBe(0);
    });
  });
});
