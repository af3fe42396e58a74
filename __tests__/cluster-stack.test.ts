import { readFileSync } from "node:fs";
import { parse, parseAllDocuments } from "yaml";
import { CURRENT_VERSIONS } from "../model/defaults";
import { CILIUM_1_17_4_KEYS } from "./fixtures/cilium-1.17.4-keys";
import { addressOf, dependsOn, named, resourcesOf, synthLab, TerraformJson } from "./support/synth";
import { kubeadmConfig } from "./support/user-data";

const { infra, cluster } = synthLab();
const cilium = named(cluster, "helm_release", "cilium");
const ciliumAddress = addressOf(cluster, "helm_release", cilium);
const values = (release: any) => parse(release.values[0]);
const waits = (json: TerraformJson) => resourcesOf(json, "terraform_data");
const waitFor = (json: TerraformJson, arg: string) => {
  const found = waits(json).filter((w) => w.provisioner[0]["local-exec"].command.endsWith(arg));
  expect(found).toHaveLength(1);
  return found[0];
};

/** Leaf key paths of a values object, dotted. */
function keyPaths(value: any, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keyPaths(inner, prefix ? `${prefix}.${key}` : key));
}

describe("provider wiring", () => {
  test("kubernetes and helm authenticate with the admin certificate, read from the infrastructure stack's state", () => {
    const remote = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-labyrinth-infra\.outputs\.cross-stack-output-/;
    for (const config of [cluster.provider.kubernetes[0], cluster.provider.helm[0].kubernetes]) {
      expect(config.host).toMatch(/^https:\/\/\$\{data\.terraform_remote_state\.[^}]+nat_ip\}:6443$/);
      for (const key of ["cluster_ca_certificate", "client_certificate", "client_key"]) expect(config[key]).toMatch(remote);
    }
    expect(cluster.provider.kubernetes[0].client_key).toContain("AdminKey");
    expect(cluster.data!.terraform_remote_state["cross-stack-reference-input-labyrinth-infra"].backend).toBe("local");
    // The infrastructure stack exports each of them, marked sensitive.
    const exported = Object.entries(infra.output).filter(([name]) => name.startsWith("cross-stack-output-"));
    expect(exported.length).toBeGreaterThanOrEqual(4);
    for (const [, output] of exported) expect(output.sensitive).toBe(true);
  });
});

describe("the readiness gate", () => {
  const gate = waitFor(cluster, " readyz");
  test("is an apply-time terraform_data polling /readyz with the cluster CA only, bounded at 10 minutes", () => {
    const exec = gate.provisioner[0]["local-exec"];
    expect(exec.command).toMatch(/^node assets\/LabyrinthWaitScript\/[0-9A-F]+\/wait\.mjs readyz$/);
    expect(exec.environment.LABYRINTH_WAIT_SECONDS).toBe("600");
    expect(exec.environment.LABYRINTH_CA).toContain("cross-stack-output-tls_self_signed_cert");
    expect(exec.environment.LABYRINTH_CLIENT_KEY).toBeUndefined();
    expect(exec.environment.LABYRINTH_HINT).toContain("gcloud compute instances get-serial-port-output labyrinth-node-0 --zone us-east4-b");
    expect(gate.triggers_replace).toEqual({ endpoint: expect.stringMatching(/nat_ip\}:6443$/), condition: "readyz" });
    expect(cluster.data).not.toHaveProperty("http");
  });

  test("says what the infrastructure stack's own readiness wait says when it gives up", () => {
    const hint = (json: TerraformJson) => waitFor(json, " readyz").provisioner[0]["local-exec"].environment.LABYRINTH_HINT;
    expect(hint(infra)).toBe("read the control plane's bootstrap: gcloud compute instances get-serial-port-output labyrinth-node-0 --zone us-east4-b | grep labyrinth:");
    expect(hint(cluster)).toBe(hint(infra));
  });

  test("precedes the Cilium release", () => {
    expect(dependsOn(cilium)).toEqual([addressOf(cluster, "terraform_data", gate)]);
  });
});

