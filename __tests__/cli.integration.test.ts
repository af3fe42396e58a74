import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordCopyPath } from "../lab/state";
import { resolveLab } from "../model/lab";
import { recordOutput } from "../model/record";
import { DEFAULT_SETTINGS } from "../model/settings";
import { writeInfraState } from "./support/deployed";

const ROOT = join(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "labyrinth-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Stand-ins for npx and, unless `terraform` is null, a Terraform CLI (its name, and what its
 * `version` says): both record their arguments, npx also the project and binary cdktf would use.
 */
function standIns(terraform: { name?: string; says?: string } | null = {}): string {
  const bin = mkdtempSync(join(dir, "bin-"));
  const script = (name: string, recorded: string, answer = "") => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${recorded}" >> ${bin}/calls\n${answer}`);
    chmodSync(join(bin, name), 0o755);
  };
  script("npx", "npx $* project=$LABYRINTH_PROJECT binary=$TERRAFORM_BINARY_NAME");
  if (terraform) {
    const name = terraform.name ?? "terraform";
    script(name, `${name} $*`, `echo "${terraform.says ?? "Terraform v1.9.0"}"\n`);
  }
  return bin;
}

const calls = (bin: string) => readFileSync(join(bin, "calls"), "utf8").trim().split("\n");

function labyrinth(args: string[], env: Record<string, string>, bin: string) {
  return spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), ...args], {
    cwd: dir,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...env },
    encoding: "utf8",
  });
}

describe("npm run deploy", () => {
  test("without a project it stops before cdktf runs, naming the setting", () => {
    const bin = standIns();
    const result = labyrinth(["deploy"], {}, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "labyrinth: LABYRINTH_PROJECT: no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
    expect(() => readFileSync(join(bin, "calls"))).toThrow();
  });

  test("cdktf runs with owner-only files, and a state written before is made owner-only: the state holds the cluster's keys", () => {
    const folder = mkdtempSync(join(dir, "private-"));
    const before = join(folder, "terraform.labyrinth-cluster.tfstate");
    const errored = join(folder, "errored.tfstate");
    for (const file of [before, errored]) {
      writeFileSync(file, "{}");
      chmodSync(file, 0o644);
    }
    const bin = standIns();
    // As Terraform's local backend does: the state and its backup created with the umask it was given.
    writeFileSync(join(bin, "npx"), `#!/bin/sh\numask > ${bin}/umask\nstat -c %a terraform.labyrinth-cluster.tfstate > ${bin}/during\necho '{}' > terraform.labyrinth-infra.tfstate\necho '{}' > terraform.labyrinth-infra.tfstate.backup\n`);
    const result = spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "deploy"], { cwd: folder, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: folder, LABYRINTH_PROJECT: "p" }, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readFileSync(join(bin, "umask"), "utf8").trim()).toBe("0077");
    expect(readFileSync(join(bin, "during"), "utf8").trim()).toBe("600");
    const modes = ["terraform.labyrinth-cluster.tfstate", "errored.tfstate", "terraform.labyrinth-infra.tfstate", "terraform.labyrinth-infra.tfstate.backup"].map((f) => (statSync(join(folder, f)).mode & 0o777).toString(8));
    expect(modes).toEqual(["600", "600", "600", "600"]);
  });

  test("with a project it deploys both stacks, passing the project on", () => {
    const bin = standIns();
    const result = labyrinth(["deploy", "--auto-approve"], { GOOGLE_CLOUD_PROJECT: "lab-project-1" }, bin);
    expect(result.status).toBe(0);
    expect(calls(bin)).toEqual(["terraform version", "npx cdktf deploy * --auto-approve project=lab-project-1 binary="]);
  });

  test("TERRAFORM_BINARY_NAME picks another binary: that one's version is checked, and cdktf is given it", () => {
    const bin = standIns({ name: "tofu", says: "OpenTofu v1.8.0" });
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p", TERRAFORM_BINARY_NAME: "tofu" }, bin);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(calls(bin)).toEqual(["tofu version", "npx cdktf deploy * project=p binary=tofu"]);
  });

  test("an old binary picked by TERRAFORM_BINARY_NAME is named", () => {
    const bin = standIns({ name: "tofu", says: "OpenTofu v1.3.2" });
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p", TERRAFORM_BINARY_NAME: "tofu" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("labyrinth: tofu is OpenTofu v1.3.2; the lab needs Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)");
    expect(calls(bin)).toEqual(["tofu version"]);
  });

  test("without the terraform CLI it says what to install", () => {
    const bin = standIns(null);
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("labyrinth: the terraform CLI is missing: Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)");
  });

  test("with a Terraform older than 1.4 it says which it found", () => {
    const bin = standIns({ says: "Terraform v1.3.9" });
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("labyrinth: terraform is Terraform v1.3.9; the lab needs Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)");
    expect(calls(bin)).toEqual(["terraform version"]);
  });

  test("a bad setting is reported before anything runs", () => {
    const bin = standIns();
    const result = labyrinth(["deploy"], { LABYRINTH_PROJECT: "p", LABYRINTH_WORKERS: "many" }, bin);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('labyrinth: LABYRINTH_WORKERS: "many" is not a whole number');
  });
});

