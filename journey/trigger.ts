import { randomBytes } from "node:crypto";
import { Executor } from "./executor";
import { CapturePlan, Protocol } from "./plan";

export interface Delivery {
  readonly protocol: Protocol;
  readonly sent: string;
  readonly received: string;
  readonly ok: boolean;
  /** What the client's socket said when it failed: "Connection refused", a timeout. */
  readonly error?: string;
}

export interface TriggerResult {
  /** What the client's resolver made of the target name (the first address). */
  readonly resolved: string | undefined;
  readonly deliveries: Delivery[];
}

/**
 * Every step gives up on its own, so that a broken path ends the run in seconds: the resolver
 * gets a second per name it tries (the pod's search list, ndots:5: four names), a connection two
 * seconds, an answer two more. The lookup, TCP and UDP go at the same time: they are separate
 * flows, and TCP and UDP go to the Service's address, not to what the lookup finds; so a broken
 * path costs the longest of them, not their sum.
 * RES_OPTIONS is glibc's (the box's getent); musl's resolver (the lab's capture image, Alpine)
 * ignores it, and there `timeout` alone bounds the lookup, to the same total.
 */
export const TRIGGER_LIMITS = { dnsSeconds: 4, perNameSeconds: 1, connectSeconds: 2, answerSeconds: 2 } as const;

export interface TriggerOptions {
  readonly protocols: Protocol[];
  /** Bytes of payload in each TCP and UDP message (default: one short line). */
  readonly size?: number;
  /** Told what the trigger is waiting for, when it waits more than a second. */
  readonly progress?: (line: string) => void;
}

/** Runs `step`; if it takes more than a second, says what it is waiting for. */
async function waitingFor<T>(what: string, progress: TriggerOptions["progress"], step: () => Promise<T>): Promise<T> {
  const timer = progress ? setTimeout(() => progress(`waiting for ${what}`), 1000) : undefined;
  try {
    return await step();
  } finally {
    clearTimeout(timer);
  }
}

/** A payload that says what it is, padded to `size` bytes (the line ends with a newline). */
function payload(protocol: Protocol, size: number | undefined): string {
  const line = `labyrinth-journey-${protocol}-${randomBytes(4).toString("hex")}`;
  return size === undefined ? line : (line + "-".repeat(Math.max(0, size - line.length - 1))).slice(0, Math.max(1, size - 1));
}

/**
 * The article's `nc node-wrk-2-ubuntu24.wrk-2 9999`, from the client pod: a name lookup through
 * its resolver (search list, ndots:5: the same queries as the article's) and, beside it, a line
 * over TCP and a datagram over UDP to the Service, each expected back from the echo.
 */
export async function trigger(executor: Executor, plan: CapturePlan, options: TriggerOptions): Promise<TriggerResult> {
  const { progress } = options;
  const name = plan.target.name;
  const limits = TRIGGER_LIMITS;
  const lookingUp = waitingFor(`cluster DNS to answer for ${name} (${limits.perNameSeconds} s per name of the search list; giving up after ${limits.dnsSeconds} s)`, progress, () =>
    executor.inPod(plan.client.pod, [
      "timeout",
      String(limits.dnsSeconds),
      "env",
      `RES_OPTIONS=timeout:${limits.perNameSeconds} attempts:1`,
      "getent",
      "ahosts",
      name,
    ]),
  );
  const delivering = Promise.all(
    options.protocols.map(async (protocol): Promise<Delivery> => {
      const sent = payload(protocol, options.size);
      const { address, port } = plan.target.service;
      // readbytes: the echo is the line sent, newline included; once it is all back, socat is done at
      // once, where otherwise UDP would wait out -T. -t: after the line is sent, the echo has as long
      // as -T to come back (socat's own default gives it half a second).
      const echo = `readbytes=${Buffer.byteLength(sent) + 1}`;
      const to = protocol === "tcp" ? `TCP:${address}:${port},connect-timeout=${limits.connectSeconds},${echo}` : `UDP:${address}:${port},${echo}`;
      const bound = protocol === "tcp" ? limits.connectSeconds + limits.answerSeconds : limits.answerSeconds;
      const result = await waitingFor(`the ${protocol.toUpperCase()} echo from ${address}:${port} (giving up after ${bound} s)`, progress, () =>
        executor.inPod(plan.client.pod, ["sh", "-c", `printf "%s\\n" "$1" | socat -T ${limits.answerSeconds} -t ${limits.answerSeconds} - "$2"`, "trigger", sent, to]),
      );
      const received = result.stdout.trim();
      // socat's error lines end with the reason: "… E connecting to AF=2 10.105.134.33:9999: Connection timed out".
      const error = / E .*: ([^:]+)$/m.exec(result.stderr)?.[1]?.trim();
      return { protocol, sent, received, ok: received === sent, ...(error ? { error } : {}) };
    }),
  );
  const [lookup, deliveries] = await Promise.all([lookingUp, delivering]);
  const resolved = lookup.status === 0 ? lookup.stdout.trim().split(/\s+/)[0] : undefined;
  return { resolved, deliveries };
}
