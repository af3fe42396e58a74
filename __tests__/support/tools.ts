import { spawnSync } from "node:child_process";

/** Fails with the install line when a Debian tool a test needs is missing. */
export function requireTool(command: string, debianPackage = command): void {
  const found = spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
  if (!found) throw new Error(`${command} is missing: apt-get install -y ${debianPackage} (bash .ci/run installs every tool the tests need)`);
}
