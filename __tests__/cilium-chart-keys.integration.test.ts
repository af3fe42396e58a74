import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// bin/cilium-chart-keys.ts, which wrote model/cilium-charts/, run on a small chart archive made here.
const dir = mkdtempSync(join(tmpdir(), "labyrinth-chart-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALUES = `# -- the tunnel, documented as the chart documents it
tunnelProtocol: ""
hubble:
  # -- Enable Hubble.
  enabled: true
  relay:
    enabled: false
  # a plain comment, not documentation
  # notAKey: 1
  # -- Buffer size.
  # eventBufferCapacity: "4095"
podAnnotations: {}
nodeSelector:
  kubernetes.io/os: linux
tolerations:
  - operator: Exists
socketLB:
  enabled: false
  # -- Only the host namespace.
  # hostNamespaceOnly: false
# -- see https://docs.cilium.io
# ref: https://docs.cilium.io/en/stable/
# -- Maglev, its keys documented at column 0 below it.
maglev: {}
# -- Maglev's table size.
# tableSize: 16381
`;

function generate(): { status: number | null; stderr: string; json: any; digest: string } {
  const chart = join(dir, "cilium");
  mkdirSync(chart, { recursive: true });
  writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: cilium\nversion: 9.9.9\n");
  writeFileSync(join(chart, "values.yaml"), VALUES);
  const archive = join(dir, "cilium-9.9.9.tgz");
  expect(spawnSync("tar", ["-czf", archive, "-C", dir, "cilium"]).status).toBe(0);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "bin", "cilium-chart-keys.ts"), archive], { encoding: "utf8" });
  return { status: run.status, stderr: run.stderr, json: run.status === 0 ? JSON.parse(run.stdout) : undefined, digest: createHash("sha256").update(readFileSync(archive)).digest("hex") };
}

test("keys from values.yaml and from the documented comments, open maps, and where they came from", () => {
  const { status, stderr, json, digest } = generate();
  expect(stderr).toBe("");
  expect(status).toBe(0);
  expect(json).toEqual({
    chart: "cilium",
    version: "9.9.9",
    source: `values.yaml of cilium-9.9.9.tgz (helm.cilium.io), sha256 ${digest}`,
    keys: [
      "hubble",
      "hubble.enabled",
      "hubble.eventBufferCapacity",
      "hubble.relay",
      "hubble.relay.enabled",
      "maglev",
      "maglev.tableSize",
      "nodeSelector",
      'nodeSelector["kubernetes.io/os"]',
      "podAnnotations",
      "socketLB",
      "socketLB.enabled",
      "socketLB.hostNamespaceOnly",
      "tolerations",
      "tunnelProtocol",
    ],
    open: ["maglev", "nodeSelector", "podAnnotations"],
  });
});

test("an archive without the chart says so", () => {
  const empty = join(dir, "empty.tgz");
  writeFileSync(join(dir, "README"), "not a chart\n");
  expect(spawnSync("tar", ["-czf", empty, "-C", dir, "README"]).status).toBe(0);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "bin", "cilium-chart-keys.ts"), empty], { encoding: "utf8" });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain("has no cilium/Chart.yaml");
});
