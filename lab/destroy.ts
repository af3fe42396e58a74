import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, renameSync } from "node:fs";
import { LabModel } from "../model/lab";
import { GCE_LABEL_KEYS } from "../model/names";
import { allFirewallRuleNames } from "../model/network";
import { settingsToEnv } from "../model/settings";
import { connect } from "./cluster-api";
import { gcloudJson, lastSegment } from "./gcloud";
import { labInstances } from "./instances";
import { readOutputs, statePath } from "./state";

/** Something of the lab still in the project after destroy, and the command that removes it. */
export interface Leftover {
  readonly what: string;
  readonly remove: string;
}

/**
 * What of the lab is in the project: instances, disks and addresses by their `lab` label;
 * firewall rules, subnets and the network (which carry no labels) by the lab's name.
 */
export function findLeftovers(model: LabModel, project: string): Leftover[] {
  const list = (kind: string, filter: string) =>
    gcloudJson<{ name: string; zone?: string; region?: string }[]>(["compute", ...kind.split(" "), "list", `--filter=${filter}`], project) ?? [];
  const p = `--project=${project}`;
  const labelled = `labels.${GCE_LABEL_KEYS.lab}=${model.name}`;
  const { network } = model;
  return [
    ...list("instances", labelled).map((i) => ({ what: `instance ${i.name}`, remove: `gcloud compute instances delete ${i.name} --zone=${lastSegment(i.zone)} ${p}` })),
    ...list("disks", labelled).map((d) => ({ what: `disk ${d.name}`, remove: `gcloud compute disks delete ${d.name} --zone=${lastSegment(d.zone)} ${p}` })),
    ...list("addresses", labelled).map((a) => ({ what: `address ${a.name}`, remove: `gcloud compute addresses delete ${a.name} --region=${lastSegment(a.region)} ${p}` })),
    // Exact names, so that lab "labyrinth" never claims lab "labyrinth-2"'s rules ("=" with a list: any of them).
    ...list("firewall-rules", `name=(${allFirewallRuleNames(network.name).join(" ")})`).map((f) => ({ what: `firewall rule ${f.name}`, remove: `gcloud compute firewall-rules delete ${f.name} ${p}` })),
    ...list("networks subnets", `name=${network.subnetName}`).map((s) => ({ what: `subnet ${s.name}`, remove: `gcloud compute networks subnets delete ${s.name} --region=${lastSegment(s.region)} ${p}` })),
    ...list("networks", `name=${network.name}`).map((n) => ({ what: `network ${n.name}`, remove: `gcloud compute networks delete ${n.name} ${p}` })),
  ];
}

/** Why the in-cluster resources can no longer be destroyed through the API, if they cannot. */
async function clusterGone(model: LabModel, project: string): Promise<string | undefined> {
  if (labInstances(model.name, project).length === 0) return "the VMs are gone (expired or reclaimed)";
  const kubeconfig = readOutputs(model.stacks.infrastructure).kubeconfig;
  if (typeof kubeconfig !== "string") return "the infrastructure stack has no kubeconfig output";
  const api = await connect(kubeconfig);
  // Three tries over about fifteen seconds: one lost answer is not a dead cluster.
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
  const lab = model.name;
  const { stacks: ids } = model;
  const clusterState = statePath(ids.cluster);
  let stacks = ["*"];
  if (existsSync(statePath(ids.infrastructure)) && existsSync(clusterState)) {
    const gone = await clusterGone(model, project);
    if (gone) {
      // The cluster's objects died with it. The old state is kept aside, readable by its owner
      // only: like the infrastructure's state, it holds the cluster's keys.
      const aside = `${clusterState}.dropped`;
      renameSync(clusterState, aside);
      chmodSync(aside, 0o600);
      log(`${gone}: the in-cluster resources died with the cluster; dropped them from ${ids.cluster}'s state (kept aside in ${aside})`);
      // Alone, the infrastructure stack: cdktf must be told its dependant is left out on purpose.
      stacks = [ids.infrastructure, "--ignore-missing-stack-dependencies"];
    }
  }
  // cdktf synthesizes the app again: with the lab's own settings, whatever this shell sets.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LABYRINTH_")));
  const env = { ...inherited, ...settingsToEnv(model.settings), LABYRINTH_PROJECT: project };
  const destroyed = spawnSync("npx", ["cdktf", "destroy", ...stacks, ...cdktfArgs], { stdio: "inherit", env }).status ?? 1;
  const leftovers = findLeftovers(model, project);
  if (leftovers.length === 0) {
    log(destroyed === 0 ? `nothing of lab ${lab} is left in ${project}` : `cdktf destroy failed, but nothing of lab ${lab} is left in ${project}`);
    return destroyed;
  }
  log(`still in ${project} after destroy (remove with the command beside each):`);
  for (const left of leftovers) log(`  ${left.what.padEnd(36)} ${left.remove}`);
  return 1;
}
