import { ExecResult, Executor, Running } from "../../journey/executor";

/** Where a command ran and what it was: "host node-1: iptables-save -c -t nat", "agent node-1: …", "pod wrk-1/a: …". */
export type Call = string;

/**
 * A stand-in executor: each command is answered by the first `answers` entry whose pattern its
 * call matches (a list is used up in order, its last answer repeating); anything else is "not
 * found". Every call is recorded, in order; a command started is recorded as "start …".
 */
export function standInExecutor(answers: [RegExp, ExecResult | ExecResult[]][], hasAgent = true) {
  const calls: Call[] = [];
  const used = new Map<RegExp, number>();
  const answer = async (call: string): Promise<ExecResult> => {
    calls.push(call);
    const found = answers.find(([pattern]) => pattern.test(call));
    if (!found) return { status: 127, stdout: "", stderr: "sh: 1: not found" };
    const [pattern, given] = found;
    if (!Array.isArray(given)) return given;
    const n = used.get(pattern) ?? 0;
    used.set(pattern, n + 1);
    return given[Math.min(n, given.length - 1)];
  };
  /** A command left running: ready at once unless `answers` say it fails (then ready throws what it said); stopping it is recorded. */
  const started = (call: string): Running => {
    const result = answer(`start ${call}`);
    return {
      ready: async () => {
        const r = await result;
        if (r.status !== 0) throw new Error(r.stderr);
      },
      stop: async () => (calls.push(`stop ${call}`), result),
    };
  };
  const executor: Executor = {
    hasAgent,
    onNode: (node, argv) => answer(`host ${node}: ${argv.join(" ")}`),
    onAgent: (node, argv) => answer(`agent ${node}: ${argv.join(" ")}`),
    inPod: (pod, argv) => answer(`pod ${pod}: ${argv.join(" ")}`),
    startOnNode: (node, argv) => started(`host ${node}: ${argv.join(" ")}`),
    startInPod: (pod, argv) => started(`pod ${pod}: ${argv.join(" ")}`),
    scratchDir: async () => "/tmp",
    readFile: async () => Buffer.alloc(0),
  };
  return { executor, calls };
}

export const ok = (stdout: string): ExecResult => ({ status: 0, stdout, stderr: "" });