describe("every command explains itself", () => {
  const commands = [[], ["journey"], ["box"], ["box", "up"], ["box", "down"], ["box", "status"], ["box", "break"], ["box", "fix"], ["deploy"], ["status"], ["destroy"], ["kubeconfig"]];

  test.each(commands.flatMap((path) => [[[...path, "--help"]], [[...path, "-h"]]]))("labyrinth %j: what it does, its options, an example; exit 0, nothing else done", (args) => {
    const bin = standIns(null);
    const result = labyrinth(args, { LABYRINTH_PROJECT: "p" }, bin);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const path = args.slice(0, -1);
    expect(result.stdout).toMatch(new RegExp(`^Usage: labyrinth${path.map((p) => ` ${p}`).join("")} \\[options\\]`));
    expect(result.stdout).toMatch(/^Examples:\n {2}\S/m);
    // Nothing ran: neither cdktf nor terraform was asked anything.
    expect(() => readFileSync(join(bin, "calls"))).toThrow();
  });

  test("options say their defaults", () => {
    // Help is wrapped to the terminal's width: compare it as one line.
    const help = (...args: string[]) => labyrinth([...args, "--help"], {}, standIns(null)).stdout.replace(/\s+/g, " ");
    expect(help("journey")).toContain('--protocol <protocol> what to send after the name lookup (choices: "tcp", "udp", "both", default: "both")');
    expect(help("journey")).toContain("--timeout <seconds> how long the captures may take to start (default: 15)");
    expect(help("box", "up")).toContain('(choices: "ebpf", "iptables", default: "ebpf")');
    expect(help("status")).toContain("seconds between two looks, with --watch (default: 10)");
  });

  test("the root's help lists the commands and every setting", () => {
    const help = labyrinth(["help"], {}, standIns(null)).stdout;
    for (const command of ["journey", "box", "deploy", "status", "destroy", "kubeconfig"]) expect(help).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(help).toMatch(/^  LABYRINTH_POD_CIDR +pod addresses/m);
  });

  test.each([
    [["journey", "--bogus"], "labyrinth: unknown option '--bogus' (npx labyrinth journey --help lists the options)"],
    [["box", "up", "--bogus"], "labyrinth: unknown option '--bogus' (npx labyrinth box up --help lists the options)"],
    [["box", "bogus"], "labyrinth: unknown command 'bogus' (npx labyrinth box --help lists the commands)"],
    [["status", "--interval", "x"], "labyrinth: option '--interval <seconds>' argument 'x' is invalid. Use a number of seconds from 0.1 to 3600. (npx labyrinth status --help lists the options)"],
    [["journey", "--datapath", "iptables"], "labyrinth: --datapath is the box's (with --local): the lab's datapath is Cilium's (LABYRINTH_KUBE_PROXY_REPLACEMENT)"],
  ])("a usage mistake, %j: one line naming the command's --help, exit 2", (args, said) => {
    const result = labyrinth(args, {}, standIns(null));
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(said);
  });
});

