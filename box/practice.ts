import { BoxError } from "./errors";
import { faultNamed, FAULTS } from "./faults";
import { withBoxUp } from "./session";
import { writeState } from "./state";
import { BoxTopology } from "./topology";

/** `box break --list`: every fault, described in this box's numbers. */
export function listFaults(topology: BoxTopology): string {
  const width = Math.max(...FAULTS.map((f) => f.name.length));
  return FAULTS.map((f) => `${f.name.padEnd(width)}  ${f.describe(topology)}`).join("\n");
}

/** `box break FAULT`: makes the fault in the box that is up; with `quiz`, box status keeps it secret. */
export function breakBox(prefix: string, name: string, quiz: boolean): Promise<string> {
  const fault = faultNamed(name);
  if (!fault) throw new BoxError(`no fault "${name}": one of ${FAULTS.map((f) => f.name).join(", ")} (box break --list describes them)`);
  return withBoxUp(prefix, "breaking", (state) => {
    if (state.fault) throw new BoxError(`${state.fault.quiz ? "a secret fault" : `the fault ${state.fault.name}`} is already made: npx labyrinth box fix first`);
    fault.apply(state);
    writeState(prefix, { ...state, fault: { name, quiz } });
    return quiz
      ? "a fault is made, and kept secret: find it with npx labyrinth journey --local (box fix says what it was)"
      : `made: ${fault.describe(state.topology)}; npx labyrinth journey --local shows it, npx labyrinth box fix undoes it`;
  });
}

/** `box fix`: undoes the fault, and says what it was. */
export function fixBox(prefix: string): Promise<string> {
  return withBoxUp(prefix, "fixing", (state) => {
    if (!state.fault) return "no fault is made: nothing to fix";
    const fault = faultNamed(state.fault.name)!;
    fault.revert(state);
    writeState(prefix, { ...state, fault: undefined });
    return `fixed: ${fault.name}, ${fault.describe(state.topology)}`;
  });
}
