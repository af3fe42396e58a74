import { ClusterIdentity, KubeadmNode, LabyrinthNetwork, SettingError } from "../constructs";
import { explain, settingsFromEnv } from "../model/settings";
import { synthLab, testStack } from "./support/synth";

/** Synth with these settings must stop with a SettingError naming `setting` and matching `message`. */
function expectRejected(overrides: Parameters<typeof synthLab>[0], setting: string, message: RegExp) {
  let error: unknown;
  try {
    synthLab(overrides);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SettingError);
  expect((error as SettingError).setting).toBe(setting);
  expect((error as SettingError).message).toMatch(message);
  expect((error as SettingError).message).not.toContain("\n");
}

describe("bad settings stop synth with one line naming the setting and the fix", () => {
  test.each([
    ["a CIDR that is not one", { subnetCidr: "10.168.0.0/33" }, "subnetCidr", /not an IPv4 CIDR: use a form such as/],
    ["a CIDR with host bits", { podCidr: "10.10.1.0/16" }, "podCidr", /host bits set: use 10\.10\.0\.0\/16/],
    ["a pod range overlapping the VPC", { podCidr: "10.168.0.0/16" }, "podCidr", /overlaps subnetCidr 10\.168\.0\.0\/24/],
    ["a service range overlapping the pods", { serviceCidr: "10.10.0.0/16" }, "serviceCidr", /overlaps podCidr/],
    ["a subnet overlapping the service range", { subnetCidr: "10.100.0.0/24" }, "serviceCidr", /^serviceCidr: 10\.96\.0\.0\/12 overlaps subnetCidr 10\.100\.0\.0\/24/],
    ["Cilium's default pool as pod range (it holds the VPC)", { podCidr: "10.0.0.0/8" }, "podCidr", /overlaps subnetCidr/],
    ["no workers", { workers: 0 }, "workers", /0 workers: the journey and the connectivity check cross from worker 1 to worker 2.*use 2 or more/],
    ["one worker: the article's packet crosses two", { workers: 1 }, "workers", /^workers: 1 worker: .*use 2 or more$/],
    ["more workers than the subnet holds", { subnetCidr: "10.168.0.0/28", workers: 11 }, "workers", /do not fit in 10\.168\.0\.0\/28 \(room for 10 from 10\.168\.0\.4\)/],
    ["a lab name Google rejects", { name: "Labyrinth_1" }, "name", /not a valid Google Cloud name/],
    ["a lab name too long for derived names", { name: "a".repeat(31) }, "name", /longer than 30 characters/],
    ["a zone outside the region", { zone: "us-west1-b" }, "zone", /not a zone of region us-east4: use a zone such as us-east4-b/],
    ["a malformed Kubernetes version", { kubernetesVersion: "v1.33" }, "kubernetesVersion", /not a version: use a form such as 1\.33/],
    ["a CRI-O version with a patch", { crioVersion: "1.33.2" }, "crioVersion", /not a version/],
    ["CRI-O and Kubernetes of different minors", { kubernetesVersion: "1.34", crioVersion: "1.33" }, "crioVersion", /does not match Kubernetes 1\.34/],
    ["SSH from the whole internet", { sshSourceRanges: ["0.0.0.0/0"] }, "sshSourceRanges", /opens SSH to the whole internet.*allowOpenSsh/],
    ["an SSH source that is not a CIDR", { sshSourceRanges: ["my-office"] }, "sshSourceRanges", /not an IPv4 CIDR/],
    ["the whole internet in two halves", { sshSourceRanges: ["0.0.0.0/1", "128.0.0.0/1"] }, "sshSourceRanges", /^sshSourceRanges: 0\.0\.0\.0\/1 opens SSH to the whole internet/],
    ["a machine type that is not one", { machineType: "E2 Medium" }, "machineType", /not a machine type/],
    ["a machine with 1 GB for the control plane", { machineType: "e2-micro" }, "machineType", /^machineType: e2-micro has 1\.0 GB of memory: kubeadm's control plane needs 2 vCPUs and 1\.7 GB; use e2-medium/],
    ["a machine with one vCPU", { machineType: "n1-standard-1" }, "machineType", /n1-standard-1 has 1 vCPU: kubeadm's control plane needs 2 vCPUs/],
    ["a custom machine too small", { machineType: "n2-custom-2-1024" }, "machineType", /n2-custom-2-1024 has 1\.0 GB of memory/],
    ["a shared-core machine with one vCPU", { machineType: "g1-small" }, "machineType", /g1-small has 1 vCPU/],
    ["a pod range in loopback space", { podCidr: "127.0.0.0/16" }, "podCidr", /127\.0\.0\.0\/16 overlaps 127\.0\.0\.0\/8, which is loopback: use a private range/],
    ["a service range in link-local space", { serviceCidr: "169.254.0.0/16" }, "serviceCidr", /overlaps 169\.254\.0\.0\/16, which is link-local/],
    ["a pod range in multicast space", { podCidr: "224.10.0.0/16" }, "podCidr", /overlaps 224\.0\.0\.0\/4, which is multicast/],
    ["a pod range without a /24 for every node", { podCidr: "10.10.0.0/23" }, "podCidr", /^podCidr: 10\.10\.0\.0\/23 holds 2 node ranges of \/24, too few for 3 nodes: use a larger pod range or fewer workers$/],
    ["a Cilium version that is only a minor", { ciliumVersion: "1.17" }, "ciliumVersion", /"1\.17" is not a version: use a form such as 1\.17\.4/],
    ["an unknown disk type", { diskType: "pd-fast" }, "diskType", /use one of pd-standard, pd-balanced, pd-ssd/],
    ["a disk smaller than the image", { diskSizeGb: 8 }, "diskSizeGb", /from 10/],
    ["an image that is not project/name", { image: "ubuntu-24.04" }, "image", /use project\/family or project\/image/],
    ["a Cilium chart version that is not one", { ciliumVersion: "latest" }, "ciliumVersion", /"latest" is not a version: use a form such as 1\.17\.4/],
    ["a probe image without a tag", { probeImage: "docker.io/nicolaka/netshoot" }, "probeImage", /not a pinned image reference/],
    ["a probe image on the moving tag latest", { probeImage: "docker.io/nicolaka/netshoot:latest" }, "probeImage", /moving tag latest: pin a version tag or a digest/],
  ])("%s", (_case, overrides, setting, message) => expectRejected(overrides, setting, message));

  test.each([["e2-small"], ["e2-standard-2"], ["n2-custom-2-4096"], ["c3-highcpu-4"]])("%s is big enough for the control plane", (machineType) => {
    expect(() => synthLab({ machineType })).not.toThrow();
  });

  // Wider than a /8 is the internet's scale, however it is cut: /2 to /7 as well as /0 and /1.
  test.each(["0.0.0.0/2", "64.0.0.0/3", "32.0.0.0/4", "16.0.0.0/5", "8.0.0.0/6", "10.0.0.0/7"])("SSH from %s is refused", (range) => {
    expectRejected({ sshSourceRanges: ["203.0.113.0/24", range] }, "sshSourceRanges", new RegExp(`^sshSourceRanges: ${range.replace(/[./]/g, "\\$&")} opens SSH to the whole internet`));
  });

  test("SSH from a /8 is a range of one's own, and accepted", () => {
    expect(() => synthLab({ sshSourceRanges: ["10.0.0.0/8"] })).not.toThrow();
  });

  test("SSH from anywhere is accepted when explicitly allowed", () => {
    expect(() => synthLab({ sshSourceRanges: ["0.0.0.0/0"], allowOpenSsh: true })).not.toThrow();
  });
});

describe("node addresses, through the public API", () => {
  function twoNodes(first: string, second: string, subnetCidr = "10.168.0.0/24") {
    const stack = testStack("nodes");
    const network = new LabyrinthNetwork(stack, "Net", { subnetCidr });
    const identity = new ClusterIdentity(stack, "Id");
    const cluster = { controlPlaneAddress: first };
    new KubeadmNode(stack, "A", { role: "control-plane", name: "a", network, identity, cluster, internalAddress: first });
    new KubeadmNode(stack, "B", { role: "worker", name: "b", network, identity, cluster, internalAddress: second });
  }

  test.each([
    ["outside the subnet", "10.168.1.4", /outside the subnet 10\.168\.0\.0\/24/],
    ["the network address", "10.168.0.0", /reserved by Google Cloud.*use 10\.168\.0\.2 to 10\.168\.0\.253/],
    ["the gateway", "10.168.0.1", /reserved by Google Cloud/],
    ["the second-to-last address", "10.168.0.254", /reserved by Google Cloud/],
    ["the broadcast address", "10.168.0.255", /reserved by Google Cloud/],
    ["the control plane's own address", "10.168.0.2", /already the address of a/],
    ["not an address", "10.168.0", /not an IPv4 address/],
  ])("a worker address that is %s is rejected", (_case, address, message) => {
    expect(() => twoNodes("10.168.0.2", address)).toThrow(message);
  });

  test("a Google Cloud label that KubeadmNode sets itself", () => {
    const stack = testStack("labels");
    const network = new LabyrinthNetwork(stack, "Net");
    const identity = new ClusterIdentity(stack, "Id");
    expect(
      () =>
        new KubeadmNode(stack, "W", { role: "worker", name: "w", network, identity, cluster: { controlPlaneAddress: "10.168.0.2" }, internalAddress: "10.168.0.4", labels: { ttl: "forever" } }),
    ).toThrow('labels: "ttl" is set by KubeadmNode itself (lab, role, ttl): use another key');
  });

  test("a node label Kubernetes rejects", () => {
    const stack = testStack("label");
    const network = new LabyrinthNetwork(stack, "Net");
    const identity = new ClusterIdentity(stack, "Id");
    expect(
      () =>
        new KubeadmNode(stack, "W", {
          role: "worker",
          name: "w",
          network,
          identity,
          cluster: { controlPlaneAddress: "10.168.0.2" },
          internalAddress: "10.168.0.4",
          nodeLabels: { nodelabel: "node wrk 1" },
        }),
    ).toThrow(/nodeLabels\.nodelabel: "node wrk 1" is not a valid Kubernetes label value/);
  });
});

describe("settings from the environment", () => {
  test("LABYRINTH_* variables override the article's defaults", () => {
    const settings = settingsFromEnv({
      LABYRINTH_NAME: "lab2",
      LABYRINTH_WORKERS: "3",
      LABYRINTH_SSH_SOURCES: "203.0.113.0/24, 198.51.100.0/24",
      LABYRINTH_KUBE_PROXY_REPLACEMENT: "yes",
      GOOGLE_CLOUD_PROJECT: "p-1",
    });
    expect(settings).toMatchObject({
      name: "lab2",
      workers: 3,
      sshSourceRanges: ["203.0.113.0/24", "198.51.100.0/24"],
      kubeProxyReplacement: true,
      project: "p-1",
      region: "us-east4",
      podCidr: "10.10.0.0/16",
    });
  });

  test.each([
    ["LABYRINTH_WORKERS", "two", /LABYRINTH_WORKERS: "two" is not a whole number/],
    ["LABYRINTH_WORKER", "3", /LABYRINTH_WORKER: no such setting: \.\/help lists them \(.*LABYRINTH_WORKERS/],
    ["OTHER_TOOL_SETTING", "x", null],
    ["LABYRINTH_HUBBLE_RELAY", "maybe", /LABYRINTH_HUBBLE_RELAY: "maybe" is not true or false/],
  ])("%s=%s", (name, value, message) => {
    const read = () => settingsFromEnv({ [name]: value });
    if (message) expect(read).toThrow(message);
    else expect(read).not.toThrow();
  });

  test("an error from a construct names the variable that sets it", () => {
    expect(explain(new SettingError("podCidr", "x overlaps y"))).toBe("labyrinth: podCidr: x overlaps y (set with LABYRINTH_POD_CIDR)");
  });
});