describe("npx labyrinth", () => {
  test("an unknown command lists the commands", () => {
    const result = labyrinth(["deplyo"], {}, standIns(null));
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe("labyrinth: unknown command 'deplyo'; did you mean deploy? (npx labyrinth --help lists the commands)");
  });

  test("kubeconfig writes the admin kubeconfig from the local state, readable by its owner only", () => {
    writeInfraState(dir, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const result = labyrinth(["kubeconfig"], {}, standIns(null));
    expect(result.status).toBe(0);
    const file = join(dir, ".kube", "labyrinth.yaml");
    expect(readFileSync(file, "utf8")).toBe("apiVersion: v1\nkind: Config\n");
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
    expect(result.stdout).toContain(`export KUBECONFIG=${file}`);
  });

  test("kubeconfig before any deploy says so", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    const result = spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "kubeconfig"], { cwd: empty, env: { PATH: "/usr/bin:/bin", HOME: empty }, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`labyrinth: no lab is deployed from ${empty}: npm run deploy builds one (run the lab's commands where you deployed it)`);
  });

  describe("the lab that was deployed, whatever this shell sets", () => {
    let folder: string;
    beforeEach(() => (folder = mkdtempSync(join(dir, "deployed-"))));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "kubeconfig"], { cwd: folder, env: { PATH: "/usr/bin:/bin", HOME: folder, ...env }, encoding: "utf8" });

    test("deployed as team-a, found with no LABYRINTH_NAME", () => {
      writeInfraState(folder, { kubeconfig: "team-a's\n" }, { name: "team-a", workers: 3 });
      const result = run({});
      expect(result.stderr).toBe("");
      expect(readFileSync(join(folder, ".kube", "team-a.yaml"), "utf8")).toBe("team-a's\n");
    });

    test("a recorded lab is found whatever the shell's other LABYRINTH_* settings say, even ones that are wrong", () => {
      writeInfraState(folder, { kubeconfig: "team-a's\n" }, { name: "team-a", workers: 3 });
      const result = run({ LABYRINTH_NAME: "team-a", LABYRINTH_WORKERS: "many", LABYRINTH_TYPO: "1" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(readFileSync(join(folder, ".kube", "team-a.yaml"), "utf8")).toBe("team-a's\n");
    });

    test("two labs: both named, and LABYRINTH_NAME chooses", () => {
      writeInfraState(folder, { kubeconfig: "a\n" }, { name: "team-a" });
      writeInfraState(folder, { kubeconfig: "b\n" }, { name: "team-b" });
      const asked = run({});
      expect(asked.status).toBe(1);
      expect(asked.stderr.trim()).toBe(`labyrinth: 2 labs are deployed from ${folder}: team-a, team-b; choose one with LABYRINTH_NAME, e.g. LABYRINTH_NAME=team-a`);
      expect(run({ LABYRINTH_NAME: "team-b" }).status).toBe(0);
      expect(readFileSync(join(folder, ".kube", "team-b.yaml"), "utf8")).toBe("b\n");
    });

    test("an empty state file (Terraform makes one to lock it) is no lab; a state that is not JSON is named, with what to do", () => {
      writeFileSync(join(folder, "terraform.locked-infra.tfstate"), "");
      writeInfraState(folder, { kubeconfig: "a\n" }, { name: "team-a" });
      expect(run({}).status).toBe(0);
      writeFileSync(join(folder, "terraform.broken-infra.tfstate"), "{ half");
      const broken = run({});
      expect(broken.status).toBe(1);
      expect(broken.stderr.trim()).toMatch(new RegExp(`^labyrinth: ${folder}/terraform\\.broken-infra\\.tfstate is not a Terraform state \\(.+\\): restore it from .+\\.backup, or remove it if nothing was deployed$`));
    });

    test("a destroyed lab (its state empty) is not one of them", () => {
      writeFileSync(join(folder, "terraform.old-infra.tfstate"), JSON.stringify({ version: 4, outputs: {}, resources: [] }));
      writeInfraState(folder, { kubeconfig: "a\n" }, { name: "team-a" });
      expect(run({}).status).toBe(0);
    });

    test("resources and no record: the current settings with the lab's name, and a line that says how that comes about", () => {
      writeFileSync(join(folder, "terraform.team-a-infra.tfstate"), JSON.stringify({ version: 4, outputs: { kubeconfig: { value: "a\n" } }, resources: [{ type: "google_compute_network" }] }));
      const result = run({});
      expect(result.stderr).toBe(
        "labyrinth: lab team-a: no record of its settings in the state: deployed before labs recorded them, or a destroy that stopped halfway; using the current settings with its name (a deploy records them)\n",
      );
      expect(result.status).toBe(0);
      expect(readFileSync(join(folder, ".kube", "team-a.yaml"), "utf8")).toBe("a\n");
    });

    test("a copy of the record that a destroy left beside a state with nothing in it is no lab", () => {
      writeFileSync(join(folder, "terraform.old-infra.tfstate"), JSON.stringify({ version: 4, outputs: {}, resources: [] }));
      writeFileSync(recordCopyPath("old", folder), recordOutput(resolveLab({ ...DEFAULT_SETTINGS, name: "old" })).value);
      expect(run({}).stderr.trim()).toBe(`labyrinth: no lab is deployed from ${folder}: npm run deploy builds one (run the lab's commands where you deployed it)`);
      expect(run({ LABYRINTH_NAME: "old" }).stderr.trim()).toBe(`labyrinth: no lab old is deployed from ${folder}: npm run deploy builds one (run the lab's commands where you deployed it)`);
    });
  });
});

