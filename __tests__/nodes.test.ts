import { METADATA_KEYS } from "../constructs";
import { CURRENT_VERSIONS } from "../model/defaults";
import { named, resourcesOf, synthLab } from "./support/synth";
import { kubeadmConfig, nodeEnv, userDataText, writtenFile } from "./support/user-data";
import { readFileSync } from "node:fs";

const { infra } = synthLab();
const instance = (name: string) => named(infra, "google_compute_instance", name);
const controlPlane = instance("labyrinth-node-0");
const workers = [instance("labyrinth-node-1"), instance("labyrinth-node-2")];

describe("KubeadmNode with the article's settings", () => {
  test("three VMs: node-0 (control plane), node-1 and node-2 at the article's addresses", () => {
    expect(resourcesOf(infra, "google_compute_instance")).toHaveLength(3);
    expect(controlPlane.network_interface[0].network_ip).toBe("10.168.0.2");
    expect(workers.map((w) => w.network_interface[0].network_ip)).toEqual(["10.168.0.4", "10.168.0.5"]);
    expect(controlPlane.labels).toMatchObject({ lab: "labyrinth", role: "control-plane" });
    expect(workers[0].labels).toMatchObject({ lab: "labyrinth", role: "worker" });
  });

  test.each([controlPlane, ...workers])("$name: e2-medium, Ubuntu 24.04 on a 32 GB pd-standard disk in us-east4-b", (vm) => {
    expect(vm).toMatchObject({ machine_type: "e2-medium", zone: "us-east4-b" });
    expect(vm.boot_disk).toMatchObject({
      auto_delete: true,
      initialize_params: { image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64", size: 32, type: "pd-standard" },
    });
    expect(vm.shielded_instance_config).toEqual({ enable_secure_boot: true, enable_vtpm: true, enable_integrity_monitoring: true });
    // The nodes need no Google API: no service account at all.
    expect(vm.service_account).toBeUndefined();
    // An ephemeral external address, never a reserved one that bills after the VM is gone.
    expect(vm.network_interface[0].access_config).toEqual([{}]);
    expect(resourcesOf(infra, "google_compute_address")).toHaveLength(0);
  });

  test("tags: every node carries the node tag, only node-0 the control-plane tag", () => {
    expect(controlPlane.tags).toEqual(["labyrinth-node", "labyrinth-control-plane"]);
    for (const w of workers) expect(w.tags).toEqual(["labyrinth-node"]);
  });

  test("secrets travel as metadata keys of their own; the CA key only to the control plane", () => {
    const ref = /^\$\{[a-z_]+\.[A-Za-z0-9_]+\.[a-z_]+\}/;
    expect(controlPlane.metadata[METADATA_KEYS.token]).toMatch(ref);
    expect(controlPlane.metadata[METADATA_KEYS.caKey]).toMatch(/^\$\{tls_private_key\.[^.]+\.private_key_pem\}$/);
    expect(controlPlane.metadata[METADATA_KEYS.caCert]).toMatch(/^\$\{tls_self_signed_cert\.[^.]+\.cert_pem\}$/);
    for (const w of workers) {
      expect(w.metadata[METADATA_KEYS.token]).toBe(controlPlane.metadata[METADATA_KEYS.token]);
      expect(w.metadata[METADATA_KEYS.caKey]).toBeUndefined();
    }
    for (const vm of [controlPlane, ...workers]) {
      const userData = userDataText(vm);
      expect(userData).not.toContain("random_password");
      expect(userData).not.toContain("private_key_pem");
    }
  });

  test("the control plane's kubeadm config: the article's pod subnet, endpoint and token from metadata", () => {
    const { InitConfiguration: init, ClusterConfiguration: cluster } = kubeadmConfig(controlPlane);
    expect(init.apiVersion).toBe("kubeadm.k8s.io/v1beta4");
    expect(init.bootstrapTokens[0]).toMatchObject({ token: "@TOKEN@", ttl: "24h0m0s" });
    expect(init.nodeRegistration).toMatchObject({
      name: "@NODE_NAME@",
      criSocket: "unix:///var/run/crio/crio.sock",
      kubeletExtraArgs: [{ name: "node-ip", value: "@NODE_IP@" }],
    });
    expect(cluster).toMatchObject({
      kubernetesVersion: "@KUBEADM_VERSION@",
      controlPlaneEndpoint: "10.168.0.2:6443",
      networking: { podSubnet: "10.10.0.0/16", serviceSubnet: "10.96.0.0/12" },
      proxy: { disabled: false },
      apiServer: { certSANs: ["@NODE_IP@", "@EXTERNAL_IP@"] },
    });
  });

  test("kube-proxy is skipped when Cilium replaces it", () => {
    const replaced = synthLab({ kubeProxyReplacement: true }).infra;
    const { ClusterConfiguration } = kubeadmConfig(named(replaced, "google_compute_instance", "labyrinth-node-0"));
    expect(ClusterConfiguration.proxy).toEqual({ disabled: true });
  });

  test.each([1, 2])("worker %i joins with the token, the CA pin, its short name and its nodelabel", (n) => {
    const { JoinConfiguration: join } = kubeadmConfig(workers[n - 1]);
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: "10.168.0.2:6443",
      token: "@TOKEN@",
      caCertHashes: ["@CA_CERT_HASH@"],
    });
    expect(join.discovery.bootstrapToken.unsafeSkipCAVerification).toBeUndefined();
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: "node-ip", value: "@NODE_IP@" },
      { name: "node-labels", value: `nodelabel=node-wrk-${n}` },
    ]);
  });

  test("node.env: versions, endpoint, and no extra package (the journey captures from a pod of its own)", () => {
    expect(nodeEnv(controlPlane)).toMatchObject({ ROLE: "control-plane", KUBERNETES_VERSION: "1.33", CRIO_VERSION: "1.33", API_ENDPOINT: "10.168.0.2:6443", EXTRA_PACKAGES: "" });
    expect(nodeEnv(workers[0])).toMatchObject({ ROLE: "worker", EXTRA_PACKAGES: "", POLL_SECONDS: "5" });
  });

  test("each role's user-data carries the shared library once and its own script", () => {
    const lib = readFileSync("cloud-init/lib.sh", "utf8");
    expect(writtenFile(controlPlane, "/opt/labyrinth/lib.sh")).toBe(lib);
    expect(writtenFile(workers[0], "/opt/labyrinth/lib.sh")).toBe(lib);
    expect(writtenFile(controlPlane, "/opt/labyrinth/bootstrap.sh")).toBe(readFileSync("cloud-init/control-plane.sh", "utf8"));
    expect(writtenFile(workers[0], "/opt/labyrinth/bootstrap.sh")).toBe(readFileSync("cloud-init/worker.sh", "utf8"));
  });

  test("shell expansions reach the VM intact: Terraform's own ${ is escaped in user-data", () => {
    const raw: string = controlPlane.metadata["user-data"];
    expect(raw).not.toMatch(/(^|[^$])\$\{/);
    expect(userDataText(controlPlane)).toContain('R=${LABYRINTH_ROOT:-}');
  });
});

