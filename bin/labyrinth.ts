import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BpfNotPermitted } from "../box/bpf";
import { boxStatus, howToExplore } from "../box/describe";
import { Datapath } from "../box/preflight";
import { BoxError, boxUp, journeyInBox } from "../box/session";
import { teardownBox } from "../box/teardown";
import { unfollowedSettings } from "../box/topology";
import { Protocol } from "../journey/plan";
import { renderText } from "../journey/report";
import { costLine } from "../lab/cost";
import { destroyLab } from "../lab/destroy";
import { journeyOnLab } from "../lab/journey/session";
import { DeployedLab, DeployedLabError, findDeployedLab, readOutputs, requireDeployedLab } from "../lab/state";
import { readStatus, renderStatus } from "../lab/status";
import { SettingError } from "../model/errors";
import { LabModel, resolveLab } from "../model/lab";
import { ENV_SETTINGS, explain, settingsFromEnv } from "../model/settings";

interface Command {
  readonly summary: string;
  readonly run: (args: string[]) => number | Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  journey: {
    summary:
      "capture a packet's trip pod → node → VXLAN → node → pod at six points and explain it: on the deployed lab, or with --local in the box (no cloud); " +
      "--json, --pcap-dir DIR, --protocol tcp|udp|both, --timeout SECONDS; box: --datapath ebpf|iptables (default: the box that is up, else ebpf); lab: --kubeconfig FILE, --capture-image IMAGE, --plan (discover only)",
    run: journey,
  },
  box: {
    summary: "the box, the article's datapath in network namespaces: box up [--datapath ebpf|iptables], box down, box status",
    run: box,
  },
  deploy: {
    summary: "check the settings, print the lab's lifetime and cost, then `cdktf deploy '*'`: builds the lab in your Google Cloud project",
    run: deploy,
  },
  status: {
    summary: "each node's bootstrap phase and time left, then the API server, nodes, Cilium, probes, connectivity check; --watch until ready or failed",
    run: status,
  },
  destroy: {
    summary: "`cdktf destroy '*'`, even when the VMs expired or the API server is gone, then check that nothing of the lab is left",
    run: destroy,
  },
  kubeconfig: {
    summary: "write the lab's admin kubeconfig to ~/.kube/<lab>.yaml (from the local Terraform state)",
    run: kubeconfig,
  },
  help: { summary: "this text", run: () => (console.log(helpText()), 0) },
};

/** A usage mistake: said in one line, exit 2. */
class UsageError extends Error {}

function choice<T extends string>(value: string | undefined, allowed: readonly T[], option: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${option} ${value}: use one of ${allowed.join(", ")}`);
  return value as T;
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;

/** Options and operands, or a UsageError that names the unknown option. */
function parse(args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function journey(args: string[]): Promise<number> {
  const { values } = parse(args, {
    local: { type: "boolean" },
    json: { type: "boolean" },
    "pcap-dir": { type: "string" },
    protocol: { type: "string" },
    datapath: { type: "string" },
    timeout: { type: "string" },
    kubeconfig: { type: "string" },
    "capture-image": { type: "string" },
    plan: { type: "boolean" },
  });
  const protocol = choice(values.protocol as string | undefined, ["tcp", "udp", "both"] as const, "protocol", "both");
  const protocols: Protocol[] = protocol === "both" ? ["tcp", "udp"] : [protocol];
  const datapath = values.datapath === undefined ? undefined : choice<Datapath>(values.datapath as string, ["ebpf", "iptables"], "datapath", "ebpf");
  const timeout = Number(values.timeout ?? 15);
  if (!(timeout > 0)) throw new UsageError(`--timeout ${values.timeout}: use a number of seconds above 0`);
  const pcapDir = values["pcap-dir"] as string | undefined;
  if (values.local) {
    const { result, timings } = await journeyInBox({ model: boxModel(), datapath, protocols, pcapDir, captureTimeoutMs: timeout * 1000 });
    console.log(values.json ? JSON.stringify({ ...result, timings }, null, 2) : renderText(result));
    return result.ok ? 0 : 1;
  }
  if (values.datapath) throw new UsageError("--datapath is the box's: the lab's datapath is Cilium's (LABYRINTH_KUBE_PROXY_REPLACEMENT)");
  // With a kubeconfig of its own, a lab deployed elsewhere (with the current settings) can be traced too.
  const file = values.kubeconfig as string | undefined;
  const model = file ? labOrCurrent() : deployedLab("; or pass --kubeconfig FILE, or use --local for the box").model;
  const { plan, result } = await journeyOnLab({
    model,
    kubeconfig: file ? readFileSync(file, "utf8") : String(readOutputs(model.stacks.infrastructure).kubeconfig),
    protocols,
    pcapDir,
    captureImage: values["capture-image"] as string | undefined,
    captureTimeoutMs: timeout * 1000,
    planOnly: values.plan === true,
  });
  if (!result) {
    console.log(JSON.stringify(plan, null, 2));
    return 0;
  }
  console.log(values.json ? JSON.stringify(result, null, 2) : renderText(result));
  return result.ok ? 0 : 1;
}

/** The lab the box stands for: the current settings' (their addresses), with what it cannot follow said once. */
function boxModel(): LabModel {
  const model = resolveLab(settingsFromEnv(process.env));
  const unfollowed = unfollowedSettings(model.settings);
  if (unfollowed.length > 0) console.error(`labyrinth: the box follows the lab's addresses, not ${unfollowed.join(", ")}`);
  return model;
}

/** The lab deployed from this folder (the one LABYRINTH_NAME names, or the only one), as it was deployed. */
function deployedLab(alternatives?: string): DeployedLab {
  const lab = requireDeployedLab(process.env, alternatives);
  warnUnrecorded(lab);
  return lab;
}