describe("journey --html to a file that cannot be written", () => {
  /** Stand-ins for what the box and the lab's journey would run first: they record, so a run that touched either shows. */
  function boxStandIns(): string {
    const bin = standIns(null);
    for (const tool of ["ip", "tc", "iptables", "bpftool", "clang", "dumpcap", "kubectl"]) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> ${bin}/calls\nexit 1\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    return bin;
  }
  const aFile = join(dir, "a-file");
  beforeAll(() => writeFileSync(aFile, "not a folder\n"));

  test.each([
    [["--local"], join(dir, "no-such-folder", "journey.html"), `there is no folder ${join(dir, "no-such-folder")}`],
    [[], join(dir, "no-such-folder", "journey.html"), `there is no folder ${join(dir, "no-such-folder")}`],
    [["--local"], dir, "it is a folder"],
    [["--local"], join(aFile, "journey.html"), `${aFile} is not a folder`],
  ])("journey %j --html %s: one line naming the path, before the box or the lab is touched", (args, path, why) => {
    const bin = boxStandIns();
    const result = labyrinth(["journey", ...args, "--html", path], {}, bin);
    expect(result.stderr).toBe(`labyrinth: --html ${path}: cannot write it (${why}): name a file in a folder you can write to\n`);
    expect(result.status).toBe(2);
    expect(() => readFileSync(join(bin, "calls"))).toThrow();
  });

  test("with --plan, which draws nothing, it is refused", () => {
    const result = labyrinth(["journey", "--plan", "--html", join(dir, "plan.html")], {}, boxStandIns());
    expect(result.stderr.trim()).toBe("labyrinth: --html draws a journey and --plan captures none: leave one of them out");
    expect(result.status).toBe(2);
  });

  test("a file that can be written: the check leaves a new one absent and an old one as it was, when the run then fails", () => {
    // A folder no lab was deployed from: the run stops after the check.
    const empty = mkdtempSync(join(dir, "no-lab-"));
    const fresh = join(empty, "fresh.html");
    const old = join(empty, "old.html");
    writeFileSync(old, "yesterday's page\n");
    for (const path of [fresh, old]) {
      const bin = boxStandIns();
      const result = spawnSync(process.execPath, [join(ROOT, "bin/labyrinth.js"), "journey", "--html", path], { cwd: empty, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: empty }, encoding: "utf8" });
      expect(result.stderr.trim()).toBe(`labyrinth: no lab is deployed from ${empty}: npm run deploy builds one (run the lab's commands where you deployed it); or pass --kubeconfig FILE, or use --local for the box`);
    }
    expect(() => readFileSync(fresh)).toThrow();
    expect(readFileSync(old, "utf8")).toBe("yesterday's page\n");
  });
});