describe("CiliumRelease", () => {
  test("the cilium chart 1.17.4 from helm.cilium.io into kube-system, waiting for the rollout", () => {
    expect(cilium).toMatchObject({ repository: "https://helm.cilium.io", chart: "cilium", version: "1.17.4", namespace: "kube-system", wait: true });
  });

  test("the article's datapath: VXLAN on udp 8472, kube-proxy kept, Hubble on and told of every hop, MTU detected", () => {
    expect(values(cilium)).toEqual({
      routingMode: "tunnel",
      tunnelProtocol: "vxlan",
      tunnelPort: 8472,
      ipam: { mode: "kubernetes" },
      kubeProxyReplacement: "false",
      hubble: { enabled: true, relay: { enabled: false } },
      bpf: { monitorAggregation: "none" },
      MTU: 0,
      operator: { replicas: 1 },
    });
  });

  test("pod addresses come from the lab's pod CIDR, never the chart's 10.0.0.0/8 pool", () => {
    const custom = synthLab({ podCidr: "10.42.0.0/16" });
    // Cilium takes each node's podCIDR, which kube-controller-manager carves from kubeadm's podSubnet.
    expect(values(named(custom.cluster, "helm_release", "cilium")).ipam).toEqual({ mode: "kubernetes" });
    const cp = named(custom.infra, "google_compute_instance", "labyrinth-node-0");
    expect(kubeadmConfig(cp).ClusterConfiguration.networking.podSubnet).toBe("10.42.0.0/16");
    expect(JSON.stringify(custom.cluster)).not.toContain("10.0.0.0/8");
    expect(JSON.stringify(custom.cluster)).not.toContain("clusterPoolIPv4PodCIDRList");
  });

  test("kube-proxy replacement: Cilium reaches the API server directly and keeps socket LB to the host", () => {
    const kpr = synthLab({ kubeProxyReplacement: true, hubbleRelay: true });
    const v = values(named(kpr.cluster, "helm_release", "cilium"));
    expect(v).toMatchObject({
      kubeProxyReplacement: "true",
      k8sServiceHost: "10.168.0.2",
      k8sServicePort: 6443,
      socketLB: { hostNamespaceOnly: true },
      hubble: { enabled: true, relay: { enabled: true } },
    });
    expect(kubeadmConfig(named(kpr.infra, "google_compute_instance", "labyrinth-node-0")).ClusterConfiguration.proxy.disabled).toBe(true);
  });

  test("every value key it sets exists in the chart 1.17.4", () => {
    const variants = [cluster, synthLab({ kubeProxyReplacement: true, hubbleRelay: true }).cluster];
    const used = new Set(variants.flatMap((json) => keyPaths(values(named(json, "helm_release", "cilium")))));
    expect(used.size).toBeGreaterThanOrEqual(12);
    for (const key of used) expect(CILIUM_1_17_4_KEYS).toHaveProperty([key]);
  });

  test("the newer version set installs the chart 1.19.6 with the same datapath values, checked against its own keys", () => {
    const current = named(synthLab({ ...CURRENT_VERSIONS }).cluster, "helm_release", "cilium");
    expect(current).toMatchObject({ repository: "https://helm.cilium.io", chart: "cilium", version: "1.19.6" });
    expect(values(current)).toEqual(values(cilium));
    const kpr = named(synthLab({ ...CURRENT_VERSIONS, kubeProxyReplacement: true }).cluster, "helm_release", "cilium");
    expect(values(kpr)).toMatchObject({ kubeProxyReplacement: "true", k8sServiceHost: "10.168.0.2", socketLB: { hostNamespaceOnly: true } });
  });

  test("workers pull Cilium's agent image and the probe's while they wait for the control plane", () => {
    const worker = named(infra, "google_compute_instance", "labyrinth-node-1");
    expect(worker.metadata["user-data"]).toContain("PREPULL_IMAGES='quay.io/cilium/cilium:v1.17.4 docker.io/nicolaka/netshoot:v0.16'");
  });
});

