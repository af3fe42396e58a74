import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CommandError, inNetns, run } from "./command";
import { BoxTopology, backendOf } from "./topology";

export const BPF_SOURCE = join(__dirname, "bpf", "service_nat.c");

/** Debian's multiarch include folder, where <asm/types.h> lives. */
function multiarchInclude(): string {
  const triplet = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[process.arch as string] ?? `${process.arch}-linux-gnu`;
  return `/usr/include/${triplet}`;
}

/**
 * The compiled program, built with clang once and reused while its source is unchanged
 * (the cache key is the source's hash).
 */
export function compiledObject(cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "labyrinth")): string {
  const source = readFileSync(BPF_SOURCE);
  const object = join(cacheDir, `service_nat-${createHash("sha256").update(source).digest("hex").slice(0, 16)}.o`);
  if (existsSync(object)) return object;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${object}.${process.pid}.tmp`;
  run(["clang", "-O2", "-g", "-target", "bpf", "-I", multiarchInclude(), "-c", BPF_SOURCE, "-o", partial]);
  renameSync(partial, object);
  return object;
}

/** The loaded program: its two entry points and its maps, pinned in a bpffs of the box's own. */
export interface LoadedProgram {
  readonly fromPod: string;
  readonly toPod: string;
  readonly services: string;
  readonly flows: string;
  readonly rewrites: string;
}

/** bpf() refused: the box can still run with --datapath iptables. */
export class BpfNotPermitted extends Error {}

/**
 * Mounts a private bpffs at `dir` and loads the program into it. Unmounting the folder
 * (`unloadProgram`) frees the programs and maps.
 */
export function loadProgram(dir: string, object: string): LoadedProgram {
  mkdirSync(dir, { recursive: true });
  try {
    run(["mount", "-t", "bpf", "bpf", dir]);
    run(["bpftool", "prog", "loadall", object, join(dir, "prog"), "type", "classifier", "pinmaps", join(dir, "maps")]);
  } catch (error) {
    // The verifier rejects a broken program with EACCES too, but prints its log: that is a real error.
    const said = error instanceof CommandError ? error.result.stderr : "";
    if (error instanceof CommandError && /not permitted|EPERM|permission denied|EACCES/i.test(said) && !/PROG LOAD LOG|processed \d+ insns/.test(said)) {
      unloadProgram(dir);
      throw new BpfNotPermitted(`bpf is not permitted here (${error.message}): run the box with --datapath iptables`);
    }
    throw error;
  }
  return programAt(dir);
}

/** Where a loaded program's parts are pinned. */
export function programAt(dir: string): LoadedProgram {
  return {
    fromPod: join(dir, "prog", "from_pod"),
    toPod: join(dir, "prog", "to_pod"),
    services: join(dir, "maps", "services"),
    flows: join(dir, "maps", "flows"),
    rewrites: join(dir, "maps", "rewrites"),
  };
}

export function unloadProgram(dir: string): void {
  if (!existsSync(dir)) return;
  run(["umount", dir], { allowFailure: true });
  try {
    rmdirSync(dir);
  } catch {
    // not empty means still mounted: left for the caller's report
  }
}

const PROTOCOLS = { tcp: 6, udp: 17 } as const;

function addressBytes(address: string): number[] {
  return address.split(".").map(Number);
}

function portBytes(port: number): number[] {
  return [port >> 8, port & 0xff];
}

/** A map entry as `bpftool map update` takes it. */
export interface MapEntry {
  readonly key: number[];
  readonly value: number[];
}

/** The services map's entries: service address, port and protocol → backend address and port. */
export function serviceEntries(topology: BoxTopology): MapEntry[] {
  return topology.services.flatMap((service) => {
    const backend = backendOf(topology, service);
    return service.ports.map((p) => ({
      key: [...addressBytes(service.address), ...portBytes(p.port), PROTOCOLS[p.protocol], 0],
      value: [...addressBytes(backend.address), ...portBytes(p.targetPort), 0, 0],
    }));
  });
}

export function updateMap(map: string, entries: MapEntry[]): void {
  const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0"));
  for (const { key, value } of entries) {
    run(["bpftool", "map", "update", "pinned", map, "key", "hex", ...hex(key), "value", "hex", ...hex(value)]);
  }
}

/** Packets the program rewrote: to a backend (from the pod) and back to the service (to the pod). */
export function rewriteCounts(rewritesMap: string): { toBackend: number; toService: number } {
  // With BTF, bpftool's JSON carries each entry's typed values under "formatted".
  const dump = JSON.parse(run(["bpftool", "-j", "map", "dump", "pinned", rewritesMap]).stdout) as { formatted: { key: number; value: number } }[];
  const at = (key: number) => Number(dump.find((entry) => entry.formatted.key === key)?.formatted.value ?? 0);
  return { toBackend: at(0), toService: at(1) };
}

/** Attaches the program to an interface with tc clsact: from_pod at ingress, to_pod at egress. */
export function attach(netns: string, device: string, program: LoadedProgram): void {
  inNetns(netns, ["tc", "qdisc", "add", "dev", device, "clsact"]);
  inNetns(netns, ["tc", "filter", "add", "dev", device, "ingress", "bpf", "direct-action", "object-pinned", program.fromPod]);
  inNetns(netns, ["tc", "filter", "add", "dev", device, "egress", "bpf", "direct-action", "object-pinned", program.toPod]);
}
