import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "./support/tools";
import { until } from "./support/until";

requireTool("socat");
const ROOT = join(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "labyrinth-workload-"));
let port: number;
let listener: ChildProcess | undefined;

/** Whether `port` can be bound on every address, for TCP or for UDP, now. */
function bindable(protocol: "tcp" | "udp", port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === "tcp") {
      const server = createServer().once("error", () => resolve(false));
      server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
    } else {
      const socket = createSocket("udp4").once("error", () => (socket.close(), resolve(false)));
      socket.bind(port, "0.0.0.0", () => socket.close(() => resolve(true)));
    }
  });
}

/**
 * A port free for TCP and UDP, below the kernel's ephemeral range so that no outgoing connection
 * of another process is given it between this check and the listener's bind.
 */
async function freePort(): Promise<number> {
  const [ephemeralLow] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  for (let tries = 0; tries < 100; tries++) {
    const candidate = 10_000 + Math.floor(Math.random() * (ephemeralLow - 10_000));
    if ((await bindable("tcp", candidate)) && (await bindable("udp", candidate))) return candidate;
  }
  throw new Error(`no free port between 10000 and ${ephemeralLow}`);
}

beforeAll(async () => {
  port = await freePort();
});
afterEach(() => stopListener());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tcpAnswers = () =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => (socket.end(), resolve(true)));
    socket.on("error", () => resolve(false));
  });

const udpEchoes = () =>
  new Promise<boolean>((resolve) => {
    const socket = createSocket("udp4");
    const done = (echoed: boolean) => (clearTimeout(timer), socket.close(), resolve(echoed));
    const timer = setTimeout(() => done(false), 500);
    socket.on("message", (message) => done(message.toString() === "ready?"));
    socket.on("error", () => done(false));
    socket.send("ready?", port, "127.0.0.1");
  });

/** Starts the listener; returns once it echoes on both TCP and UDP. */
async function startListener(): Promise<void> {
  // Its own process group, so that stopping it stops the socat processes it started.
  const child = spawn("sh", [join(ROOT, "workload/probe-listener.sh")], { env: { PATH: process.env.PATH, PORT: String(port) }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  listener = child;
  // Its line says both socat processes were started (not yet that they listen): or it ended first.
  const started = `echoing on tcp and udp ${port}`;
  const said = await new Promise<string>((resolve) => {
    let text = "";
    child.stdout!.on("data", (d) => (text += d).includes(started) && resolve(text));
    child.stderr!.on("data", (d) => (text += d));
    child.on("close", () => resolve(text));
  });
  if (!said.includes(started)) throw new Error(`the listener stopped: ${said}`);
  await until("TCP connected", tcpAnswers, { seconds: 20, every: 50 });
  await until("UDP echoed", udpEchoes, { seconds: 20, every: 50 });
}

/**
 * Stops the listener and every socat it started, and returns once they are all gone: they hold
 * its stdout and stderr, which close only when the last of them exits.
 */
async function stopListener(): Promise<void> {
  const child = listener;
  listener = undefined;
  if (!child?.pid) return;
  const closed = new Promise((resolve) => child.once("close", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
  await closed;
}

/** Runs the connectivity check against loopback, with a stand-in dig that answers `answer`. */
function runCheck(answer: string) {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "dig"), `#!/bin/sh\necho "$*" >> ${bin}/dig-calls\n${answer ? `echo ${answer}` : "true"}\n`);
  chmodSync(join(bin, "dig"), 0o755);
  const result = spawnSync("sh", [join(ROOT, "workload/connectivity-check.sh")], {
    env: { PATH: `${bin}:${process.env.PATH}`, TARGET: "localhost", PORT: String(port) },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { ...result, digCalls: readFileSync(join(bin, "dig-calls"), "utf8") };
}

/** Runs a workload script with `env` and a PATH that holds only a shell. */
function withShellOnly(script: string, env: Record<string, string>) {
  const bin = mkdtempSync(join(dir, "shell-only-"));
  symlinkSync(spawnSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).stdout.trim(), join(bin, "sh"));
  return spawnSync(join(bin, "sh"), [join(ROOT, "workload", script)], { env: { ...env, PATH: bin }, encoding: "utf8", timeout: 10_000 });
}

describe("the probe's listener and the connectivity check, on loopback", () => {
  test("with the listener up, the check resolves through DNS and gets its payload back over TCP and UDP", async () => {
    await startListener();
    const result = runCheck("127.0.0.1");
    expect(result.digCalls).toBe("+short +search localhost A\n");
    expect(result.stdout.trim().split("\n")).toEqual([
      "ok dns: localhost is 127.0.0.1",
      `ok tcp: 127.0.0.1:${port} echoed the payload`,
      `ok udp: 127.0.0.1:${port} echoed the payload`,
    ]);
    expect(result.status).toBe(0);
  });

  test("with nothing listening, the check names the TCP step and the path to look at", () => {
    const result = runCheck("127.0.0.1");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL tcp: no echo from 127\\.0\\.0\\.1:${port} over TCP .*VXLAN on udp 8472`, "m"));
  });

  test("with no DNS answer, the check stops at DNS", () => {
    const result = runCheck("");
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toBe("FAIL dns: localhost did not resolve through cluster DNS (is CoreDNS running? kubectl -n kube-system get pods -l k8s-app=kube-dns)");
  });

  test("a DNS timeout is a DNS failure, not an address", () => {
    const result = runCheck('";; connection timed out; no servers could be reached"');
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toMatch(/^FAIL dns: localhost did not resolve through cluster DNS/);
  });

  test("the listener refuses to start without socat, saying what to do", () => {
    const result = withShellOnly("probe-listener.sh", { PORT: String(port) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("this image has no socat: use an image with socat, or LABYRINTH_PROBE_LISTENER=false");
  });

  // With nothing but a shell on PATH, a script that went on with a default of its own would stop
  // at its first tool instead (socat, dig): nothing is started, whatever the script does.
  test.each([
    ["probe-listener.sh", "PORT", {}, "give the port to echo on (ProbeWorkload sets it in the container)"],
    ["connectivity-check.sh", "TARGET", { PORT: "9" }, "give the Service to reach as service.namespace (ConnectivityCheck sets it)"],
    ["connectivity-check.sh", "PORT", { TARGET: "localhost" }, "give the port the probes echo on (ConnectivityCheck sets it)"],
  ])("%s has no default of its own: without %s it stops with one line naming it", (script, input, env, fix) => {
    const result = withShellOnly(script, env);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    // The shell's own form: `<script>: <line>: <variable>: <message>`.
    expect(result.stderr).toMatch(new RegExp(`^[^\\n]*${script}: \\d+: ${input}: is not set: ${fix.replace(/[()]/g, "\\$&")}\\n$`));
  });

  test("both scripts pass shellcheck as POSIX sh", () => {
    requireTool("shellcheck");
    const result = spawnSync("shellcheck", ["-s", "sh", "workload/probe-listener.sh", "workload/connectivity-check.sh"], { cwd: ROOT, encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
