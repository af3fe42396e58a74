import { LabModel } from "../model/lab";
import { GCE_LABEL_KEYS } from "../model/names";
import { allFirewallRuleNames } from "../model/network";
import { GcloudError, gcloudJson, lastSegment } from "./gcloud";

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

/**
 * After cdktf destroy (its exit code `destroyed`): whatever of the lab is left, each with the command
 * that removes it. Returns the exit code: 1 if anything is left. The check needs a gcloud login,
 * which the destroy does not: when gcloud cannot answer, it says so and why, and leaves the code be.
 */
export function reportLeftovers(model: LabModel, project: string, destroyed: number, log: (line: string) => void): number {
  const lab = model.name;
  let leftovers: Leftover[];
  try {
    leftovers = findLeftovers(model, project);
  } catch (error) {
    if (!(error instanceof GcloudError)) throw error;
    log(`the leftover check could not run, so nothing says whether anything of lab ${lab} is left in ${project}: gcloud cannot answer`);
    for (const line of error.message.split("\n")) log(`  ${line}`);
    return destroyed;
  }
  if (leftovers.length === 0) {
    log(destroyed === 0 ? `nothing of lab ${lab} is left in ${project}` : `cdktf destroy failed, but nothing of lab ${lab} is left in ${project}`);
    return destroyed;
  }
  log(`still in ${project} after ${destroyed === 0 ? "destroy" : "a destroy that did not finish"} (remove with the command beside each):`);
  for (const left of leftovers) log(`  ${left.what.padEnd(36)} ${left.remove}`);
  return 1;
}
