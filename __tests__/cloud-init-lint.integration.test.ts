import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { named, synthLab } from "./support/synth";
import { requireTool } from "./support/tools";
import { userDataText, writtenFile } from "./support/user-data";

const dir = mkdtempSync(join(tmpdir(), "labyrinth-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { infra } = synthLab();
const roles = [
  ["control plane", named(infra, "google_compute_instance", "labyrinth-node-0")],
  ["worker", named(infra, "google_compute_instance", "labyrinth-node-1")],
] as const;

describe("rendered cloud-init", () => {
  beforeAll(() => {
    requireTool("cloud-init");
    requireTool("shellcheck");
  });

  test.each(roles)("the %s's user-data passes `cloud-init schema`", (_role, vm) => {
    const file = join(dir, `${vm.name}.yaml`);
    writeFileSync(file, userDataText(vm));
    const result = spawnSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("Valid cloud-config");
    expect(result.status).toBe(0);
  });

  test("a broken cloud-config fails the same check", () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "#cloud-config\nwrite_files: 3\n");
    expect(spawnSync("cloud-init", ["schema", "-c", file]).status).not.toBe(0);
  });

  test.each(roles)("the %s's scripts, as written on the VM, pass shellcheck", (_role, vm) => {
    const node = join(dir, vm.name);
    spawnSync("mkdir", ["-p", node]);
    for (const [path, name] of [
      ["/opt/labyrinth/lib.sh", "lib.sh"],
      ["/opt/labyrinth/bootstrap.sh", "bootstrap.sh"],
      ["/etc/labyrinth/node.env", "node.env"],
    ]) {
      writeFileSync(join(node, name), writtenFile(vm, path));
    }
    const scripts = spawnSync("shellcheck", ["-x", "-s", "bash", "bootstrap.sh", "lib.sh"], { cwd: node, encoding: "utf8" });
    expect(scripts.stdout).toBe("");
    expect(scripts.status).toBe(0);
    // node.env only assigns: the scripts that source it use the values (SC2034 does not apply).
    const env = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2034", "node.env"], { cwd: node, encoding: "utf8" });
    expect(env.stdout).toBe("");
    expect(env.status).toBe(0);
  });
});
