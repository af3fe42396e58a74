import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack } from "cdktf";
// Only the public API: what another project imports.
import { ClusterIdentity, KubeadmNode, LabyrinthNetwork } from "../constructs";
import { named, resourcesOf, synthStack, testStack } from "./support/synth";
import { publicTypes } from "./support/public-types";
import { kubeadmConfig } from "./support/user-data";

/** Another lab: other region, names, subnet and three workers, composed from the constructs alone. */
function composeOtherLab(api: { ClusterIdentity: any; KubeadmNode: any; LabyrinthNetwork: any }, stack: TerraformStack) {
  const network = new api.LabyrinthNetwork(stack, "Net", { name: "maze", region: "europe-west1", subnetCidr: "10.20.0.0/24" });
  const identity = new api.ClusterIdentity(stack, "Identity", { tokenTtlHours: 48 });
  const cluster = { controlPlaneAddress: "10.20.0.10", podCidr: "10.30.0.0/16" };
  const zone = "europe-west1-c";
  new api.KubeadmNode(stack, "Cp", { role: "control-plane", name: "maze-cp", network, identity, cluster, zone, internalAddress: "10.20.0.10" });
  for (const n of [1, 2, 3]) {
    new api.KubeadmNode(stack, `W${n}`, {
      role: "worker",
      name: `maze-w${n}`,
      network,
      identity,
      cluster,
      zone,
      machineType: "e2-standard-2",
      internalAddress: `10.20.0.${10 + n}`,
      nodeLabels: { tier: `t${n}` },
    });
  }
}

describe("the constructs compose another lab", () => {
  const stack = testStack("other");
  composeOtherLab({ ClusterIdentity, KubeadmNode, LabyrinthNetwork }, stack);
  const json = synthStack(stack);

  test("its own network, region, zone, names and addresses", () => {
    expect(named(json, "google_compute_subnetwork", "maze-nodes")).toMatchObject({ region: "europe-west1", ip_cidr_range: "10.20.0.0/24" });
    const vms = resourcesOf(json, "google_compute_instance");
    expect(vms.map((vm) => [vm.name, vm.zone, vm.network_interface[0].network_ip, vm.machine_type])).toEqual([
      ["maze-cp", "europe-west1-c", "10.20.0.10", "e2-medium"],
      ["maze-w1", "europe-west1-c", "10.20.0.11", "e2-standard-2"],
      ["maze-w2", "europe-west1-c", "10.20.0.12", "e2-standard-2"],
      ["maze-w3", "europe-west1-c", "10.20.0.13", "e2-standard-2"],
    ]);
    expect(vms[3].tags).toEqual(["maze-node"]);
    expect(named(json, "google_compute_firewall", "maze-allow-nodes-vxlan").source_tags).toEqual(["maze-node"]);
  });

  test("its kubeadm settings: endpoint, pod range, token lifetime, labels", () => {
    const vms = resourcesOf(json, "google_compute_instance");
    const init = kubeadmConfig(vms[0]);
    expect(init.ClusterConfiguration.controlPlaneEndpoint).toBe("10.20.0.10:6443");
    expect(init.ClusterConfiguration.networking.podSubnet).toBe("10.30.0.0/16");
    expect(init.InitConfiguration.bootstrapTokens[0].ttl).toBe("48h0m0s");
    expect(kubeadmConfig(vms[3]).JoinConfiguration.nodeRegistration.kubeletExtraArgs[1]).toEqual({ name: "node-labels", value: "tier=t3" });
  });
});

describe("the package as another project installs it", () => {
  test("`npm run build` emits JavaScript, types and templates that synthesize the same lab", () => {
    const root = join(__dirname, "..");
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
    expect(build.stderr).toBe("");
    expect(build.status).toBe(0);
    expect(existsSync(join(root, "dist/constructs/index.d.ts"))).toBe(true);

    const compiled = require(join(root, "dist/constructs/index.js"));
    const stack = testStack("installed");
    composeOtherLab(compiled, stack);
    const vms = resourcesOf(synthStack(stack), "google_compute_instance");
    expect(vms.map((vm) => vm.name)).toEqual(["maze-cp", "maze-w1", "maze-w2", "maze-w3"]);
    expect(kubeadmConfig(vms[1]).JoinConfiguration.discovery.bootstrapToken.apiServerEndpoint).toBe("10.20.0.10:6443");
  });
});

describe("the public API", () => {
  const { exported, unexported } = publicTypes();

  test("every type a public signature names is exported from the index", () => {
    expect(unexported).toEqual([]);
  });

  test("is what the index exports, and no internal helper", () => {
    expect(exported).toEqual([
      "ApiWait", "ApiWaitProps", "CILIUM_CHART_VERSIONS", "CiliumInput", "CiliumRelease", "CiliumReleaseProps", "ClientCredentialsFile", "ClusterAccess",
      "ClusterIdentity", "ClusterIdentityProps", "ClusterInput", "ClusterModel", "ConnectivityCheck", "ConnectivityCheckProps", "DEFAULTS", "HelmValue",
      "HelmValues", "IAP_SOURCE_RANGE", "IClusterAdmin", "IClusterIdentity", "IKubeadmControlPlane", "INodeNetwork", "IdentityInput", "KubeadmClusterSettings", "KubeadmNode",
      "KubeadmNodeProps", "KubeadmRole", "LabyrinthNetwork", "LabyrinthNetworkProps", "Lifetime", "METADATA_KEYS", "MetadataGuard",
      "MetadataGuardProps", "MetadataKeyRemoval", "MetadataKeyRemovalProps", "NO_SPOT_FAMILIES", "NetworkInput", "NodeInput", "PORTS", "ProbeWorkload", "ProbeWorkloadProps",
      "SettingError", "WaitCondition", "clusterAccess", "parseLifetime", "probeNames",
    ]);
  });
});
