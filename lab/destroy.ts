import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, renameSync } from "node:fs";
import { LabSettings } from "../stacks/settings";
import { connect } from "./cluster-api";
import { gcloudJson, lastSegment } from "./gcloud";
import { labInstances } from "./instances";
import { readOutputs, statePath } from "./state";

/** The firewall rules LabyrinthNetwork makes, by their names' last part. */
export const FIREWALL_RULES = ["ssh", "apiserver", "nodes-apiserver", "nodes-kubelet", "nodes-vxlan", "nodes-health", "nodes-hubble"];

/** Something of the lab still in the project after destroy, and the command that removes it. */
export interface Leftover {
  readonly what: string;
  readonly remove: string;
}

/**
 * What of the lab is in the project: instances, disks and addresses by their `lab` label;
 * firewall rules, subnets and the network (which carry no labels) by the lab's name.
 */
export function findLeftovers(lab: string, project: string): Leftover[] {
  const list = (kind: string, filter: string) =>
    gcloudJson<{ name: string; zone?: string; region?: string }[]>(["compute", ...kind.split(" "), "list", `--filter=${filter}`], project) ?? [];
  const p = `--project=${project}`;
  return [
    ...list("instances", `labels.lab=${lab}`).map((i) => ({ what: `instance ${i.name}`, remove: `gcloud compute instances delete ${i.name} --zone=${lastSegment(i.zone)} ${p}` })),
    ...list("disks", `labels.lab=${lab}`).map((d) => ({ what: `disk ${d.name}`, remove: `gcloud compute disks delete ${d.name} --zone=${lastSegment(d.zone)} ${p}` })),
    ...list("addresses", `labels.lab=${lab}`).map((a) => ({ what: `address ${a.name}`, remove: `gcloud compute addresses delete ${a.name} --region=${lastSegment(a.region)} ${p}` })),
    // Exact names, so that lab "labyrinth" never claims lab "labyrinth-2"'s rules ("=" with a list: any of them).
    ...list("firewall-rules", `name=(${FIREWALL_RULES.map((rule) => `${lab}-allow-${rule}`).join(" ")})`).map((f) => ({ what: `firewall rule ${f.name}`, remove: `gcloud compute firewall-rules delete ${f.name} ${p}` })),
    ...list("networks subnets", `name=${lab}-nodes`).map((s) => ({ what: `subnet ${s.name}`, remove: `gcloud compute networks subnets delete ${s.name} --region=${lastSegment(s.region)} ${p}` })),
    ...list("networks", `name=${lab}`).map((n) => ({ what: `network ${n.name}`, remove: `gcloud compute networks delete ${n.name} ${p}` })),
  ];
}

/** Why the in-cluster resources can no longer be destroyed through the API, if they cannot. */
async function clusterGone(lab: string, project: string): Promise<string | undefined> {
  if (labInstances(lab, project).length === 0) return "the VMs are gone (expired or reclaimed)";
  const kubeconfig = readOutputs(`${lab}-infra`).kubeconfig;
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
export async function destroyLab(settings: LabSettings, project: string, cdktfArgs: string[], log: (line: string) => void): Promise<number> {
  const lab = settings.name;
  const clusterState = statePath(`${lab}-cluster`);
  let stacks = ["*"];
  if (existsSync(statePath(`${lab}-infra`)) && existsSync(clusterState)) {
    const gone = await clusterGone(lab, project);
    if (gone) {
      // The cluster's objects died with it. The old state is kept aside, readable by its owner
      // only: like the infrastructure's state, it holds the cluster's keys.
      const aside = `${clusterState}.dropped`;
      renameSync(clusterState, aside);
      chmodSync(aside, 0o600);
      log(`${gone}: the in-cluster resources died with the cluster; dropped them from ${lab}-cluster's state (kept aside in ${aside})`);
      // Alone, the infrastructure stack: cdktf must be told its dependant is left out on purpose.
      stacks = [`${lab}-infra`, "--ignore-missing-stack-dependencies"];
    }
  }
  const env = { ...process.env, LABYRINTH_PROJECT: project };
  const destroyed = spawnSync("npx", ["cdktf", "destroy", ...stacks, ...cdktfArgs], { stdio: "inherit", env }).status ?? 1;
  const leftovers = findLeftovers(lab, project);
  if (leftovers.length === 0) {
    log(destroyed === 0 ? `nothing of lab ${lab} is left in ${project}` : `cdktf destroy failed, but nothing of lab ${lab} is left in ${project}`);
    return destroyed;
  }
  log(`still in ${project} after destroy (remove with the command beside each):`);
  for (const left of leftovers) log(`  ${left.what.padEnd(36)} ${left.remove}`);
  return 1;
}
