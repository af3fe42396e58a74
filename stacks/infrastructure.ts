import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ApiWait, WaitCondition } from "../constructs/api-wait";
import { CiliumRelease } from "../constructs/cilium-release";
import { ClusterIdentity } from "../constructs/cluster-identity";
import { check } from "../constructs/errors";
import { addressAt } from "../constructs/ipv4";
import { KubeadmNode, METADATA_KEYS } from "../constructs/kubeadm-node";
import { MetadataKeyRemoval } from "../constructs/metadata-key-removal";
import { LabyrinthNetwork } from "../constructs/labyrinth-network";
import { Lifetime, parseLifetime } from "../constructs/lifetime";
import { checkImage, checkVersion } from "../constructs/names";
import { ClientCredentialsFile } from "../constructs/cluster-access";
import { statePath } from "../lab/state";
import { LabSettings } from "./settings";

/** Where the control plane sits in the subnet, and how far workers start after it (the article's .2, .4, .5). */
const CONTROL_PLANE_INDEX = 2;
const FIRST_WORKER_INDEX = 4;

/**
 * The machine room: network, cluster identity and the kubeadm nodes. Everything the
 * in-cluster stack needs leaves through public properties (cdktf cross-stack references).
 */
export class InfrastructureStack extends TerraformStack {
  public readonly network: LabyrinthNetwork;
  public readonly identity: ClusterIdentity;
  public readonly controlPlane: KubeadmNode;
  public readonly workers: KubeadmNode[];
  /** https://<control plane's external address>:6443 */
  public readonly apiEndpoint: string;
  /** How long the VMs live. */
  public readonly lifetime: Lifetime;
  /** Where deploy-time commands read the admin client certificate and key: this stack's state. */
  public readonly adminCredentials: ClientCredentialsFile;

