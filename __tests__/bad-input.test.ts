import { readFileSync } from "node:fs";
import { ClusterIdentity, KubeadmNode, KubeadmNodeProps, LabyrinthNetwork, SettingError } from "../constructs";
import { LabSettings, explain, settingsFromEnv } from "../model/settings";
import { refusal } from "./support/refusal";
import { synthLab, testStack } from "./support/synth";

/** `reject` must throw a SettingError naming `setting`, matching `message`, in one line. */
function expectRejected(reject: () => unknown, setting: string, message: RegExp) {
  const error = refusal(reject);
  expect(error.setting).toBe(setting);
  expect(error.message).toMatch(message);
}

// Every bad input the tests reject, one table per way in: the lab's settings, the environment
// variables, a construct's props. The README states how many there are (checked at the end).

type Case<T> = [what: string, input: T, setting: string, message: RegExp];

const BAD_SETTINGS: Case<Partial<LabSettings>>[] = [
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
  ["a Kubernetes whose kubeadm cannot read v1beta4", { kubernetesVersion: "1.30.4", crioVersion: "1.30" }, "kubernetesVersion", /^kubernetesVersion: 1\.30\.4: the nodes' kubeadm configuration is kubeadm\.k8s\.io\/v1beta4, which kubeadm reads from 1\.31: use 1\.31 or later, such as 1\.33$/],
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
  ["a Cilium chart whose value keys do not ship", { ciliumVersion: "1.16.0" }, "ciliumVersion", /^ciliumVersion: 1\.16\.0 is not a cilium chart version whose values this library knows: use 1\.17\.4, 1\.18\.12, 1\.19\.6$/],
  ["a probe image without a tag", { probeImage: "docker.io/nicolaka/netshoot" }, "probeImage", /not a pinned image reference/],
  ["a probe image on the moving tag latest", { probeImage: "docker.io/nicolaka/netshoot:latest" }, "probeImage", /moving tag latest: pin a version tag or a digest/],
  ["a ttl that is not a duration", { ttl: "4 parsecs" }, "ttl", /"4 parsecs" is not a duration: use a form such as 4h, 90m or 2d, or off for no expiry/],
  ["a ttl in two units", { ttl: "1h30m" }, "ttl", /not a duration/],
  ["a ttl of a word", { ttl: "forever" }, "ttl", /"forever" is not a duration/],
  ["a ttl shorter than Google Cloud accepts", { ttl: "10s" }, "ttl", /"10s" is beyond what Google Cloud accepts for a VM's run duration: use 30s to 120d, or off/],
  ["a ttl longer than Google Cloud accepts", { ttl: "121d" }, "ttl", /beyond what Google Cloud accepts/],
  ["a ttl of nothing", { ttl: "0" }, "ttl", /beyond what Google Cloud accepts/],
  ["Spot on a machine type Google sells no Spot capacity for", { spot: true, machineType: "m2-ultramem-208" }, "machineType", /^machineType: m2-ultramem-208 cannot run as a Spot VM: use another machine type, or turn Spot off$/],
];

// Wider than a /8 is the internet's scale, however it is cut: /2 to /7 as well as /0 and /1.
const WIDE_SSH_RANGES = ["0.0.0.0/2", "64.0.0.0/3", "32.0.0.0/4", "16.0.0.0/5", "8.0.0.0/6", "10.0.0.0/7"];
const wideSsh = (range: string): Case<Partial<LabSettings>> => [
  `SSH from ${range}`,
  { sshSourceRanges: ["203.0.113.0/24", range] },
  "sshSourceRanges",
  new RegExp(`^sshSourceRanges: ${range.replace(/[./]/g, "\\$&")} opens SSH to the whole internet`),
];

/** A worker's props beside a control plane at 10.168.0.2, through the public API. */
const BAD_WORKER_PROPS: Case<Partial<KubeadmNodeProps>>[] = [
  ["an address outside the subnet", { internalAddress: "10.168.1.4" }, "internalAddress", /outside the subnet 10\.168\.0\.0\/24/],
  ["the network address", { internalAddress: "10.168.0.0" }, "internalAddress", /reserved by Google Cloud.*use 10\.168\.0\.2 to 10\.168\.0\.253/],
  ["the gateway", { internalAddress: "10.168.0.1" }, "internalAddress", /reserved by Google Cloud/],
  ["the second-to-last address", { internalAddress: "10.168.0.254" }, "internalAddress", /reserved by Google Cloud/],
  ["the broadcast address", { internalAddress: "10.168.0.255" }, "internalAddress", /reserved by Google Cloud/],
  ["the control plane's own address", { internalAddress: "10.168.0.2" }, "internalAddress", /already the address of a/],
  ["not an address", { internalAddress: "10.168.0" }, "internalAddress", /not an IPv4 address/],
  ["a Google Cloud label that KubeadmNode sets itself", { labels: { ttl: "forever" } }, "labels", /^labels: "ttl" is set by KubeadmNode itself \(lab, role, ttl\): use another key$/],
  ["a node label Kubernetes rejects", { nodeLabels: { nodelabel: "node wrk 1" } }, "nodeLabels.nodelabel", /"node wrk 1" is not a valid Kubernetes label value/],
];

const BAD_ENV: Case<Record<string, string>>[] = [
  ["a count that is not a number", { LABYRINTH_WORKERS: "two" }, "LABYRINTH_WORKERS", /"two" is not a whole number/],
  ["a misspelt setting", { LABYRINTH_WORKER: "3" }, "LABYRINTH_WORKER", /no such setting: \.\/help lists them \(.*LABYRINTH_WORKERS/],
  ["a switch that is neither true nor false", { LABYRINTH_HUBBLE_RELAY: "maybe" }, "LABYRINTH_HUBBLE_RELAY", /"maybe" is not true or false/],
];

describe("bad settings stop synth with one line naming the setting and the fix", () => {
  test.each([...BAD_SETTINGS, ...WIDE_SSH_RANGES.map(wideSsh)])("%s", (_case, overrides, setting, message) => expectRejected(() => synthLab(overrides), setting, message));

  test.each([["e2-small"], ["e2-standard-2"], ["n2-custom-2-4096"], ["c3-highcpu-4"]])("%s is big enough for the control plane", (machineType) => {
    expect(() => synthLab({ machineType })).not.toThrow();
  });

  test("without Spot, a machine type Google sells no Spot capacity for is accepted", () => {
    expect(() => synthLab({ spot: false, machineType: "m2-ultramem-208" })).not.toThrow();
  });

  test("SSH from a /8 is a range of one's own, and accepted", () => {
    expect(() => synthLab({ sshSourceRanges: ["10.0.0.0/8"] })).not.toThrow();
  });

  test("SSH from anywhere is accepted when explicitly allowed", () => {
    expect(() => synthLab({ sshSourceRanges: ["0.0.0.0/0"], allowOpenSsh: true })).not.toThrow();
  });
});

describe("a worker's bad props stop it, through the public API", () => {
  function worker(props: Partial<KubeadmNodeProps>) {
    const stack = testStack("nodes");
    const network = new LabyrinthNetwork(stack, "Net", { subnetCidr: "10.168.0.0/24" });
    const identity = new ClusterIdentity(stack, "Id");
    const cluster = { controlPlaneAddress: "10.168.0.2" };
    new KubeadmNode(stack, "A", { role: "control-plane", name: "a", network, identity, cluster, internalAddress: "10.168.0.2" });
    new KubeadmNode(stack, "B", { role: "worker", name: "b", network, identity, cluster, internalAddress: "10.168.0.4", ...props });
  }

  test.each(BAD_WORKER_PROPS)("%s", (_case, props, setting, message) => expectRejected(() => worker(props), setting, message));

  test("the same worker with good props is accepted", () => {
    expect(() => worker({ internalAddress: "10.168.0.253", labels: { team: "a" }, nodeLabels: { nodelabel: "node-wrk-1" } })).not.toThrow();
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

  test.each(BAD_ENV)("%s", (_case, env, setting, message) => expectRejected(() => settingsFromEnv(env), setting, message));

  test("another tool's variable is none of its business", () => {
    expect(() => settingsFromEnv({ OTHER_TOOL_SETTING: "x" })).not.toThrow();
  });

  test("a ttl's error names LABYRINTH_TTL", () => {
    let error: unknown;
    try {
      synthLab({ ttl: "forever" });
    } catch (thrown) {
      error = thrown;
    }
    expect(explain(error as SettingError)).toBe('labyrinth: ttl: "forever" is not a duration: use a form such as 4h, 90m or 2d, or off for no expiry (set with LABYRINTH_TTL)');
  });

  test("an error from a construct names the variable that sets it", () => {
    expect(explain(new SettingError("podCidr", "x overlaps y"))).toBe("labyrinth: podCidr: x overlaps y (set with LABYRINTH_POD_CIDR)");
  });
});

test("the README states how many distinct bad inputs these tests reject", () => {
  const inputs = [
    ...[...BAD_SETTINGS, ...WIDE_SSH_RANGES.map(wideSsh)].map(([, input]) => `settings ${JSON.stringify(input)}`),
    ...BAD_WORKER_PROPS.map(([, input]) => `worker ${JSON.stringify(input)}`),
    ...BAD_ENV.map(([, input]) => `environment ${JSON.stringify(input)}`),
  ];
  const distinct = new Set(inputs).size;
  const stated = /The tests reject (\d+) distinct bad inputs/.exec(readFileSync("README.md", "utf8"));
  expect(Number(stated?.[1])).toBe(distinct);
});
