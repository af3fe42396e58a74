import { spawnSync } from "node:child_process";

/** A VM's serial port output alone can pass spawnSync's default of 1 MiB: gcloud's answers are read whole. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** gcloud could not answer: its CLI is missing, it is not logged in, or any other error, with all it said. */
export class GcloudError extends Error {}

/** How an error names the call: its first words, never its flags. */
const named = (args: string[]) => `gcloud ${args.slice(0, 3).join(" ")}`;

/** The Google Cloud CLI, for what a lab's lifecycle reads and removes. */
export function gcloud(args: string[], project: string): string {
  const result = spawnSync("gcloud", [...args, `--project=${project}`, "--quiet"], { encoding: "utf8", maxBuffer: MAX_OUTPUT_BYTES });
  const command = named(args);
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new GcloudError("the gcloud CLI is missing: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and run gcloud auth login");
  }
  if (result.error) throw new GcloudError(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
    // Its whole error, indented, blank lines left out: gcloud's advice ("Please run: gcloud auth login") comes after the first line.
    const said = result.stderr.split("\n").filter((line) => line.trim() !== "");
    throw new GcloudError(`${command} failed (${how})${said.length > 0 ? `:\n${said.map((line) => `  ${line}`).join("\n")}` : ", saying nothing"}`);
  }
  return result.stdout;
}

export function gcloudJson<T>(args: string[], project: string): T {
  const out = gcloud([...args, "--format=json"], project);
  try {
    return JSON.parse(out || "null") as T;
  } catch {
    throw new GcloudError(`${named(args)} answered what is not JSON: ${out.slice(0, 200)}`);
  }
}

/** A compute resource's short zone or region from its URL. */
export function lastSegment(url: string | undefined): string {
  return (url ?? "").split("/").pop() ?? "";
}
