import { boxStatus, howToExplore } from "../box/describe";
import { breakBox, fixBox, listFaults } from "../box/practice";
import { Datapath } from "../box/preflight";
import { boxDown, boxUp } from "../box/session";
import { readState } from "../box/state";
import { BOX_PREFIX, boxTopology } from "../box/topology";
import { boxModel } from "./journey";
import { currentLab } from "./lab";

export async function up(datapath: Datapath): Promise<number> {
  console.log(howToExplore(await boxUp(boxModel(), datapath, BOX_PREFIX), datapath));
  return 0;
}

export async function down(): Promise<number> {
  const removed = await boxDown(BOX_PREFIX);
  console.log(removed.length > 0 ? `removed: ${removed.join(", ")}` : "no box to remove");
  return 0;
}

export function status(): number {
  console.log(boxStatus(BOX_PREFIX));
  return 0;
}

export async function breakIt(fault: string | undefined, flags: { list?: boolean; quiz?: boolean }): Promise<number> {
  if (flags.list || fault === undefined) {
    // In the numbers of the box that is up, or of the one the settings would build.
    console.log(listFaults(readState(BOX_PREFIX)?.topology ?? boxTopology(currentLab(), BOX_PREFIX)));
    return 0;
  }
  console.log(await breakBox(BOX_PREFIX, fault, flags.quiz === true));
  return 0;
}

export async function fix(): Promise<number> {
  console.log(await fixBox(BOX_PREFIX));
  return 0;
}
