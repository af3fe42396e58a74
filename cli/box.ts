import { boxStatus, howToExplore } from "../box/describe";
import { breakBox, fixBox, listFaults } from "../box/practice";
import { Datapath } from "../box/preflight";
import { boxDown, boxUp } from "../box/session";
import { boxTopology } from "../box/topology";
import { currentLab } from "./lab";

const PREFIX = "labyrinth";

export async function up(datapath: Datapath): Promise<number> {
  console.log(howToExplore(await boxUp(currentLab(), datapath, PREFIX), datapath));
  return 0;
}

export async function down(): Promise<number> {
  const removed = await boxDown(PREFIX);
  console.log(removed.length > 0 ? `removed: ${removed.join(", ")}` : "no box to remove");
  return 0;
}

export function status(): number {
  console.log(boxStatus(PREFIX));
  return 0;
}

export async function breakIt(fault: string | undefined, flags: { list?: boolean; quiz?: boolean }): Promise<number> {
  if (flags.list || fault === undefined) {
    console.log(listFaults(boxTopology(currentLab(), PREFIX)));
    return 0;
  }
  console.log(await breakBox(PREFIX, fault, flags.quiz === true));
  return 0;
}

export async function fix(): Promise<number> {
  console.log(await fixBox(PREFIX));
  return 0;
}
