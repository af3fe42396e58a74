import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { unloadProgram } from "./bpf";
import { run } from "./command";
import { killOwned } from "./processes";
import { boxPaths, readState } from "./state";

/** The network namespaces that carry the prefix: the box's, whether complete or left by a crash. */
export function boxNamespaces(prefix: string): string[] {
  const listed = run(["ip", "netns", "list"], { allowFailure: true }).stdout;
  return listed
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter((name) => name.startsWith(`${prefix}-`));
}

/** Per-namespace files of `ip netns exec` (the pods' resolv.conf). */
function netnsEtcDirs(prefix: string): string[] {
  if (!existsSync("/etc/netns")) return [];
  return readdirSync("/etc/netns")
    .filter((name) => name.startsWith(`${prefix}-`))
    .map((name) => join("/etc/netns", name));
}

/**
 * Removes everything a box with this prefix made: its processes (those it started, found by their
 * mark wherever they run, and any other in its namespaces), namespaces (their links and attached
 * programs go with them), resolv.conf files, bpffs and state. Synchronous, so that a signal
 * handler can run it; safe to run when nothing is left. Returns what it removed.
 */
export function teardownBox(prefix: string): string[] {
  const removed: string[] = [];
  const state = readState(prefix);
  const namespaces = boxNamespaces(prefix);
  for (const { pid, command } of killOwned(prefix)) removed.push(`process ${pid} (${command.split(" ").slice(0, 2).join(" ")})`);
  for (const netns of namespaces) {
    for (const pid of run(["ip", "netns", "pids", netns], { allowFailure: true }).stdout.split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  for (const netns of namespaces) {
    // Detach the eBPF programs now: a deleted namespace releases its devices later, in the background.
    const links = JSON.parse(run(["ip", "-n", netns, "-j", "link", "show"], { allowFailure: true }).stdout || "[]") as { ifname: string }[];
    for (const { ifname } of links.filter((l) => l.ifname.startsWith("lxc"))) {
      run(["tc", "-n", netns, "qdisc", "del", "dev", ifname, "clsact"], { allowFailure: true });
    }
    run(["ip", "netns", "delete", netns], { allowFailure: true });
    removed.push(`namespace ${netns}`);
  }
  for (const dir of netnsEtcDirs(prefix)) {
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  // If the box made /etc/netns for its pods' files, it leaves no empty folder behind.
  if (state?.madeEtcNetns && existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) rmdirSync("/etc/netns");
  const paths = boxPaths(prefix);
  if (existsSync(paths.bpffs)) {
    unloadProgram(paths.bpffs);
    removed.push(`bpffs ${paths.bpffs} (the eBPF program and its maps)`);
  }
  if (existsSync(paths.dir)) {
    rmSync(paths.dir, { recursive: true, force: true });
    removed.push(paths.dir);
  }
  return removed;
}