describe("outputs", () => {
  test("per node its name, addresses and an IAP SSH command; the API endpoint; a sensitive kubeconfig", () => {
    const nodes = infra.output.nodes.value;
    expect(nodes.map((n: any) => [n.name, n.role, n.internal_ip])).toEqual([
      ["labyrinth-node-0", "control-plane", "10.168.0.2"],
      ["labyrinth-node-1", "worker", "10.168.0.4"],
      ["labyrinth-node-2", "worker", "10.168.0.5"],
    ]);
    expect(nodes[1].external_ip).toMatch(/^\$\{google_compute_instance\.[^.]+\.network_interface\[0\]\.access_config\[0\]\.nat_ip\}$/);
    expect(nodes[1].ssh).toBe("gcloud compute ssh labyrinth-node-1 --zone us-east4-b --tunnel-through-iap");
    expect(infra.output.api_endpoint.value).toMatch(/^https:\/\/\$\{google_compute_instance\.ControlPlane_[^.]+\.network_interface\[0\]\.access_config\[0\]\.nat_ip\}:6443$/);
    expect(infra.output.kubeconfig.sensitive).toBe(true);
    // Every output that carries the admin key (the waits read it from the state) is sensitive.
    const adminKey = Object.values(infra.output).filter((o) => /^\$\{tls_private_key\.Identity_AdminKey_[^.]+\.private_key_pem\}$/.test(o.value));
    expect(adminKey.length).toBeGreaterThan(0);
    for (const output of adminKey) expect(output.sensitive).toBe(true);
    expect(infra.output.kubeconfig.value).toContain("client-key-data");
  });

  test("the SSH command names the project when one is set", () => {
    const { infra: withProject } = synthLab({ project: "my-lab-project" });
    expect(withProject.output.nodes.value[0].ssh).toBe("gcloud compute ssh labyrinth-node-0 --zone us-east4-b --tunnel-through-iap --project my-lab-project");
    expect(withProject.provider.google[0]).toMatchObject({ project: "my-lab-project", region: "us-east4" });
  });
});

describe("the newer version set: Kubernetes and CRI-O 1.35, Cilium 1.19.6", () => {
  const current = synthLab({ ...CURRENT_VERSIONS }).infra;
  const [cp, w1] = ["labyrinth-node-0", "labyrinth-node-1"].map((name) => named(current, "google_compute_instance", name));

  test("node.env: the repositories' minors", () => {
    for (const vm of [cp, w1]) expect(nodeEnv(vm)).toMatchObject({ KUBERNETES_VERSION: "1.35", CRIO_VERSION: "1.35" });
  });

  test("the same kubeadm v1beta4 configuration as the article's versions", () => {
    expect(kubeadmConfig(cp)).toEqual(kubeadmConfig(controlPlane));
    expect(kubeadmConfig(w1)).toEqual(kubeadmConfig(workers[0]));
  });

  test("the nodes pull Cilium 1.19.6's images early", () => {
    expect(nodeEnv(cp).PREPULL_IMAGES).toBe("quay.io/cilium/cilium:v1.19.6 quay.io/cilium/operator-generic:v1.19.6");
    expect(nodeEnv(w1).PREPULL_IMAGES).toBe("quay.io/cilium/cilium:v1.19.6 docker.io/nicolaka/netshoot:v0.16");
  });
});
