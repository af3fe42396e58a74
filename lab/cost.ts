import { LabModel } from "../model/lab";
import { describeLifetime, Lifetime } from "../model/lifetime";
import { EXTERNAL_IPV4_PER_HOUR, HOURS_PER_MONTH, PRICES, PRICES_AS_OF } from "./prices";

export interface CostInput {
  readonly region: string;
  readonly machineType: string;
  readonly diskType: string;
  readonly diskSizeGb: number;
  readonly vms: number;
  readonly spot: boolean;
}

/** What the lab's cost depends on. */
export function costInput(model: LabModel): CostInput {
  const { controlPlane } = model;
  return {
    region: model.network.region,
    machineType: controlPlane.machineType,
    diskType: controlPlane.diskType,
    diskSizeGb: controlPlane.diskSizeGb,
    vms: model.nodes.length,
    spot: controlPlane.spot,
  };
}

export type Estimate =
  | { readonly known: true; readonly perHour: number; readonly machine: number; readonly disk: number; readonly address: number }
  | { readonly known: false; readonly why: string };

/** The lab's cost per hour from the price table; "unknown", never a guess, where the table has no price. */
export function estimateCost(input: CostInput): Estimate {
  const region = PRICES[input.region];
  if (!region) return { known: false, why: `no prices for region ${input.region} in lab/prices.ts` };
  const machine = region.machines[input.machineType];
  if (!machine) return { known: false, why: `no price for ${input.machineType} in ${input.region} in lab/prices.ts` };
  const machinePerHour = input.spot ? machine[1] : machine[0];
  if (machinePerHour === null) return { known: false, why: `no Spot price for ${input.machineType} in ${input.region}` };
  const diskPerGbMonth = region.disks[input.diskType];
  if (diskPerGbMonth === undefined) return { known: false, why: `no price for ${input.diskType} in ${input.region} in lab/prices.ts` };
  const disk = (diskPerGbMonth * input.diskSizeGb) / HOURS_PER_MONTH;
  const address = input.spot ? EXTERNAL_IPV4_PER_HOUR.spot : EXTERNAL_IPV4_PER_HOUR.standard;
  return { known: true, perHour: input.vms * (machinePerHour + disk + address), machine: machinePerHour, disk, address };
}

const dollars = (amount: number) => `$${amount < 1 ? amount.toFixed(3) : amount.toFixed(2)}`;

/** One line for synth and deploy: how long the lab lives and what it costs until then. */
export function describeLab(name: string, input: CostInput, zone: string, lifetime: Lifetime): string {
  const what = `lab ${name}: ${input.vms} ${input.spot ? "Spot " : ""}VMs (${input.machineType}, ${zone})`;
  const life =
    lifetime.seconds === undefined
      ? "with no expiry (LABYRINTH_TTL=off): they run until npm run destroy"
      : `deleted by Google Cloud ${describeLifetime(lifetime)} after they start (LABYRINTH_TTL; changing it replaces the VMs)`;
  const estimate = estimateCost(input);
  if (!estimate.known) return `${what}, ${life}; cost unknown (${estimate.why}: see https://cloud.google.com/compute/all-pricing)`;
  const bound =
    lifetime.seconds === undefined
      ? `${dollars(estimate.perHour * 24)} a day until destroyed`
      : `at most ${dollars((estimate.perHour * lifetime.seconds) / 3600)} before they expire, nothing after`;
  return `${what}, ${life}; about ${dollars(estimate.perHour)}/h, ${bound} (prices of ${PRICES_AS_OF})`;
}

/** The lab's line at synth and deploy. */
export function costLine(model: LabModel): string {
  return describeLab(model.name, costInput(model), model.controlPlane.zone, model.lifetime);
}
