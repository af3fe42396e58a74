import { readFileSync } from "node:fs";
import { Datapath } from "../box/preflight";
import { journeyInBox } from "../box/session";
import { unfollowedSettings } from "../box/topology";
import { writePage } from "../journey/html/file";
import { Protocol } from "../journey/plan";
import { renderText } from "../journey/report";
import { JourneyResult } from "../journey/result";
import { journeyOnLab } from "../lab/journey/session";
import { readOutputs } from "../lab/state";
import { LabModel } from "../model/lab";
import { currentLab, deployedLab, deployedOrCurrent } from "./lab";

export interface JourneyFlags {
  readonly local?: boolean;
  readonly json?: boolean;
  readonly pcapDir?: string;
  readonly html?: string;
  readonly protocol: "tcp" | "udp" | "both";
  readonly size?: number;
  readonly datapath?: Datapath;
  readonly timeout: number;
  readonly kubeconfig?: string;
  readonly captureImage?: string;
  readonly plan?: boolean;
}

/** The lab the box stands for: the current settings' (their addresses), with what it cannot follow said once. */
export function boxModel(): LabModel {
  const model = currentLab();
  const unfollowed = unfollowedSettings(model.settings);
  if (unfollowed.length > 0) console.error(`labyrinth: the box follows the lab's addresses, not ${unfollowed.join(", ")}`);
  return model;
}

const progress = (line: string) => console.error(`labyrinth: ${line}`);

/** With --html, the page drawn from the result; the milliseconds it took, or undefined without --html. */
function draw(flags: JourneyFlags, result: JourneyResult): number | undefined {
  if (flags.html === undefined) return undefined;
  const ms = writePage(flags.html, result);
  progress(`the journey is drawn in ${flags.html}: open it in any browser`);
  return ms;
}

export async function journey(flags: JourneyFlags): Promise<number> {
  const protocols: Protocol[] = flags.protocol === "both" ? ["tcp", "udp"] : [flags.protocol];
  const common = { protocols, size: flags.size, pcapDir: flags.pcapDir, captureTimeoutMs: flags.timeout * 1000, progress };
  if (flags.local) {
    const { result, timings, boxWasUp } = await journeyInBox({ ...common, model: boxModel(), datapath: flags.datapath });
    const page = draw(flags, result);
    const timed = page === undefined ? timings : { ...timings, page: Math.round(page * 10) / 10 };
    console.log(flags.json ? JSON.stringify({ ...result, timings: timed }, null, 2) : renderText(result));
    if (boxWasUp) progress("traced in the box that was up, and left it up (npx labyrinth box down removes it)");
    return result.ok ? 0 : 1;
  }
  // With a kubeconfig of its own, a lab deployed elsewhere (with the current settings) can be traced too.
  const model = flags.kubeconfig ? deployedOrCurrent() : deployedLab("; or pass --kubeconfig FILE, or use --local for the box");
  const { plan, result } = await journeyOnLab({
    ...common,
    model,
    kubeconfig: flags.kubeconfig ? readFileSync(flags.kubeconfig, "utf8") : String(readOutputs(model.stacks.infrastructure).kubeconfig),
    captureImage: flags.captureImage,
    planOnly: flags.plan === true,
  });
  if (!result) {
    console.log(JSON.stringify(plan, null, 2));
    return 0;
  }
  draw(flags, result);
  console.log(flags.json ? JSON.stringify(result, null, 2) : renderText(result));
  return result.ok ? 0 : 1;
}
