import { Command, InvalidArgumentError, Option } from "commander";
import { Datapath } from "../box/preflight";
import { ENV_SETTINGS } from "../model/settings";
import { cannotWrite } from "../journey/html/file";
import { TRIGGER_LIMITS } from "../journey/trigger";
import * as box from "./box";
import { journey, JourneyFlags } from "./journey";
import * as lifecycle from "./lifecycle";

/** What a command's action returns: its exit code. */
type Exit = number | Promise<number>;

/** A usage mistake, with the command whose --help would have told: said in one line, exit 2. */
export class UsageError extends Error {}

function number(what: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new InvalidArgumentError(`Use ${what} from ${min} to ${max}.`);
    return value;
  };
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

const ROOT_NOTE = "The box needs root: as root run it as shown, otherwise put sudo before it.";

function settingsHelp(): string {
  const width = Math.max(...Object.values(ENV_SETTINGS).map((s) => s.env.length));
  const settings = Object.values(ENV_SETTINGS).map((s) => `  ${s.env.padEnd(width)}  ${s.help}`);
  return ["", "Settings (environment variables; defaults are the article's values):", ...settings, ""].join("\n");
}

/**
 * The command line: every command and subcommand answers --help with what it does, its options
 * and their defaults, and an example. `run` receives each action's exit code.
 */