  constructor(scope: Construct, id: string, settings: LabSettings) {
    super(scope, id);
    this.adminCredentials = { statePath: statePath(id), certificateOutput: "admin_client_certificate", keyOutput: "admin_client_key" };
    check(settings.name.length <= 30, "name", `"${settings.name}" is longer than 30 characters: resource names are built from it, use a shorter name`);
    check(Number.isInteger(settings.workers) && settings.workers >= 1, "workers", `${settings.workers} workers: a lab needs at least 1`);
    // The workers pull these images early: check them here, under the names users set.
    checkVersion(settings.ciliumVersion, "ciliumVersion", "1.17.4");
    checkImage(settings.probeImage, "probeImage");

    new GoogleProvider(this, "google", { project: settings.project, region: settings.region });
    new RandomProvider(this, "random");
    new TlsProvider(this, "tls");

    this.network = new LabyrinthNetwork(this, "Network", {
      name: settings.name,
      region: settings.region,
      subnetCidr: settings.subnetCidr,
      sshSourceRanges: settings.sshSourceRanges,
      allowOpenSsh: settings.allowOpenSsh,
      apiSourceRanges: settings.apiSourceRanges,
      hubbleRelay: settings.hubbleRelay,
    });
    const subnet = this.network.subnetCidr;
    const usable = subnet.size - 2 - FIRST_WORKER_INDEX;
    check(
      settings.workers <= usable,
      "workers",
      `${settings.workers} workers do not fit in ${subnet.text} (room for ${usable} from ${addressAt(subnet, FIRST_WORKER_INDEX)}): use fewer workers or a larger subnet`,
    );
    this.lifetime = parseLifetime(settings.ttl);
    // The token must outlive the lab, so that a recreated worker can still join.
    this.identity = new ClusterIdentity(this, "Identity", {
      tokenTtlHours: Math.max(24, Math.ceil((this.lifetime.seconds ?? 0) / 3600)),
    });

    const controlPlaneAddress = addressAt(subnet, CONTROL_PLANE_INDEX);
    const common = {
      network: this.network,
      identity: this.identity,
      zone: settings.zone,
      machineType: settings.machineType,
      image: settings.image,
      diskSizeGb: settings.diskSizeGb,
      diskType: settings.diskType,
      maxRunSeconds: this.lifetime.seconds,
      spot: settings.spot,
      cluster: {
        controlPlaneAddress,
        podCidr: settings.podCidr,
        serviceCidr: settings.serviceCidr,
        kubernetesVersion: settings.kubernetesVersion,
        crioVersion: settings.crioVersion,
        kubeProxy: !settings.kubeProxyReplacement,
      },
    };
    this.controlPlane = new KubeadmNode(this, "ControlPlane", {
      ...common,
      role: "control-plane",
      name: `${settings.name}-node-0`,
      internalAddress: controlPlaneAddress,
      // Pulled while kubeadm initializes: Cilium's agent and operator start there first.
      prepullImages: [CiliumRelease.agentImage(settings.ciliumVersion), CiliumRelease.operatorImage(settings.ciliumVersion)],
    });
    this.workers = Array.from({ length: settings.workers }, (_, i) => {
      const n = i + 1;
      return new KubeadmNode(this, `Worker${n}`, {
        ...common,
        role: "worker",
        name: `${settings.name}-node-${n}`,
        internalAddress: addressAt(subnet, FIRST_WORKER_INDEX + i),
        nodeLabels: { nodelabel: `node-wrk-${n}` },
        // The journey captures on the workers' own interfaces.
        extraPackages: ["tshark"],
        // Pulled while the worker waits for the control plane: Cilium's agent and the probe.
        prepullImages: [CiliumRelease.agentImage(settings.ciliumVersion), settings.probeImage],
        controlPlane: this.controlPlane,
      });
    });
    this.apiEndpoint = `https://${this.controlPlane.externalAddress}:6443`;
    // This stack ends when the API server answers. The in-cluster stack's plan then refreshes its
    // objects against a live API server, also after a deploy that rebuilt the control plane.
    const ready = new ApiWait(this, "ApiServerReady", {
      access: { endpoint: this.apiEndpoint, caCertPem: this.identity.caCertPem, clientCertPem: this.identity.adminCertPem, clientKeyPem: this.identity.adminKeyPem },
      condition: WaitCondition.apiServerReady(),
      timeoutSeconds: 1800,
      hint: `read the control plane's bootstrap: gcloud compute instances get-serial-port-output ${this.controlPlane.name} --zone ${this.controlPlane.zone} | grep labyrinth:`,
      dependsOn: [this.controlPlane.instance],
    });
    // A ready API server means the control plane has read the CA key and keeps its own copy.
    new MetadataKeyRemoval(this, "CaKeyRemoval", { instance: this.controlPlane.instance, key: METADATA_KEYS.caKey, dependsOn: [ready.resource] });

    const projectFlag = settings.project ? ` --project ${settings.project}` : "";
    new TerraformOutput(this, "nodes", {
      description: "Each node: name, role, internal and external address, and an SSH command through IAP",
      value: [this.controlPlane, ...this.workers].map((node) => ({
        name: node.name,
        role: node.role,
        internal_ip: node.internalAddress,
        external_ip: node.externalAddress,
        ssh: `gcloud compute ssh ${node.name} --zone ${node.zone} --tunnel-through-iap${projectFlag}`,
      })),
    });
    new TerraformOutput(this, "api_endpoint", { value: this.apiEndpoint });
    new TerraformOutput(this, "cluster_ca_certificate", { value: this.identity.caCertPem });
    new TerraformOutput(this, this.adminCredentials.certificateOutput, { value: this.identity.adminCertPem });
    new TerraformOutput(this, this.adminCredentials.keyOutput, { value: this.identity.adminKeyPem, sensitive: true });
    new TerraformOutput(this, "kubeconfig", {
      description: "Admin kubeconfig: npm run kubeconfig writes it to a file",
      sensitive: true,
      value: Fn.yamlencode({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: settings.name, cluster: { server: this.apiEndpoint, "certificate-authority-data": Fn.base64encode(this.identity.caCertPem) } }],
        users: [
          {
            name: `${settings.name}-admin`,
            user: {
              "client-certificate-data": Fn.base64encode(this.identity.adminCertPem),
              "client-key-data": Fn.base64encode(this.identity.adminKeyPem),
            },
          },
        ],
        contexts: [{ name: settings.name, context: { cluster: settings.name, user: `${settings.name}-admin` } }],
        "current-context": settings.name,
      }),
    });
  }
}
