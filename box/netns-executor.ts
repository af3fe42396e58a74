import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ExecResult, Executor, Running } from "../journey/executor";
import { ownedEnv } from "./processes";
import { boxPaths } from "./state";
import { BoxTopology } from "./topology";

function spawnCollect(prefix: string, children: Set<ChildProcess>, argv: string[]) {
  // Owned by the box: if this process dies, teardown still finds a capture left running.
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: ownedEnv(prefix) });
  children.add(child);
  child.on("close", () => children.delete(child));
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<ExecResult>((resolve) => {
    child.on("error", (error) => resolve({ status: -1, stdout, stderr: stderr + error.message }));
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

/** The journey's executor for the box: nodes and pods are network namespaces on this machine. */
export class NetnsExecutor implements Executor {
  readonly hasAgent = false;
  /** What this run still has running (captures, the trigger's commands). */
  private readonly children = new Set<ChildProcess>();
  /** This run's captures, in a folder of its own: another run on the same box has its own. */
  private readonly scratch: string;

  constructor(private readonly topology: BoxTopology) {
    this.scratch = join(boxPaths(topology.prefix).dir, "captures", String(process.pid));
  }

  /** Stops what this run started and removes its captures: on a box that stays up, nothing of the run is left. Synchronous, for a signal handler. */
  close(): void {
    for (const child of this.children) child.kill("SIGKILL");
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private nodeNetns(node: string): string {
    const found = this.topology.nodes.find((n) => n.name === node);
    if (!found) throw new Error(`the box has no node ${node}`);
    return found.netns;
  }

  async onNode(node: string, argv: string[]): Promise<ExecResult> {
    return spawnCollect(this.topology.prefix, this.children, ["ip", "netns", "exec", this.nodeNetns(node), ...argv]).done;
  }

  /** The box has no Cilium agent: its node has the tools. */
  onAgent(node: string, argv: string[]): Promise<ExecResult> {
    return this.onNode(node, argv);
  }

  startOnNode(node: string, argv: string[]): Running {
    return this.start(this.nodeNetns(node), argv);
  }

  startInPod(pod: string, argv: string[]): Running {
    return this.start(this.podNetns(pod), argv);
  }

  private start(netns: string, argv: string[]): Running {
    const run = spawnCollect(this.topology.prefix, this.children, ["ip", "netns", "exec", netns, ...argv]);
    let ended = false;
    run.done.then(() => (ended = true));
    return {
      ready: (pattern, timeoutMs) =>
        new Promise<void>((resolve, reject) => {
          const deadline = Date.now() + timeoutMs;
          const poll = () => {
            if (pattern.test(run.stderr())) return resolve();
            if (ended) return reject(new Error(run.stderr().trim() || "it exited"));
            if (Date.now() > deadline) return reject(new Error(`no "${pattern.source}" within ${timeoutMs} ms`));
            setTimeout(poll, 20);
          };
          poll();
        }),
      stop: () => {
        if (!ended) run.child.kill("SIGINT");
        return run.done;
      },
    };
  }

  private podNetns(pod: string): string {
    const [namespace, name] = pod.split("/");
    const found = this.topology.pods.find((p) => p.namespace === namespace && p.name === name);
    if (!found) throw new Error(`the box has no pod ${pod}`);
    return found.netns;
  }

  async inPod(pod: string, argv: string[]): Promise<ExecResult> {
    return spawnCollect(this.topology.prefix, this.children, ["ip", "netns", "exec", this.podNetns(pod), ...argv]).done;
  }

  async scratchDir(): Promise<string> {
    mkdirSync(this.scratch, { recursive: true });
    return this.scratch;
  }

  async readFile(_node: string, path: string): Promise<Buffer> {
    return readFileSync(path);
  }
}