export function program(run: (exit: Exit) => Promise<void>): Command {
  const cli = new Command("labyrinth")
    .description("The Kubernetes Networking Labyrinth lab as code, and a packet's journey through it: in the box (no cloud) or on your lab.")
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      "after",
      [
        examples("npx labyrinth journey --local         # a packet's trip in the box, no cloud account", "npx labyrinth box break --list        # faults to practise on", "LABYRINTH_PROJECT=my-project npx labyrinth deploy"),
        "npm scripts: npm test (all tests), npm run test:unit, npm run bench, npm run synth, npm run deploy, npm run destroy, npm run typecheck.",
        settingsHelp(),
      ].join("\n"),
    );

  cli
    .command("journey")
    .description(
      "Capture a packet's trip pod → node → VXLAN → node → pod at the article's six points and explain it: on the deployed lab, or with --local in the box. " +
        `Each step gives up on its own (DNS ${TRIGGER_LIMITS.dnsSeconds} s, TCP ${TRIGGER_LIMITS.connectSeconds + TRIGGER_LIMITS.answerSeconds} s, UDP ${TRIGGER_LIMITS.answerSeconds} s), so a broken path ends in seconds and is named. Exits 1 when the packet did not go there and back.`,
    )
    .option("--local", "in the box: build it (or use the one that is up), trace, explain, tear down; needs root")
    .option("--json", "the result as JSON, for scripts")
    .option("--html <file>", "also draw the journey as one self-contained HTML page in FILE, to open in any browser (offline)")
    .option("--pcap-dir <dir>", "keep the captures for Wireshark: one pcapng per node, and one inside each probe pod (its own eth0)")
    .addOption(new Option("--protocol <protocol>", "what to send after the name lookup").choices(["tcp", "udp", "both"]).default("both"))
    .option("--size <bytes>", "payload bytes in each TCP and UDP message (default: one short line); a large one shows an MTU problem", number("a number of bytes", 16, 9000))
    .addOption(new Option("--datapath <datapath>", "box only, for a new box: who translates the Service (default: the box that is up, else ebpf)").choices(["ebpf", "iptables"]))
    .option("--timeout <seconds>", "how long the captures may take to start", number("a number of seconds", 1, 600), 15)
    .option("--kubeconfig <file>", "lab only: this kubeconfig instead of the deployed lab's admin one")
    .option("--capture-image <image>", "lab only: the capture pods' image (it needs dumpcap, tshark, ip, ss, nsenter, unshare, getent, socat, timeout)")
    .option("--plan", "lab only: discover and print the capture plan, capture nothing")
    .addHelpText(
      "after",
      examples(
        "npx labyrinth journey --local                          # the box (root: sudo before it if you are not)",
        "npx labyrinth journey --local --protocol udp --size 1300",
        "npx labyrinth journey                                  # the lab deployed from this folder",
        "npx labyrinth journey --json --pcap-dir captures",
        "npx labyrinth journey --local --html journey.html     # then open journey.html in a browser",
      ),
    )
    .action((flags: JourneyFlags) => {
      if (!flags.local && flags.datapath) throw new UsageError("--datapath is the box's (with --local): the lab's datapath is Cilium's (LABYRINTH_KUBE_PROXY_REPLACEMENT)");
      if (flags.html !== undefined) {
        if (flags.plan) throw new UsageError("--html draws a journey and --plan captures none: leave one of them out");
        // Before anything is built: a page that cannot be written would lose the run.
        const why = cannotWrite(flags.html);
        if (why) throw new UsageError(`--html ${flags.html}: cannot write it (${why}): name a file in a folder you can write to`);
      }
      return run(journey(flags));
    });

  const boxCommand = cli
    .command("box")
    .description("The box, the article's datapath in network namespaces on this machine, to explore by hand. " + ROOT_NOTE)
    .addHelpText("after", examples("npx labyrinth box up", "npx labyrinth box break --list", "npx labyrinth box down"));
  boxCommand
    .command("up")
    .description("Build the box and leave it up; prints how to enter each part and the article's commands to try there.")
    .addOption(new Option("--datapath <datapath>", "who translates the Service: an eBPF program on the client's lxc, or kube-proxy's iptables rules").choices(["ebpf", "iptables"]).default("ebpf"))
    .addHelpText("after", examples("npx labyrinth box up", "npx labyrinth box up --datapath iptables"))
    .action((flags: { datapath: Datapath }) => run(box.up(flags.datapath)));
  boxCommand
    .command("down")
    .description("Remove the box, and whatever a crashed run left of one (namespaces, files, processes); says what it removed. Waits for no one: a run using the box is named, and the box left alone.")
    .addHelpText("after", examples("npx labyrinth box down"))
    .action(() => run(box.down()));
  boxCommand
    .command("status")
    .description("What is up: the box, its datapath, the eBPF programs attached, packets rewritten so far, the fault made.")
    .addHelpText("after", examples("npx labyrinth box status"))
    .action(() => run(box.status()));
  boxCommand
    .command("break")
    .description("Make a fault in the box that is up, to find with the journey; without FAULT or with --list, describe them all.")
    .argument("[fault]", "the fault's name (box break --list)")
    .option("--list", "describe every fault")
    .option("--quiz", "keep the fault's name secret from box status: find it with the journey; box fix says what it was")
    .addHelpText("after", examples("npx labyrinth box break --list", "npx labyrinth box break tunnel-blocked-node-2", "npx labyrinth box break --quiz underlay-mtu"))
    .action((fault: string | undefined, flags: { list?: boolean; quiz?: boolean }) => run(box.breakIt(fault, flags)));
  boxCommand
    .command("fix")
    .description("Undo the fault made with box break, and say what it was.")
    .addHelpText("after", examples("npx labyrinth box fix"))
    .action(() => run(box.fix()));

  cli
    .command("deploy")
    .description("Check the settings (LABYRINTH_*) and Terraform, print the lab's lifetime and cost, then run cdktf deploy '*': builds the lab in your Google Cloud project. Other arguments go to cdktf.")
    .argument("[cdktf-args...]", "passed to cdktf deploy, such as --auto-approve")
    .allowUnknownOption()
    .addHelpText("after", examples("LABYRINTH_PROJECT=my-project npx labyrinth deploy", "LABYRINTH_PROJECT=my-project LABYRINTH_TTL=2h npx labyrinth deploy --auto-approve"))
    .action((args: string[]) => run(lifecycle.deploy(args)));
  cli
    .command("status")
    .description("Where the deployed lab stands: each node's bootstrap phase and time left, then the API server, nodes, Cilium, probes and the connectivity check. Exits 1 when something failed, the VMs expired or a node's VM is gone.")
    .option("--watch", "again every interval while in progress: until ready (exit 0), or failed, expired or incomplete (exit 1)")
    .option("--interval <seconds>", "seconds between two looks, with --watch", number("a number of seconds", 0.1, 3600), 10)
    .addHelpText("after", examples("npx labyrinth status", "npx labyrinth status --watch"))
    .action((flags: { watch?: boolean; interval: number }) => run(lifecycle.status(flags.watch === true, flags.interval)));
  cli
    .command("destroy")
    .description("cdktf destroy of the lab deployed from this folder, even when its VMs expired or its API server is gone; then check with gcloud that nothing of it is left in the project (without a gcloud login it says why it could not). Other arguments go to cdktf.")
    .argument("[cdktf-args...]", "passed to cdktf destroy, such as --auto-approve")
    .allowUnknownOption()
    .addHelpText("after", examples("npx labyrinth destroy", "LABYRINTH_NAME=team-a npx labyrinth destroy --auto-approve"))
    .action((args: string[]) => run(lifecycle.destroy(args)));
  cli
    .command("kubeconfig")
    .description("Write the deployed lab's admin kubeconfig to ~/.kube/<lab>.yaml (readable by you only), from the local Terraform state.")
    .addHelpText("after", examples("npx labyrinth kubeconfig && export KUBECONFIG=~/.kube/labyrinth.yaml"))
    .action(() => run(lifecycle.kubeconfig()));
  nameTheHelp(cli);
  return cli;
}

/** Every command's own mistakes name its --help: `unknown option '--x' (npx labyrinth journey --help lists the options)`. */
function nameTheHelp(command: Command, path: string[] = []): void {
  const where = ["npx", "labyrinth", ...path, "--help"].join(" ");
  command.exitOverride((error) => {
    if (error.exitCode === 0) throw error;
    // One line: commander puts its suggestion ("(Did you mean deploy?)") on a line of its own.
    const said = error.message.replace(/^error: /, "").replace(/\s*\(Did you mean (.+)\?\)/, "; did you mean $1?");
    throw new UsageError(`${said} (${where} lists ${command.commands.length > 0 ? "the commands" : "the options"})`);
  });
  for (const sub of command.commands) nameTheHelp(sub, [...path, sub.name()]);
}
