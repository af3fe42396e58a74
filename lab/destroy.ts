import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, renameSync } from "node:fs";
import { LabModel } from "../model/lab";
import { settingsToEnv } from "../model/settings";
import { connect } from "./cluster-api";
import { GcloudError } from "./gcloud";
import { labInstances } from "./instances";
import { reportLeftovers } from "./leftovers";
import { withPrivateState } from "./private-state";
import { dropRecordCopy, hasResources, keepRecordCopy, readOutputs, statePath } from "./state";

/** Whether the lab's VMs are gone, or undefined when gcloud cannot tell (no CLI, no login, any error). */
function vmsGone(model: LabModel, project: string, log: (line: string) => void): boolean | undefined {
  try {
    return labInstances(model.name, project).length === 0;
  } catch (error) {
    if (!(error instanceof GcloudError)) throw error;
    // The deploy needs application-default credentials only; a destroy must not need more.
    log("gcloud could not list the lab's VMs: asking the API server whether the cluster is there");
    return undefined;
  }
}

/** Why the in-cluster resources can no longer be destroyed through the API, if they cannot. */
async function clusterGone(model: LabModel, project: string, log: (line: string) => void): Promise<string | undefined> {
  if (vmsGone(model, project, log)) return "the VMs are gone (expired or reclaimed)";
  const kubeconfig = readOutputs(model.stacks.infrastructure).kubeconfig;
  if (typeof kubeconfig !== "string") return "the infrastructure stack has no kubeconfig output";
  const api = await connect(kubeconfig);
  // Three tries over about twenty seconds (5 s each, 2.5 s between): one lost answer is not a dead cluster.
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (await api.ready(5000).catch(() => false)) return undefined;
    if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, 2500));
  }
  return `the API server at ${api.server} does not answer`;
}

/**
 * `npm run destroy`: cdktf destroy of both stacks, which finishes even when the cluster is already
 * gone (its in-cluster resources died with it: they are dropped from state, with a message), then
 * a check that nothing of the lab is left. Returns the exit code.
 */
export async function destroyLab(model: LabModel, project: string, cdktfArgs: string[], log: (line: string) => void): Promise<number> {
  const { stacks: ids } = model;
  const clusterState = statePath(ids.cluster);
  const gone = existsSync(statePath(ids.infrastructure)) && existsSync(clusterState) ? await clusterGone(model, project, log) : undefined;
  if (gone) log(`${gone}: the in-cluster resources died with the cluster; destroying ${ids.infrastructure} alone`);
  // Alone, the infrastructure stack: cdktf must be told its dependant is left out on purpose.
  const stacks = gone ? [ids.infrastructure, "--ignore-missing-stack-dependencies"] : ["*"];
  // cdktf synthesizes the app again: with the lab's own settings, whatever this shell sets.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LABYRINTH_")));
  const env = { ...inherited, ...settingsToEnv(model.settings), LABYRINTH_PROJECT: project };
  const copy = keepRecordCopy(model.name);
  const status = withPrivateState(model, () => spawnSync("npx", ["cdktf", "destroy", ...stacks, ...cdktfArgs], { stdio: "inherit", env }).status ?? 1, log);
  // cdktf exits 0 when its prompt is answered no (a dismissed run counts as done): what the state
  // still holds says whether the destroy finished.
  let finished = false;
  try {
    finished = status === 0 && !hasResources(ids.infrastructure);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
  }
  if (finished) dropRecordCopy(model.name);
  else if (copy) log(`the lab's settings are kept in ${copy} until a destroy finishes: one that stops halfway leaves the lab with no record in its state`);
  if (status === 0 && !finished) log(`cdktf destroy ended with resources still in ${ids.infrastructure}'s state: declined at its prompt, or stopped`);
  if (gone && finished) {
    // Only now, confirmed and done: a declined prompt or a failed destroy leaves the state as it was.
    // The old state is kept aside, readable by its owner only: like the infrastructure's, it holds the cluster's keys.
    const aside = `${clusterState}.dropped`;
    renameSync(clusterState, aside);
    chmodSync(aside, 0o600);
    log(`dropped the in-cluster resources from ${ids.cluster}'s state (kept aside in ${aside})`);
  } else if (gone) {
    log(`cdktf destroy did not finish (declined, or failed as it says above): ${ids.cluster}'s state is kept as it was`);
  }
  return reportLeftovers(model, project, finished ? 0 : status || 1, log);
}