describe("everything in the cluster depends on the Cilium release", () => {
  test.each([
    "kubernetes_namespace_v1",
    "kubernetes_service_v1",
    "kubernetes_deployment_v1",
    "kubernetes_config_map_v1",
    "kubernetes_job_v1",
  ])("%s", (type) => {
    const all = resourcesOf(cluster, type);
    expect(all.length).toBeGreaterThan(0);
    for (const resource of all) expect(dependsOn(resource)).toContain(ciliumAddress);
  });

  test("the metadata guard and its CRD wait", () => {
    const guard = named(cluster, "helm_release", "labyrinth-metadata-guard");
    const crdWait = waitFor(cluster, " crd ciliumclusterwidenetworkpolicies.cilium.io");
    expect(dependsOn(crdWait)).toEqual([ciliumAddress]);
    expect(dependsOn(guard)).toEqual([ciliumAddress, addressOf(cluster, "terraform_data", crdWait)]);
  });
});

describe("no pod runs before the metadata guard", () => {
  const guard = addressOf(cluster, "helm_release", named(cluster, "helm_release", "labyrinth-metadata-guard"));
  test.each(["kubernetes_deployment_v1", "kubernetes_job_v1"])("%s", (type) => {
    const all = resourcesOf(cluster, type);
    expect(all.length).toBeGreaterThan(0);
    for (const resource of all) expect(dependsOn(resource)).toContain(guard);
  });
});

describe("ProbeWorkload: the article's 1.yaml and 2.yaml", () => {
  test.each([1, 2])("worker %i: namespace, Service and Deployment with the article's names, ports, labels and selector", (n) => {
    const app = `node-wrk-${n}-ubuntu24`;
    expect(resourcesOf(cluster, "kubernetes_namespace_v1").map((ns) => ns.metadata.name)).toContain(`wrk-${n}`);
    const service = resourcesOf(cluster, "kubernetes_service_v1").find((s) => s.metadata.name === app);
    expect(service.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.[^.]+\.metadata\[0\]\.name\}$/);
    expect(service.spec).toEqual({
      type: "ClusterIP",
      selector: { app },
      port: [
        { name: "tcp-9999", port: 9999, target_port: "9999", protocol: "TCP" },
        { name: "udp-9999", port: 9999, target_port: "9999", protocol: "UDP" },
      ],
    });
    const deployment = resourcesOf(cluster, "kubernetes_deployment_v1").find((d) => d.metadata.name === app);
    expect(deployment.spec.replicas).toBe("1");
    expect(deployment.spec.selector.match_labels).toEqual({ app });
    const pod = deployment.spec.template;
    expect(pod.metadata.labels).toEqual({ app });
    expect(pod.spec.node_selector).toEqual({ nodelabel: `node-wrk-${n}` });
    const [container] = pod.spec.container;
    expect(container.image).toBe("docker.io/nicolaka/netshoot:v0.16");
    expect(container.port).toEqual([
      { container_port: 9999, protocol: "TCP" },
      { container_port: 9999, protocol: "UDP" },
    ]);
    expect(container.readiness_probe.tcp_socket).toEqual([{ port: "9999" }]);
    expect(container.command).toEqual(["/bin/sh", "/labyrinth/probe-listener.sh"]);
    // The script requires its port: the container's is the Service's.
    expect(container.env).toEqual([{ name: "PORT", value: String(service.spec.port[0].port) }]);
  });

  test("the listener script reaches the pod as it is in workload/, escaped for Terraform", () => {
    const script = resourcesOf(cluster, "kubernetes_config_map_v1").find((c) => c.metadata.name === "labyrinth-probe");
    const text: string = script.data["probe-listener.sh"];
    expect(text.replace(/([$%])\1\{/g, "$1{")).toBe(readFileSync("workload/probe-listener.sh", "utf8"));
  });

  test("with the listener off, the probes only sleep, have no readiness probe, and no check runs", () => {
    const { cluster: off } = synthLab({ probeListener: false });
    for (const d of resourcesOf(off, "kubernetes_deployment_v1")) {
      const [container] = d.spec.template.spec.container;
      expect(container.command.join(" ")).toContain("sleep 3600");
      expect(container.readiness_probe).toBeUndefined();
    }
    expect(resourcesOf(off, "kubernetes_job_v1")).toHaveLength(0);
    expect(off.output.connectivity_check.value).toContain("LABYRINTH_PROBE_LISTENER=false");
  });

  test("three workers: probes and namespaces follow the worker count", () => {
    const { cluster: three } = synthLab({ workers: 3 });
    expect(resourcesOf(three, "kubernetes_namespace_v1").map((ns) => ns.metadata.name)).toEqual(["wrk-1", "wrk-2", "wrk-3"]);
    expect(resourcesOf(three, "kubernetes_deployment_v1").map((d) => d.spec.template.spec.node_selector.nodelabel)).toEqual([
      "node-wrk-1",
      "node-wrk-2",
      "node-wrk-3",
    ]);
  });
});

