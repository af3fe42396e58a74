import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiWait, WaitCondition } from "../constructs/api-wait";
import { CiliumRelease } from "../constructs/cilium-release";
import { ClusterAccess } from "../constructs/cluster-access";
import { ConnectivityCheck } from "../constructs/connectivity-check";
import { MetadataGuard } from "../constructs/metadata-guard";
import { ProbeWorkload } from "../constructs/probe-workload";
import { LabModel } from "../model/lab";
import { bootstrapHint } from "../model/node";
import { InfrastructureStack } from "./infrastructure";

/**
 * Everything inside the cluster: Cilium, the metadata guard, the probes and the connectivity
 * check. Its providers read the infrastructure stack's outputs (cdktf cross-stack references),
 * since Terraform must never configure a provider from resources of the same apply.
 */
export class ClusterStack extends TerraformStack {
  public readonly access: ClusterAccess;
  public readonly cilium: CiliumRelease;
  public readonly probes: ProbeWorkload;
  public readonly check?: ConnectivityCheck;

  constructor(scope: Construct, model: LabModel, infra: InfrastructureStack) {
    super(scope, model.stacks.cluster);
    const controlPlane = infra.controlPlane;
    this.access = infra.access;
    const kubernetes = {
      host: this.access.endpoint,
      clusterCaCertificate: this.access.caCertPem,
      clientCertificate: this.access.clientCertPem,
      clientKey: this.access.clientKeyPem,
    };
    new KubernetesProvider(this, "kubernetes", kubernetes);
    new HelmProvider(this, "helm", { kubernetes });

    // The VMs may still be bootstrapping when this stack starts: wait for the API server first.
    const apiReady = new ApiWait(this, "ApiServerReady", {
      access: this.access,
      condition: WaitCondition.apiServerReady(),
      timeoutSeconds: 600,
      hint: bootstrapHint(model.controlPlane),
    });
    this.cilium = new CiliumRelease(this, "Cilium", {
      version: model.cilium.version,
      controlPlane,
      kubeProxyReplacement: model.settings.kubeProxyReplacement,
      hubbleRelay: model.settings.hubbleRelay,
      dependsOn: [apiReady.resource],
    });
    // Everything below depends on the Cilium release, so destroy removes Cilium last.
    const guard = new MetadataGuard(this, "MetadataGuard", { access: this.access, cilium: this.cilium.release });
    // No pod of the lab runs before the guard: until then a pod could read the join token and the CA key from the metadata server.
    const podsAfter = [this.cilium.release, guard.release];
    const { probes } = model;
    this.probes = new ProbeWorkload(this, "Probes", {
      workers: probes.all.length,
      image: probes.image,
      listener: probes.listener,
      dependsOn: podsAfter,
    });
    if (model.check) {
      this.check = new ConnectivityCheck(this, "ConnectivityCheck", {
        access: this.access,
        namespace: model.check.namespace,
        target: model.check.target,
        // From worker 1 to worker 2's probe: across the tunnel.
        nodeSelector: { [probes.client.nodeLabel.key]: probes.client.nodeLabel.value },
        image: probes.image,
        dependsOn: [...podsAfter, ...this.probes.deployments],
      });
    }

    new TerraformOutput(this, "probe_shells", {
      description: "A shell in each probe pod",
      value: probes.all.map(({ namespace, app }) => `kubectl -n ${namespace} exec -it deploy/${app} -- bash`),
    });
    new TerraformOutput(this, "cilium_status", { value: "kubectl -n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status" });
    new TerraformOutput(this, "connectivity_check", {
      value: model.check
        ? `kubectl -n ${model.check.namespace} logs job/${model.check.job}`
        : `off: LABYRINTH_PROBE_LISTENER=false leaves port ${probes.port} free for the article's nc -l`,
    });
    const { client, server } = probes;
    new TerraformOutput(this, "journey", {
      description: "The article's first steps",
      value: [
        `kubectl -n ${server.namespace} exec -it deploy/${server.app} -- nc -l 0.0.0.0 ${probes.port}   # with LABYRINTH_PROBE_LISTENER=false`,
        `kubectl -n ${client.namespace} exec -it deploy/${client.app} -- nc ${server.host} ${probes.port}`,
      ],
    });
  }
}
