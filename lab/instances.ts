import { gcloudJson, lastSegment } from "./gcloud";

/** One VM of a lab, as the Compute API describes it. */
export interface LabInstance {
  readonly name: string;
  readonly zone: string;
  readonly status: string;
  readonly role: string;
  /** When it last started running (its max run duration counts from there). */
  readonly lastStart?: Date;
  readonly maxRunSeconds?: number;
}

interface ComputeInstance {
  name: string;
  zone: string;
  status: string;
  labels?: Record<string, string>;
  lastStartTimestamp?: string;
  scheduling?: { maxRunDuration?: { seconds?: string } };
}

/** The lab's VMs, found by their `lab` label. */
export function labInstances(lab: string, project: string): LabInstance[] {
  const found = gcloudJson<ComputeInstance[]>(["compute", "instances", "list", `--filter=labels.lab=${lab}`], project) ?? [];
  return found
    .map((i) => ({
      name: i.name,
      zone: lastSegment(i.zone),
      status: i.status,
      role: i.labels?.role ?? "",
      lastStart: i.lastStartTimestamp ? new Date(i.lastStartTimestamp) : undefined,
      maxRunSeconds: i.scheduling?.maxRunDuration?.seconds ? Number(i.scheduling.maxRunDuration.seconds) : undefined,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Seconds before Google Cloud deletes the VM (it may fire up to 30 s late), or undefined. */
export function secondsLeft(instance: LabInstance, now: Date): number | undefined {
  if (instance.maxRunSeconds === undefined || !instance.lastStart) return undefined;
  return Math.max(0, Math.round(instance.lastStart.getTime() / 1000 + instance.maxRunSeconds - now.getTime() / 1000));
}

/** 3h12m, 4m05s, 40s. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}