describe("the connectivity check", () => {
  const job = resourcesOf(cluster, "kubernetes_job_v1")[0];
  test("a Job in wrk-1 that targets the wrk-2 probe's Service, once the probes are Ready", () => {
    expect(job.metadata).toEqual({ name: "connectivity-check", namespace: "wrk-1" });
    const [container] = job.spec.template.spec.container;
    expect(container.env).toEqual([
      { name: "TARGET", value: "node-wrk-2-ubuntu24.wrk-2" },
      { name: "PORT", value: "9999" },
    ]);
    expect(job.wait_for_completion).toBe(false);
    // On worker 1, so that the packets cross the tunnel to worker 2's probe.
    expect(job.spec.template.spec.node_selector).toEqual({ nodelabel: "node-wrk-1" });
    for (const d of resourcesOf(cluster, "kubernetes_deployment_v1")) expect(dependsOn(job)).toContain(addressOf(cluster, "kubernetes_deployment_v1", d));
  });

  test("the deploy waits on it with the admin certificate and fails with its FAIL lines", () => {
    const wait = waitFor(cluster, " job wrk-1/connectivity-check");
    expect(dependsOn(wait)).toEqual([addressOf(cluster, "kubernetes_job_v1", job)]);
    const env = wait.provisioner[0]["local-exec"].environment;
    expect(infra.output[env.LABYRINTH_CLIENT_KEY_OUTPUT]).toMatchObject({ sensitive: true, value: expect.stringMatching(/^\$\{tls_private_key\.Identity_AdminKey_/) });
    expect(env.LABYRINTH_WAIT_SECONDS).toBe("330");
    // A replaced Job is waited for again.
    expect(wait.triggers_replace.job).toBe(`\${${addressOf(cluster, "kubernetes_job_v1", job)}.metadata[0].uid}`);
  });
});

describe("the metadata guard's chart", () => {
  test("one valid CiliumClusterwideNetworkPolicy that denies pods http to 169.254.169.254 and nothing else", () => {
    const docs = parseAllDocuments(readFileSync("charts/metadata-guard/templates/deny-metadata-server.yaml", "utf8"));
    expect(docs).toHaveLength(1);
    expect(docs[0].errors).toEqual([]);
    const policy = docs[0].toJS();
    expect(policy).toMatchObject({ apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy" });
    expect(policy.spec.endpointSelector).toEqual({});
    expect(policy.spec.enableDefaultDeny).toEqual({ ingress: false, egress: false });
    expect(policy.spec.egressDeny).toEqual([{ toCIDR: ["169.254.169.254/32"], toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }] }]);
    expect(policy.spec.egress).toBeUndefined();
    expect(policy.spec.ingress).toBeUndefined();
    expect(parse(readFileSync("charts/metadata-guard/Chart.yaml", "utf8"))).toMatchObject({ apiVersion: "v2", type: "application" });
  });

  test("is installed from the chart shipped as an asset of the stack", () => {
    expect(named(cluster, "helm_release", "labyrinth-metadata-guard").chart).toMatch(/^assets\/MetadataGuard_Chart_[0-9A-F]+\/[0-9A-F]+$/);
  });
});

describe("outputs", () => {
  test("how to reach each probe, Cilium's status and the check's log", () => {
    expect(cluster.output.probe_shells.value).toEqual([
      "kubectl -n wrk-1 exec -it deploy/node-wrk-1-ubuntu24 -- bash",
      "kubectl -n wrk-2 exec -it deploy/node-wrk-2-ubuntu24 -- bash",
    ]);
    expect(cluster.output.cilium_status.value).toBe("kubectl -n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status");
    expect(cluster.output.connectivity_check.value).toBe("kubectl -n wrk-1 logs job/connectivity-check");
  });
});