function warnUnrecorded(lab: DeployedLab): void {
  if (!lab.recorded) console.error(`labyrinth: lab ${lab.model.name} was deployed before labs recorded their settings: using the current settings with its name (a deploy records them)`);
}

async function box(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { datapath: { type: "string" } });
  const [action] = positionals;
  if (action === "up") {
    const datapath = choice<Datapath>(values.datapath as string | undefined, ["ebpf", "iptables"], "datapath", "ebpf");
    console.log(howToExplore(await boxUp(boxModel(), datapath), datapath));
    return 0;
  }
  if (action === "down") {
    const removed = teardownBox("labyrinth");
    console.log(removed.length > 0 ? `removed: ${removed.join(", ")}` : "no box to remove");
    return 0;
  }
  if (action === "status") {
    console.log(boxStatus("labyrinth"));
    return 0;
  }
  throw new UsageError(`box ${action ?? ""}: use box up, box down or box status`);
}

/** The project of a lab: where it was deployed, or for a new one, the one the settings name. */
function projectOf(model: LabModel): string {
  if (!model.project) {
    throw new SettingError(
      "LABYRINTH_PROJECT",
      "no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
  }
  return model.project;
}

/** The deployed lab, or for status and destroy of one that is not, the current settings' lab. */
function labOrCurrent(): LabModel {
  const lab = findDeployedLab(process.env);
  if (lab) warnUnrecorded(lab);
  return lab?.model ?? resolveLab(settingsFromEnv(process.env));
}

async function status(args: string[]): Promise<number> {
  const { values } = parse(args, { watch: { type: "boolean" }, interval: { type: "string" } });
  const model = labOrCurrent();
  const project = projectOf(model);
  const interval = Number(values.interval ?? 10);
  for (;;) {
    const now = new Date();
    const current = await readStatus(model, project, now);
    console.log(`${values.watch ? `\n${now.toISOString().slice(11, 19)} ` : ""}${renderStatus(current, now)}`);
    if (!values.watch || current.verdict !== "in progress") return current.verdict === "failed" ? 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
  }
}

async function destroy(args: string[]): Promise<number> {
  const model = labOrCurrent();
  return destroyLab(model, projectOf(model), args, (line) => console.log(`labyrinth: ${line}`));
}

function deploy(args: string[]): number {
  const model = resolveLab(settingsFromEnv(process.env));
  const project = projectOf(model);
  // Once here, since synth skips cdktf's per-resource version checks: terraform_data needs 1.4.
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const said = spawnSync(binary, ["version"], { encoding: "utf8" });
  const [major, minor] = (/v(\d+)\.(\d+)\./.exec(said.stdout ?? "") ?? []).slice(1).map(Number);
  if (said.status !== 0 || major === undefined || major * 1000 + minor < 1004) {
    console.error(
      `labyrinth: ${said.status === 0 ? `${binary} is ${said.stdout.split("\n")[0]}; the lab needs` : `the ${binary} CLI is missing:`} Terraform 1.4 or later (or OpenTofu, with TERRAFORM_BINARY_NAME=tofu)`,
    );
    return 1;
  }
  console.log(`labyrinth: ${costLine(model)}`);
  const env = { ...process.env, LABYRINTH_PROJECT: project };
  return spawnSync("npx", ["cdktf", "deploy", "*", ...args], { stdio: "inherit", env }).status ?? 1;
}

function kubeconfig(): number {
  const { model } = deployedLab();
  const outputs = readOutputs(model.stacks.infrastructure);
  const dir = join(homedir(), ".kube");
  const file = join(dir, `${model.name}.yaml`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, String(outputs.kubeconfig), { mode: 0o600 });
  chmodSync(file, 0o600);
  console.log(`wrote ${file}; use it with:\n  export KUBECONFIG=${file}`);
  return 0;
}

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const commands = Object.entries(COMMANDS).map(([name, c]) => `  npx labyrinth ${name.padEnd(width)}  ${c.summary}`);
  const envWidth = Math.max(...Object.values(ENV_SETTINGS).map((s) => s.env.length));
  const settings = Object.values(ENV_SETTINGS).map((s) => `  ${s.env.padEnd(envWidth)}  ${s.help}`);
  return [
    "Labyrinth: the Kubernetes Networking Labyrinth lab as code, and a packet's journey through it.",
    "",
    "npm scripts:",
    "  npm run journey -- --local   the packet's journey in the box (root, Linux; no cloud account)",
    "  npm test            all tests (the box's end-to-end test needs root)",
    "  npm run test:unit   construct and unit tests only (no root, no system tools)",
    "  npm run bench       measure synth, tests and the box next to the cdktf template's path; writes BENCHMARKS.md",
    "  npm run synth       write the Terraform of both stacks to cdktf.out (offline, no credentials)",
    "  npm run deploy      build the lab (needs LABYRINTH_PROJECT); npm run destroy removes it",
    "  npm run typecheck   type-check everything (tests do not)",
    "",
    "Commands:",
    ...commands,
    "",
    "Settings (environment variables; defaults are the article's values):",
    ...settings,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name = "help", ...args] = argv;
  const command = COMMANDS[name];
  if (!command) {
    console.error(`labyrinth: no command "${name}": one of ${Object.keys(COMMANDS).join(", ")}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof SettingError) console.error(explain(error));
    else if (error instanceof BoxError || error instanceof BpfNotPermitted || error instanceof UsageError || error instanceof DeployedLabError) {
      for (const line of error.message.split("\n")) console.error(`labyrinth: ${line}`);
    } else console.error(`labyrinth: ${error instanceof Error ? error.message : error}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
