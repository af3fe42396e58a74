import { cleanUpOnInterrupt } from "../../journey/interrupt";
import { runJourney } from "../../journey/journey";
import { CapturePlan, Protocol } from "../../journey/plan";
import { JourneyResult } from "../../journey/result";
import { LabModel } from "../../model/lab";
import { connect } from "../cluster-api";
import { discover, planForLab } from "./discovery";
import { PodExecutor } from "./pod-executor";

export interface LabJourneyOptions {
  /** The lab as deployed: which probes, which tunnel port. */
  readonly model: LabModel;
  readonly kubeconfig: string;
  readonly protocols: Protocol[];
  readonly pcapDir?: string;
  readonly captureImage?: string;
  readonly captureTimeoutMs?: number;
  /** Discover and print the plan; capture nothing. */
  readonly planOnly?: boolean;
}

/**
 * The journey on the deployed lab: discovery through the Kubernetes API, capture pods on the two
 * probes' nodes, the same capture, trigger and analyzer as the box. The capture pods are deleted
 * on every exit path, Ctrl-C included.
 */
export async function journeyOnLab(options: LabJourneyOptions): Promise<{ plan: CapturePlan; result?: JourneyResult }> {
  const api = await connect(options.kubeconfig);
  const found = await discover(api, options.model);
  const executor = new PodExecutor(api, options.captureImage);
  for (const pod of [found.client, found.server]) executor.registerPod(pod.pod, pod.node, pod.address);
  // One cleanup, whoever asks first: the normal way out and a Ctrl-C during it both wait for it.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= executor.close().then((left) => {
      for (const { pod, why } of left) console.error(`labyrinth: could not delete the capture pod ${pod} (${why}): kubectl -n ${pod.replace("/", " delete pod ")}`);
    }));
  return cleanUpOnInterrupt(
    close,
    async () => {
      try {
        await executor.open([...new Set([found.client.node, found.server.node])]);
        const plan = await planForLab(executor, found, options.model, options.protocols);
        if (options.planOnly) return { plan };
        const result = await runJourney(executor, plan, {
          where: "lab",
          protocols: options.protocols,
          pcapDir: options.pcapDir,
          captureTimeoutMs: options.captureTimeoutMs,
          // LABYRINTH_PROBE_LISTENER=false leaves port 9999 to nc -l: an echo for the run, not a refused connection.
          startEcho: true,
          // The host's own iptables and sysctls, so that a legacy/nft mismatch in the capture image cannot mislead.
          onHost: ["nsenter", "-t", "1", "-m", "-n"],
        });
        return { plan, result };
      } finally {
        await close();
      }
    },
  );
}
