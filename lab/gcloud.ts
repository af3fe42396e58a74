import { spawnSync } from "node:child_process";

/** The Google Cloud CLI, for what a lab's lifecycle reads and removes. */
export function gcloud(args: string[], project: string): string {
  const result = spawnSync("gcloud", [...args, `--project=${project}`, "--quiet"], { encoding: "utf8" });
  if (result.error) throw new Error("the gcloud CLI is missing: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and run gcloud auth login");
  if (result.status !== 0) throw new Error(`gcloud ${args.slice(0, 3).join(" ")} failed: ${result.stderr.trim().split("\n").pop()}`);
  return result.stdout;
}

export function gcloudJson<T>(args: string[], project: string): T {
  return JSON.parse(gcloud([...args, "--format=json"], project) || "null") as T;
}

/** A compute resource's short zone or region from its URL. */
export function lastSegment(url: string | undefined): string {
  return (url ?? "").split("/").pop() ?? "";
}
