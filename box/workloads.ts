import { join } from "node:path";
import { inNetns } from "./command";
import { spawnOwned } from "./processes";
import { BoxTopology, podByRole } from "./topology";

const PROBE_LISTENER = join(__dirname, "..", "workload", "probe-listener.sh");

/** Waits until something listens on `port` (tcp or udp) in the namespace. */
function waitForListener(netns: string, protocol: "tcp" | "udp", port: number): void {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const out = inNetns(netns, ["ss", "-Hln", protocol === "tcp" ? "-t" : "-u", `sport = :${port}`]).stdout;
    if (out.trim() !== "") return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`nothing listens on ${protocol} ${port} in ${netns} after 5s`);
}

/** The cluster DNS pod's server: dnsmasq answering for the services' names, nothing else. Returns the DNS Service's address. */
export function startDns(topology: BoxTopology): string {
  const dns = podByRole(topology, "dns");
  const service = topology.services.find((s) => s.backend === dns.name);
  if (!service) throw new Error("no service in front of the DNS pod");
  const records = topology.services.map((s) => `--host-record=${s.name}.${s.namespace}.svc.${topology.dnsDomain},${s.address}`);
  spawnOwned(topology.prefix, dns.netns, [
    "dnsmasq",
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--bind-interfaces",
    `--listen-address=${dns.address}`,
    // Authoritative for the cluster domain: unknown names get NXDOMAIN, nothing is forwarded.
    `--local=/${topology.dnsDomain}/`,
    "--pid-file=",
    "--user=root",
    ...records,
  ]).unref();
  waitForListener(dns.netns, "udp", service.ports.find((p) => p.protocol === "udp")?.targetPort ?? 53);
  return service.address;
}

/** The server pod's echo on its Service's port, TCP and UDP: the probe's own listener. */
export function startListener(topology: BoxTopology): void {
  const server = podByRole(topology, "server");
  const [served] = topology.services.filter((s) => s.backend === server.name).flatMap((s) => s.ports);
  if (!served) throw new Error("no service in front of the server pod");
  const port = served.targetPort;
  spawnOwned(topology.prefix, server.netns, ["sh", PROBE_LISTENER], { env: { ...process.env, PORT: String(port) } }).unref();
  waitForListener(server.netns, "tcp", port);
  waitForListener(server.netns, "udp", port);
}
