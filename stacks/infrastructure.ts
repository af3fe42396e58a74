import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiWait, WaitCondition } from "../constructs/api-wait";
import { ClusterIdentity } from "../constructs/cluster-identity";
import { ClusterAccess, clusterAccess } from "../constructs/cluster-access";
import { KubeadmNode } from "../constructs/kubeadm-node";
import { MetadataKeyRemoval } from "../constructs/metadata-key-removal";
import { LabyrinthNetwork } from "../constructs/labyrinth-network";
import { LabModel, LabNode } from "../model/lab";
import { bootstrapHint } from "../model/node";
import { METADATA_KEYS } from "../model/names";
import { recordOutput } from "../model/record";

/**
 * The machine room: network, cluster identity and the kubeadm nodes, as the model describes them.
 * Everything the in-cluster stack needs leaves through public properties (cdktf cross-stack
 * references).
 */
export class InfrastructureStack extends TerraformStack {
  public readonly network: LabyrinthNetwork;
  public readonly identity: ClusterIdentity;
  public readonly controlPlane: KubeadmNode;
  public readonly workers: KubeadmNode[];
  /** How Terraform reaches the API server, https://<control plane's external address>:6443, as admin. */
  public readonly access: ClusterAccess;

  constructor(scope: Construct, model: LabModel) {
    super(scope, model.stacks.infrastructure);
    const { settings } = model;
    new GoogleProvider(this, "google", { project: model.project, region: model.network.region });
    new RandomProvider(this, "random");
    new TlsProvider(this, "tls");

    this.network = new LabyrinthNetwork(this, "Network", { ...settings, name: model.network.name, region: model.network.region });
    this.identity = new ClusterIdentity(this, "Identity", model.identity);
    const cluster = {
      controlPlaneAddress: model.cluster.controlPlaneAddress,
      podCidr: model.cluster.podCidr,
      serviceCidr: model.cluster.serviceCidr,
      kubernetesVersion: model.cluster.kubernetesVersion,
      crioVersion: model.cluster.crioVersion,
      kubeProxy: model.cluster.kubeProxy,
    };
    const node = (id: string, lab: LabNode, controlPlane?: KubeadmNode) =>
      new KubeadmNode(this, id, {
        ...lab,
        nodeLabels: { ...lab.nodeLabels },
        extraPackages: [...lab.extraPackages],
        prepullImages: [...lab.prepullImages],
        labels: {},
        network: this.network,
        identity: this.identity,
        cluster,
        controlPlane,
      });
    this.controlPlane = node("ControlPlane", model.controlPlane);
    this.workers = model.workers.map((worker) => node(`Worker${worker.index}`, worker, this.controlPlane));
    this.access = clusterAccess(this.controlPlane, this.identity);
    // This stack ends when the API server answers (within ApiWait's default, which fits the
    // article's disk). The in-cluster stack's plan then refreshes its objects against a live API
    // server, also after a deploy that rebuilt the control plane.
    const ready = new ApiWait(this, "ApiServerReady", {
      access: this.access,
      condition: WaitCondition.apiServerReady(),
      hint: bootstrapHint(model.controlPlane),
      dependsOn: [this.controlPlane.instance],
    });
    // A ready API server means the control plane has read the CA key and keeps its own copy.
    new MetadataKeyRemoval(this, "CaKeyRemoval", { instance: this.controlPlane.instance, key: METADATA_KEYS.caKey, dependsOn: [ready.resource] });

    // What was deployed, for status, destroy, kubeconfig and the journey (read from the state).
    new TerraformOutput(this, "lab", recordOutput(model));
    const projectFlag = model.project ? ` --project ${model.project}` : "";
    new TerraformOutput(this, "nodes", {
      description: "Each node: name, role, internal and external address, and an SSH command through IAP",
      value: [this.controlPlane, ...this.workers].map((vm) => ({
        name: vm.name,
        role: vm.role,
        internal_ip: vm.internalAddress,
        external_ip: vm.externalAddress,
        ssh: `gcloud compute ssh ${vm.name} --zone ${vm.zone} --tunnel-through-iap${projectFlag}`,
      })),
    });
    new TerraformOutput(this, "api_endpoint", { value: this.access.endpoint });
    new TerraformOutput(this, "cluster_ca_certificate", { value: this.identity.caCertPem });
    const user = this.identity.adminUser;
    new TerraformOutput(this, "kubeconfig", {
      description: "Admin kubeconfig: npm run kubeconfig writes it to a file",
      sensitive: true,
      value: Fn.yamlencode({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: model.name, cluster: { server: this.access.endpoint, "certificate-authority-data": Fn.base64encode(this.identity.caCertPem) } }],
        users: [
          {
            name: user,
            user: {
              "client-certificate-data": Fn.base64encode(this.identity.adminCertPem),
              "client-key-data": Fn.base64encode(this.identity.adminKeyPem),
            },
          },
        ],
        contexts: [{ name: model.name, context: { cluster: model.name, user } }],
        "current-context": model.name,
      }),
    });
  }
}
