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
import { SettingError } from "../constructs/errors";
import { journeyOnLab } from "../journey/lab/session";
import { Protocol } from "../journey/plan";
import { renderText } from "../journey/report";
import { readOutputs } from "../lab/state";
import { parseLifetime } from "../constructs/lifetime";
import { costInput, describeLab } from "../lab/cost";
import { destroyLab } from "../lab/destroy";
import { readStatus, renderStatus } from "../lab/status";
import { ENV_SETTINGS, explain, LabSettings, settingsFromEnv } from "../stacks/settings";

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
    const { result, timings } = await journeyInBox({ datapath, protocols, pcapDir, captureTimeoutMs: timeout * 1000 });
    console.log(values.json ? JSON.stringify({ ...result, timings }, null, 2) : renderText(result));
    return result.ok ? 0 : 1;
  }
  if (values.datapath) throw new UsageError("--datapath is the box's: the lab's datapath is Cilium's (LABYRINTH_KUBE_PROXY_REPLACEMENT)");
  const { plan, result } = await journeyOnLab({
    kubeconfig: labKubeconfig(values.kubeconfig as string | undefined),
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

/** The lab's admin kubeconfig: a file given, or the infrastructure stack's output in the local state. */
function labKubeconfig(file: string | undefined): string {
  if (file) return readFileSync(file, "utf8");
  const { name } = settingsFromEnv(process.env);
  try {
    return String(readOutputs(`${name}-infra`).kubeconfig);
  } catch {
    throw new UsageError(`no kubeconfig: deploy the lab first (npm run deploy), pass --kubeconfig FILE, or use --local for the box`);
  }
}

async function box(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { datapath: { type: "string" } });
  const [action] = positionals;
  if (action === "up") {
    const datapath = choice<Datapath>(values.datapath as string | undefined, ["ebpf", "iptables"], "datapath", "ebpf");
    console.log(howToExplore(await boxUp(datapath), datapath));
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

/** The settings, with the project that every command touching the cloud needs. */
function cloudSettings(): LabSettings & { project: string } {
  const settings = settingsFromEnv(process.env);
  if (!settings.project) {
    throw new SettingError(
      "LABYRINTH_PROJECT",
      "no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
  }
  return settings as LabSettings & { project: string };
}

async function status(args: string[]): Promise<number> {
  const { values } = parse(args, { watch: { type: "boolean" }, interval: { type: "string" } });
  const settings = cloudSettings();
  const interval = Number(values.interval ?? 10);
  for (;;) {
    const now = new Date();
    const current = await readStatus(settings, settings.project, now);
    console.log(`${values.watch ? `\n${now.toISOString().slice(11, 19)} ` : ""}${renderStatus(current, now)}`);
    if (!values.watch || current.verdict !== "in progress") return current.verdict === "failed" ? 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
  }
}

async function destroy(args: string[]): Promise<number> {
  const settings = cloudSettings();
  return destroyLab(settings, settings.project, args, (line) => console.log(`labyrinth: ${line}`));
}

function deploy(args: string[]): number {
  const settings = cloudSettings();
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
  const zone = settings.zone ?? `${settings.region}-b`;
  console.log(`labyrinth: ${describeLab(settings.name, costInput(settings), zone, parseLifetime(settings.ttl))}`);
  const env = { ...process.env, LABYRINTH_PROJECT: settings.project };
  return spawnSync("npx", ["cdktf", "deploy", "*", ...args], { stdio: "inherit", env }).status ?? 1;
}

function kubeconfig(): number {
  const { name } = settingsFromEnv(process.env);
  const outputs = readOutputs(`${name}-infra`);
  const dir = join(homedir(), ".kube");
  const file = join(dir, `${name}.yaml`);
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
    else if (error instanceof BoxError || error instanceof BpfNotPermitted || error instanceof UsageError) {
      for (const line of error.message.split("\n")) console.error(`labyrinth: ${line}`);
    } else console.error(`labyrinth: ${error instanceof Error ? error.message : error}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
