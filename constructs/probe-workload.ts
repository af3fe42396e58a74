import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { checkDnsLabel, checkImage, checkK8sLabelValue } from "../model/checks";
import { DEFAULTS, PORTS } from "../model/defaults";
import { check } from "../model/errors";
import { probeNames } from "../model/names";
import { readAsset, terraformLiteral } from "./template";

const SCRIPT_MOUNT = "/labyrinth";

export interface ProbeWorkloadProps {
  /**
   * Workers that get a probe: worker N's in namespace wrk-N, pinned by `nodelabel: node-wrk-N`.
   * @default 2
   */
  readonly workers?: number;
  /**
   * The probe's image; it needs a shell, and socat or ncat for the listener.
   * @default "docker.io/nicolaka/netshoot:v0.16"
   */
  readonly image?: string;
  /**
   * Answer on TCP and UDP 9999 (an echo). Off, the pod only sleeps, and the article's
   * `nc -l 0.0.0.0 9999` can be run by hand (with the listener on, the port is taken).
   * @default true
   */
  readonly listener?: boolean;
  /**
   * What must exist first (the Cilium release: pods need their CNI, and destroy removes it last).
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The article's workload (1.yaml, 2.yaml): per worker N a namespace wrk-N, a ClusterIP Service and
 * a one-replica Deployment `node-wrk-N-ubuntu24` with TCP and UDP 9999, pinned to worker N.
 */
export class ProbeWorkload extends Construct {
  public readonly image: string;
  public readonly deployments: DeploymentV1[] = [];
  public readonly services: ServiceV1[] = [];

  constructor(scope: Construct, id: string, props: ProbeWorkloadProps = {}) {
    super(scope, id);
    const workers = props.workers ?? DEFAULTS.workers;
    check(Number.isInteger(workers) && workers >= 1, "workers", `${workers}: the probes need at least 1 worker`);
    this.image = props.image ?? DEFAULTS.probeImage;
    checkImage(this.image, "image");
    const listener = props.listener ?? DEFAULTS.probeListener;

    for (let n = 1; n <= workers; n++) {
      const names = probeNames(n);
      checkDnsLabel(names.namespace, "namespace");
      checkK8sLabelValue(names.nodeLabel.value, "nodeLabel");
      const dependsOn = props.dependsOn;
      const namespace = new NamespaceV1(this, `Namespace${n}`, { metadata: { name: names.namespace }, dependsOn });
      const ns = namespace.metadata.name;
      const labels = { app: names.app };
      this.services.push(
        new ServiceV1(this, `Service${n}`, {
          metadata: { name: names.app, namespace: ns, labels },
          spec: {
            type: "ClusterIP",
            selector: labels,
            port: [
              { name: `tcp-${PORTS.probe}`, port: PORTS.probe, targetPort: String(PORTS.probe), protocol: "TCP" },
              { name: `udp-${PORTS.probe}`, port: PORTS.probe, targetPort: String(PORTS.probe), protocol: "UDP" },
            ],
          },
          dependsOn,
        }),
      );
      const script = new ConfigMapV1(this, `Script${n}`, {
        metadata: { name: "labyrinth-probe", namespace: ns },
        data: { "probe-listener.sh": terraformLiteral(readAsset("workload/probe-listener.sh")) },
        dependsOn,
      });
      this.deployments.push(
        new DeploymentV1(this, `Deployment${n}`, {
          metadata: { name: names.app, namespace: ns, labels },
          spec: {
            replicas: "1",
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                nodeSelector: { [names.nodeLabel.key]: names.nodeLabel.value },
                terminationGracePeriodSeconds: 5,
                container: [
                  {
                    name: names.app,
                    image: this.image,
                    imagePullPolicy: "IfNotPresent",
                    command: listener
                      ? ["/bin/sh", `${SCRIPT_MOUNT}/probe-listener.sh`]
                      : ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait; done"],
                    // The listener's port: the script has no default of its own.
                    env: [{ name: "PORT", value: String(PORTS.probe) }],
                    port: [
                      { containerPort: PORTS.probe, protocol: "TCP" },
                      { containerPort: PORTS.probe, protocol: "UDP" },
                    ],
                    readinessProbe: listener ? { tcpSocket: [{ port: String(PORTS.probe) }], periodSeconds: 2 } : undefined,
                    volumeMount: [{ name: "labyrinth", mountPath: SCRIPT_MOUNT }],
                  },
                ],
                volume: [{ name: "labyrinth", configMap: { name: script.metadata.name } }],
              },
            },
          },
          dependsOn,
        }),
      );
    }
  }
}
