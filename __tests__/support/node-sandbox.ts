import { spawnSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writtenFile } from "./user-data";

export const STAND_INS = join(__dirname, "..", "stand-ins");
export const METADATA_URL = "http://metadata.test/computeMetadata/v1";
export const TOKEN = "abcdef.0123456789abcdef";

/** A throwaway cluster CA made with openssl, and its kubeadm pin computed independently here. */
export function makeCa(dir: string): { cert: string; key: string; pin: string } {
  const key = join(dir, "ca.key");
  const cert = join(dir, "ca.crt");
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kubernetes", "-keyout", key, "-out", cert], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
  const pem = readFileSync(cert, "utf8");
  const spki = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return { cert: pem, key: readFileSync(key, "utf8"), pin: `sha256:${createHash("sha256").update(spki).digest("hex")}` };
}

export interface RunResult {
  status: number | null;
  output: string;
  /** What this run added to the bootstrap's own log file. */
  log: string;
  /** Every stand-in call, in order. */
  calls: string[];
}

/**
 * A node's root file system in a temporary folder, with the files cloud-init writes (taken from
 * the synthesized user-data of `instance`), a metadata server, and stand-ins on PATH.
 */
export class NodeSandbox {
  public readonly root = mkdtempSync(join(tmpdir(), "labyrinth-node-"));
  public readonly stub = join(this.root, "..", `${this.root.split("/").pop()}-stub`);
  private readonly callsFile = join(this.stub, "calls");

  constructor(instance: any, metadata: Record<string, string>) {
    mkdirSync(join(this.stub, "metadata"), { recursive: true });
    for (const [path, content] of [
      ["/etc/labyrinth/node.env", writtenFile(instance, "/etc/labyrinth/node.env")],
      ["/etc/labyrinth/kubeadm.yaml.in", writtenFile(instance, "/etc/labyrinth/kubeadm.yaml.in")],
      ["/opt/labyrinth/lib.sh", writtenFile(instance, "/opt/labyrinth/lib.sh")],
      ["/opt/labyrinth/bootstrap.sh", writtenFile(instance, "/opt/labyrinth/bootstrap.sh")],
      ["/etc/fstab", "UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n"],
    ]) {
      this.write(path, content);
    }
    chmodSync(join(this.root, "opt/labyrinth/bootstrap.sh"), 0o755);
    for (const [path, value] of Object.entries(metadata)) this.setMetadata(path, value);
  }

  /** Writes a file below the node's root. */
  public write(path: string, content: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), content);
  }

  public read(path: string): string {
    return readFileSync(join(this.root, path), "utf8");
  }

  public exists(path: string): boolean {
    return existsSync(join(this.root, path));
  }

  public setMetadata(path: string, value: string): void {
    mkdirSync(dirname(join(this.stub, "metadata", path)), { recursive: true });
    writeFileSync(join(this.stub, "metadata", path), value);
  }

  public removeMetadata(path: string): void {
    rmSync(join(this.stub, "metadata", path));
  }

  /** Sets a stand-in's behaviour: a countdown or a value (see the stand-ins' headers). */
  public stubState(name: string, value: string | number): void {
    writeFileSync(join(this.stub, name), String(value));
  }

  public stubFile(name: string): string {
    return readFileSync(join(this.stub, name), "utf8");
  }

  /** Runs the bootstrap as the unit does, with settings appended to node.env. */
  public run(envOverrides: Record<string, string> = {}): RunResult {
    const extra = Object.entries(envOverrides).map(([k, v]) => `${k}='${v}'\n`).join("");
    if (extra) writeFileSync(join(this.root, "etc/labyrinth/node.env"), this.read("/etc/labyrinth/node.env") + extra);
    writeFileSync(this.callsFile, "");
    const logPath = join(this.root, "var/log/labyrinth-bootstrap.log");
    const logBefore = existsSync(logPath) ? readFileSync(logPath, "utf8").length : 0;
    const result = spawnSync(join(this.root, "opt/labyrinth/bootstrap.sh"), [], {
      encoding: "utf8",
      env: {
        PATH: `${STAND_INS}:${process.env.PATH}`,
        LABYRINTH_ROOT: this.root,
        LABYRINTH_METADATA_URL: METADATA_URL,
        CALLS: this.callsFile,
        STUB_DIR: this.stub,
      },
    });
    return {
      status: result.status,
      output: result.stdout + result.stderr,
      log: existsSync(logPath) ? readFileSync(logPath, "utf8").slice(logBefore) : "",
      calls: readFileSync(this.callsFile, "utf8").split("\n").filter((line) => line !== ""),
    };
  }

  /** What a reboot does to the bootstrap's state: /run starts empty. */
  public reboot(): void {
    rmSync(join(this.root, "run"), { recursive: true, force: true });
  }

  public remove(): void {
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.stub, { recursive: true, force: true });
  }
}

/** The phases a run started, in order. */
export function phases(log: string): string[] {
  return [...log.matchAll(/phase ([a-z-]+): start/g)].map((m) => m[1]);
}
