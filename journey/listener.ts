/**
 * Whether anything listens on the server pod's port before the trigger. Without a listener the
 * trigger's connection is refused at the pod, which says nothing of the path: the lab then runs a
 * short-lived echo of its own there for the run (socat from its capture image, in the pod's
 * network namespace); the box says plainly that nothing listens (its fault server-not-listening
 * must stay visible).
 */
import { Executor, Running } from "./executor";
import { CapturePlan, Protocol } from "./plan";

export interface Listeners {
  /** The echoes started for this run: stop them when it ends. */
  readonly started: Running[];
  /** What was found, and what was done about it. */
  readonly notes: string[];
}

/** What socat -d -d says once it listens (TCP) or receives (UDP). */
const ECHO_READY = / N (listening|receiving) on /;

export async function checkListeners(executor: Executor, plan: CapturePlan, protocols: Protocol[], options: { startEcho: boolean; timeoutMs: number }): Promise<Listeners> {
  const pod = plan.server.pod;
  const started: Running[] = [];
  const notes: string[] = [];
  for (const protocol of protocols) {
    const port = plan.exchanges.find((e) => e.label !== "DNS" && e.protocol === protocol)?.backend.port;
    if (port === undefined) continue;
    const listening = await executor.inPod(pod, ["ss", "-H", "-l", "-n", protocol === "tcp" ? "-t" : "-u", `sport = :${port}`]);
    if (listening.status !== 0) {
      notes.push(`could not tell whether anything listens on ${protocol} ${port} in the server pod ${pod}: ss said ${(listening.stderr || `exit ${listening.status}`).trim()}`);
      continue;
    }
    if (listening.stdout.trim() !== "") continue;
    if (!options.startEcho) {
      notes.push(`nothing listens on ${protocol} ${port} in the server pod ${pod}: the trigger's ${protocol.toUpperCase()} is answered by the pod's kernel, not by an echo`);
      continue;
    }
    const echo = executor.startInPod(pod, ["socat", "-d", "-d", protocol === "tcp" ? `TCP-LISTEN:${port},fork,reuseaddr` : `UDP-RECVFROM:${port},fork`, "PIPE"]);
    try {
      await echo.ready(ECHO_READY, options.timeoutMs);
      started.push(echo);
      notes.push(`nothing listened on ${protocol} ${port} in the server pod ${pod} (LABYRINTH_PROBE_LISTENER=false leaves it to nc -l): the journey ran an echo of its own there for this run`);
    } catch (error) {
      await echo.stop();
      notes.push(`nothing listens on ${protocol} ${port} in the server pod ${pod}, and the journey's own echo did not start: ${error instanceof Error ? error.message : error}`);
    }
  }
  return { started, notes };
}
