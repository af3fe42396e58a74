import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ApiWait, WaitCondition } from "./api-wait";
import { ClusterAccess } from "./cluster-access";
import { checkDnsLabel, checkImage } from "../model/checks";
import { DEFAULTS, PORTS } from "../model/defaults";
import { CHECK_NAMES } from "../model/names";
import { readAsset, terraformLiteral } from "./template";

export interface ConnectivityCheckProps {
  /** How the deploy's wait for the Job reaches the API server, with the client certificate: `clusterAccess(controlPlane, identity)`. */
  readonly access: ClusterAccess;
  /** Namespace the check runs in (the client's side). */
  readonly namespace: string;
  /** Service to reach, as the article names it: `<service>.<namespace>`. */
  readonly target: string;
  /**
   * Where the check's pod runs: on the client's node, so that the packets cross to the target's.
   * @default none (anywhere)
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Image with dig and socat.
   * @default the probe image
   */
  readonly image?: string;
  /**
   * Seconds the deploy waits for the check.
   * @default 300
   */
  readonly timeoutSeconds?: number;
  /** What must be ready first: the probes. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * Proof at deploy time that a packet crosses the cluster: a Job resolves the target Service
 * through cluster DNS, then sends a line over TCP and over UDP 9999 and expects it back. The
 * deploy waits for it, and fails with the step that failed and the command to read the log.
 */
export class ConnectivityCheck extends Construct {
  public readonly job: JobV1;
  public readonly wait: ApiWait;

  constructor(scope: Construct, id: string, props: ConnectivityCheckProps) {
    super(scope, id);
    checkDnsLabel(props.namespace, "namespace");
    const image = props.image ?? DEFAULTS.probeImage;
    checkImage(image, "image");
    const name = CHECK_NAMES.job;
    const timeout = props.timeoutSeconds ?? DEFAULTS.connectivityCheckSeconds;
    const script = new ConfigMapV1(this, "Script", {
      metadata: { name: CHECK_NAMES.script, namespace: props.namespace },
      data: { "connectivity-check.sh": terraformLiteral(readAsset("workload/connectivity-check.sh")) },
      dependsOn: props.dependsOn,
    });
    this.job = new JobV1(this, "Resource", {
      metadata: { name, namespace: props.namespace },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: timeout,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            restartPolicy: "Never",
            nodeSelector: props.nodeSelector,
            container: [
              {
                name,
                image,
                command: ["/bin/sh", "/labyrinth/connectivity-check.sh"],
                env: [
                  { name: "TARGET", value: props.target },
                  { name: "PORT", value: String(PORTS.probe) },
                ],
                volumeMount: [{ name: "labyrinth", mountPath: "/labyrinth" }],
              },
            ],
            volume: [{ name: "labyrinth", configMap: { name: script.metadata.name } }],
          },
        },
      },
      // The deploy's own wait below reports which step failed; the provider's would not.
      waitForCompletion: false,
      dependsOn: props.dependsOn,
    });
    this.wait = new ApiWait(this, "Passed", {
      access: props.access,
      condition: WaitCondition.jobSucceeded(props.namespace, name),
      timeoutSeconds: timeout + 30,
      // A replaced Job is a new check: wait for it again.
      triggers: { job: this.job.metadata.uid },
      dependsOn: [this.job],
    });
  }
}
