import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export type Datapath = "ebpf" | "iptables";

/** What the box runs, and the Debian package of each. */
const COMMANDS: Record<string, string> = {
  ip: "iproute2",
  tc: "iproute2",
  bridge: "iproute2",
  ss: "iproute2",
  iptables: "iptables",
  "iptables-save": "iptables",
  dnsmasq: "dnsmasq-base",
  socat: "socat",
  sysctl: "procps",
  dumpcap: "tshark",
  tshark: "tshark",
};
const EBPF_COMMANDS: Record<string, string> = { clang: "clang", bpftool: "bpftool" };
/** Headers the eBPF program compiles against. */
const EBPF_FILES: Record<string, string> = {
  "/usr/include/bpf/bpf_helpers.h": "libbpf-dev",
  "/usr/include/linux/bpf.h": "linux-libc-dev",
};

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/**
 * Why the box cannot run here, one line each (empty when it can): not Linux, not root, or
 * missing tools, with the exact apt-get line that installs them.
 */
export function preflight(datapath: Datapath): string[] {
  if (process.platform !== "linux") return [`the box needs Linux (network namespaces, tc, eBPF); this is ${process.platform}`];
  const problems: string[] = [];
  if (process.getuid?.() !== 0) {
    problems.push("the box needs root (network namespaces, tc, eBPF): run it as root, with sudo if you are not (sudo npx labyrinth journey --local)");
  }
  const packages = new Set<string>();
  const commands = datapath === "ebpf" ? { ...COMMANDS, ...EBPF_COMMANDS } : COMMANDS;
  for (const [command, pkg] of Object.entries(commands)) if (!onPath(command)) packages.add(pkg);
  if (datapath === "ebpf") for (const [file, pkg] of Object.entries(EBPF_FILES)) if (!existsSync(file)) packages.add(pkg);
  if (packages.size > 0) {
    problems.push(`missing tools: apt-get install -y ${[...packages].sort().join(" ")} (or sudo bin/setup.sh for everything)`);
  }
  return problems;
}
