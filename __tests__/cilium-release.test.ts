import { TerraformStack } from "cdktf";
import { parse } from "yaml";
import { CILIUM_CHART_VERSIONS, CiliumRelease, CiliumReleaseProps, ClusterIdentity, KubeadmNode, LabyrinthNetwork } from "../constructs";
import { refusal } from "./support/refusal";
import { resourcesOf, synthStack, testStack } from "./support/synth";

const release = (props: CiliumReleaseProps = {}) => new CiliumRelease(testStack("cilium"), "Cilium", props);

/** A control plane built with or without kube-proxy. */
function controlPlane(kubeProxy: boolean) {
  const stack = testStack("infra");
  return new KubeadmNode(stack, "Cp", {
    role: "control-plane",
    name: "maze-cp",
    network: new LabyrinthNetwork(stack, "Net", { subnetCidr: "10.20.0.0/24" }),
    identity: new ClusterIdentity(stack, "Identity"),
    cluster: { controlPlaneAddress: "10.20.0.10", kubeProxy },
    internalAddress: "10.20.0.10",
  });
}

test("the cluster it goes into is its controlPlane's: CiliumInput's internal cluster is no prop", () => {
  // @ts-expect-error cluster is filled from controlPlane, never given
  const values = release({ controlPlane: controlPlane(false), cluster: { controlPlane: "other", controlPlaneAddress: "10.0.0.9", kubeProxy: true } }).values;
  expect(values).toMatchObject({ kubeProxyReplacement: "true", k8sServiceHost: "10.20.0.10" });
});

describe("chart versions", () => {
  test("the value keys of 1.17.4 (the article's), 1.18.12 and 1.19.6 ship with the library", () => {
    expect(CILIUM_CHART_VERSIONS).toEqual(["1.17.4", "1.18.12", "1.19.6"]);
  });

  test.each(CILIUM_CHART_VERSIONS)("%s takes every typed value, with kube-proxy kept or replaced", (version) => {
    expect(release({ version }).values).toMatchObject({ routingMode: "tunnel", kubeProxyReplacement: "false" });
    expect(release({ version, kubeProxyReplacement: true, apiServerHost: "10.168.0.2", hubbleRelay: true }).values).toMatchObject({ socketLB: { hostNamespaceOnly: true } });
  });

  test("a version whose keys do not ship is refused, naming those that do", () => {
    expect(refusal(() => release({ version: "1.16.0" })).message).toBe(
      "version: 1.16.0 is not a cilium chart version whose values this library knows: use 1.17.4, 1.18.12, 1.19.6",
    );
  });
});

describe("values beyond the typed props", () => {
  test("are laid over the typed ones and reach Helm", () => {
    const cilium = release({ values: { bpf: { monitorAggregation: "none" }, hubble: { ui: { enabled: true } } } });
    expect(cilium.values).toMatchObject({ bpf: { monitorAggregation: "none" }, hubble: { enabled: true, relay: { enabled: false }, ui: { enabled: true } } });
    const [helm] = resourcesOf(synthStack(TerraformStack.of(cilium)), "helm_release");
    expect(parse(helm.values[0])).toEqual(cilium.values);
  });

  test("the lab's own choice (every trace event for Hubble) is a default that values may change", () => {
    expect(release().values).toMatchObject({ bpf: { monitorAggregation: "none" } });
    expect(release({ values: { bpf: { monitorAggregation: "medium", masquerade: false } } }).values).toMatchObject({ bpf: { monitorAggregation: "medium", masquerade: false } });
  });

  test.each([
    ["a key the chart does not have", { tunnelMode: "vxlan" }, "values: tunnelMode is not a value of the cilium chart 1.17.4: see its values.yaml"],
    ["a typo under a key it has", { hubble: { ui: { enabeld: true } } }, "values: hubble.ui.enabeld is not a value of the cilium chart 1.17.4: see its values.yaml"],
    ["a value a typed prop sets", { hubble: { relay: { enabled: true } } }, "values: hubble.relay.enabled is set by CiliumRelease itself: use its hubbleRelay prop, and leave it out of values"],
    ["a value the datapath fixes", { ipam: { mode: "cluster-pool" } }, "values: ipam.mode is set by CiliumRelease itself: the lab's datapath needs it as it is, and leave it out of values"],
    ["a map where a typed prop sets a value", { kubeProxyReplacement: { enabled: true } }, "values: kubeProxyReplacement is set by CiliumRelease itself: use its kubeProxyReplacement prop, and leave it out of values"],
  ])("%s is refused with one line naming it", (_case, values, message) => {
    expect(refusal(() => release({ values })).message).toBe(message);
  });

  test("keys are the chart version's own: 1.19.6's configDriftDetection is unknown to 1.17.4", () => {
    const values = { configDriftDetection: { enabled: true } };
    expect(release({ version: "1.19.6", values }).values).toMatchObject(values);
    expect(refusal(() => release({ version: "1.17.4", values })).message).toMatch(/^values: configDriftDetection is not a value of the cilium chart 1\.17\.4/);
  });

  test("below a map whose keys are the user's, any key goes", () => {
    const values = {
      podAnnotations: { "example.com/team": "net" },
      operator: { nodeSelector: { "kubernetes.io/hostname": "maze-cp" } },
    };
    expect(release({ values }).values).toMatchObject(values);
  });
});

describe("the release's name", () => {
  test("is cilium unless named", () => {
    const [helm] = resourcesOf(synthStack(TerraformStack.of(release())), "helm_release");
    expect(helm.name).toBe("cilium");
    const [named] = resourcesOf(synthStack(TerraformStack.of(release({ releaseName: "cilium-lab" }))), "helm_release");
    expect(named.name).toBe("cilium-lab");
  });

  test("a name Kubernetes rejects is refused", () => {
    expect(refusal(() => release({ releaseName: "Cilium_1" })).setting).toBe("releaseName");
    expect(refusal(() => release({ releaseName: "c".repeat(54) })).message).toMatch(/^releaseName: "c+" is longer than Helm's 53 characters/);
  });
});

describe("kube-proxy, from the cluster's control plane", () => {
  test("a cluster without kube-proxy gets the replacement, reaching the API server at the control plane", () => {
    expect(release({ controlPlane: controlPlane(false) }).values).toMatchObject({ kubeProxyReplacement: "true", k8sServiceHost: "10.20.0.10", k8sServicePort: 6443 });
  });

  test("a cluster with kube-proxy keeps it", () => {
    expect(release({ controlPlane: controlPlane(true) }).values).toMatchObject({ kubeProxyReplacement: "false" });
  });

  test("a replacement in a cluster that runs kube-proxy is refused", () => {
    expect(refusal(() => release({ controlPlane: controlPlane(true), kubeProxyReplacement: true })).message).toBe(
      "kubeProxyReplacement: true, but the cluster of maze-cp runs kube-proxy (its kubeProxy is true): build the cluster with kubeProxy: false, or leave kubeProxyReplacement out",
    );
  });

  test("no replacement in a cluster without kube-proxy is refused", () => {
    expect(refusal(() => release({ controlPlane: controlPlane(false), kubeProxyReplacement: false })).message).toBe(
      "kubeProxyReplacement: false, but the cluster of maze-cp runs no kube-proxy (its kubeProxy is false), so nothing would serve Services: set kubeProxyReplacement, or leave it out",
    );
  });
});
