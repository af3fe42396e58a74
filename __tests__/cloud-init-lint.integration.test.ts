import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { CURRENT_VERSIONS } from "../model/defaults";
import { named, synthLab } from "./support/synth";
import { requireTool } from "./support/tools";
import { parseUnit } from "./support/unit-file";
import { userDataText, writtenFile } from "./support/user-data";

const dir = mkdtempSync(join(tmpdir(), "labyrinth-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { infra } = synthLab();
const current = synthLab({ ...CURRENT_VERSIONS }).infra;
// The article's versions and the newer set: the same files, other values in node.env.
const roles = [
  ["control plane", named(infra, "google_compute_instance", "labyrinth-node-0")],
  ["worker", named(infra, "google_compute_instance", "labyrinth-node-1")],
  ["control plane (Kubernetes 1.35)", named(current, "google_compute_instance", "labyrinth-node-0")],
  ["worker (Kubernetes 1.35)", named(current, "google_compute_instance", "labyrinth-node-1")],
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

describe("systemd units", () => {
  beforeAll(() => requireTool("systemd-analyze"));

  /**
   * `systemd-analyze verify` on a root holding the node's files as cloud-init writes them, this
   * machine's system units (the targets they name), and the commands packages install.
   */
  function verify(files: { path: string; permissions: string; content: string }[]) {
    const root = mkdtempSync(join(dir, "root-"));
    mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
    cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
    for (const file of files) {
      mkdirSync(dirname(join(root, file.path)), { recursive: true });
      writeFileSync(join(root, file.path), file.content, { mode: parseInt(file.permissions, 8) });
    }
    const units = files.filter((f) => /\.(service|timer)$/.test(f.path));
    for (const command of units.flatMap((u) => parseUnit(u.content).Service?.ExecStart ?? []).map((c) => c.split(" ")[0])) {
      if (existsSync(join(root, command))) continue;
      mkdirSync(dirname(join(root, command)), { recursive: true });
      writeFileSync(join(root, command), "#!/bin/sh\n", { mode: 0o755 });
    }
    const names = units.map((u) => u.path.split("/").pop() as string);
    return { names, ...spawnSync("systemd-analyze", ["verify", `--root=${root}`, "--man=no", ...names], { encoding: "utf8" }) };
  }
  const writtenFiles = (vm: any) => parse(userDataText(vm)).write_files;

  test.each(roles)("the %s's units pass `systemd-analyze verify`", (_role, vm) => {
    const result = verify(writtenFiles(vm));
    expect(result.names).toContain("labyrinth-bootstrap.service");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test.each([
    ["a restart that systemd refuses for a oneshot", "Restart=on-failure", "Restart=always"],
    ["a misspelt directive", "RestartSec=", "RestartSecs="],
  ])("%s fails the same check", (_case, good, bad) => {
    const files = writtenFiles(roles[0][1]).map((f: any) => (f.path.endsWith("labyrinth-bootstrap.service") ? { ...f, content: f.content.replace(good, bad) } : f));
    const result = verify(files);
    expect(result.stderr).not.toBe("");
  });
});
