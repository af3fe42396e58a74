import { randomBytes } from "node:crypto";
import { Executor } from "./executor";
import { CapturePlan, Protocol } from "./plan";

export interface TriggerResult {
  /** What the client's resolver made of the target name (the first address). */
  readonly resolved: string | undefined;
  readonly deliveries: { protocol: Protocol; sent: string; received: string; ok: boolean }[];
}

/**
 * The article's `nc node-wrk-2-ubuntu24.wrk-2 9999`, from the client pod: a name lookup through
 * its resolver (search list, ndots:5: the same queries as the article's), then a line over TCP
 * and a datagram over UDP to the Service, each expected back from the echo.
 */
export async function trigger(executor: Executor, plan: CapturePlan, protocols: Protocol[]): Promise<TriggerResult> {
  const lookup = await executor.inPod(plan.client.pod, ["getent", "ahosts", plan.target.name]);
  const resolved = lookup.status === 0 ? lookup.stdout.trim().split(/\s+/)[0] : undefined;
  const deliveries: TriggerResult["deliveries"] = [];
  for (const protocol of protocols) {
    const sent = `labyrinth-journey-${protocol}-${randomBytes(4).toString("hex")}`;
    const address = `${protocol.toUpperCase()}:${plan.target.service.address}:${plan.target.service.port}`;
    const result = await executor.inPod(plan.client.pod, ["sh", "-c", 'printf "%s\\n" "$1" | socat -T 2 - "$2"', "trigger", sent, address]);
    const received = result.stdout.trim();
    deliveries.push({ protocol, sent, received, ok: received === sent });
  }
  return { resolved, deliveries };
}
