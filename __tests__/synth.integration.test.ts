import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The app run exactly as cdktf.json's `app` says, as `cdktf synth` runs it: what it prints and writes.
const ROOT = join(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "labyrinth-synth-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The app with a clean environment (no Google credentials, no project, only `env`), writing to its own folder. */
function runApp(env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(work, "out-"));
  const { app } = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { app: string };
  const result = spawnSync("sh", ["-c", app], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, outdir };
}

test("with no credentials it synthesizes, and no private key, certificate or token literal is in its output", () => {
  const result = runApp();
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const files = readdirSync(result.outdir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const text = readFileSync(join(file.parentPath, file.name), "utf8");
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/);
    // A kubeadm token is [a-z0-9]{6}.[a-z0-9]{16}; only references to random values may stand for it.
    expect(text).not.toMatch(/(^|[^a-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}([^a-z0-9]|$)/);
  }
});

test("it prints the lab's lifetime and what it costs", () => {
  const result = runApp({ LABYRINTH_TTL: "90m" });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^labyrinth: lab labyrinth: 3 VMs \(e2-medium, us-east4-b\), deleted by Google Cloud 90m after they start .* at most \$0\.201 before they expire/m);
});

test("a bad setting: one line, exit 1, no Terraform written", () => {
  const result = runApp({ LABYRINTH_POD_CIDR: "10.168.0.0/16" });
  expect(result.status).toBe(1);
  expect(existsSync(join(result.outdir, "stacks", "labyrinth-infra", "cdk.tf.json"))).toBe(false);
  expect(result.stderr.trim().split("\n")).toEqual([
    "labyrinth: podCidr: 10.168.0.0/16 overlaps subnetCidr 10.168.0.0/24: the subnet, pod and service ranges must be disjoint (set with LABYRINTH_POD_CIDR)",
  ]);
});
