import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "./support/tools";

requireTool("socat");
const ROOT = join(__dirname, "..");
const PORT = String(20000 + (process.pid % 20000));
const dir = mkdtempSync(join(tmpdir(), "labyrinth-workload-"));
let listener: ChildProcess | undefined;

function stopListener() {
  if (listener?.pid) {
    try {
      process.kill(-listener.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  listener = undefined;
}

afterAll(() => {
  stopListener();
  rmSync(dir, { recursive: true, force: true });
});

async function startListener(): Promise<void> {
  listener = spawn("sh", [join(ROOT, "workload/probe-listener.sh")], { env: { PATH: process.env.PATH, PORT }, detached: true, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port: Number(PORT) }, () => (socket.end(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the listener did not start");
}

/** Runs the connectivity check against loopback, with a stand-in dig that answers `answer`. */
function runCheck(answer: string) {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "dig"), `#!/bin/sh\necho "$*" >> ${bin}/dig-calls\n${answer ? `echo ${answer}` : "true"}\n`);
  chmodSync(join(bin, "dig"), 0o755);
  const result = spawnSync("sh", [join(ROOT, "workload/connectivity-check.sh")], {
    env: { PATH: `${bin}:${process.env.PATH}`, TARGET: "localhost", PORT },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { ...result, digCalls: readFileSync(join(bin, "dig-calls"), "utf8") };
}

describe("the probe's listener and the connectivity check, on loopback", () => {
  test("with the listener up, the check resolves through DNS and gets its payload back over TCP and UDP", async () => {
    await startListener();
    const result = runCheck("127.0.0.1");
    stopListener();
    expect(result.digCalls).toBe("+short +search localhost A\n");
    expect(result.stdout.trim().split("\n")).toEqual([
      "ok dns: localhost is 127.0.0.1",
      `ok tcp: 127.0.0.1:${PORT} echoed the payload`,
      `ok udp: 127.0.0.1:${PORT} echoed the payload`,
    ]);
    expect(result.status).toBe(0);
  });

  test("with nothing listening, the check names the TCP step and the path to look at", () => {
    const result = runCheck("127.0.0.1");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAIL tcp: no echo from 127\.0\.0\.1:\d+ over TCP .*VXLAN on udp 8472/m);
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
    const bin = mkdtempSync(join(dir, "nosocat-"));
    for (const tool of ["sh"]) spawnSync("ln", ["-s", spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim(), join(bin, tool)]);
    const result = spawnSync(join(bin, "sh"), [join(ROOT, "workload/probe-listener.sh")], { env: { PATH: bin }, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("this image has no socat: use an image with socat, or LABYRINTH_PROBE_LISTENER=false");
  });

  test("both scripts pass shellcheck as POSIX sh", () => {
    requireTool("shellcheck");
    const result = spawnSync("shellcheck", ["-s", "sh", "workload/probe-listener.sh", "workload/connectivity-check.sh"], { cwd: ROOT, encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
