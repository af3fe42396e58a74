import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { SettingError } from "../constructs/errors";
import { readOutputs } from "../lab/state";
import { ENV_SETTINGS, explain, settingsFromEnv } from "../stacks/settings";

interface Command {
  readonly summary: string;
  readonly run: (args: string[]) => number | Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  deploy: {
    summary: "check the settings, then `cdktf deploy '*'`: builds the lab in your Google Cloud project",
    run: deploy,
  },
  kubeconfig: {
    summary: "write the lab's admin kubeconfig to ~/.kube/<lab>.yaml (from the local Terraform state)",
    run: kubeconfig,
  },
  help: { summary: "this text", run: () => (console.log(helpText()), 0) },
};

function deploy(args: string[]): number {
  const settings = settingsFromEnv(process.env);
  if (!settings.project) {
    throw new SettingError(
      "LABYRINTH_PROJECT",
      "no Google Cloud project: set it (or GOOGLE_CLOUD_PROJECT) to a project with billing and the Compute Engine API enabled",
    );
  }
  if (spawnSync("terraform", ["version"], { stdio: "ignore" }).status !== 0) {
    console.error("labyrinth: the terraform CLI is missing: install Terraform 1.4 or later (or OpenTofu with TERRAFORM_BINARY_NAME=tofu)");
    return 1;
  }
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
    "  npm test            all tests (the box's end-to-end test needs root)",
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
    console.error(error instanceof SettingError ? explain(error) : `labyrinth: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
