/**
 * How the journey reaches the machines it traces, and where each command runs: on a node's host,
 * in the node's Cilium agent, or in a pod. The box runs them in network namespaces (`ip netns
 * exec`); the deployed lab in short-lived capture pods, the agent's container and the probe pods
 * (exec over the Kubernetes API). The plan, the capture, the trigger and the analyzer only see this.
 */
export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command left running on a node, such as a capture. */
export interface Running {
  /** Resolves once the command's standard error shows `pattern` (dumpcap's "File:"). */
  ready(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Interrupts it (SIGINT, as Ctrl-C would) and waits for it to end. */
  stop(): Promise<ExecResult>;
}

export interface Executor {
  /** Whether the nodes run a Cilium agent (cilium-dbg, Hubble); the box has none. */
  readonly hasAgent: boolean;
  /** Runs a command on a node's host network (the node's namespace, or a hostNetwork pod). */
  onNode(node: string, argv: string[]): Promise<ExecResult>;
  /** Runs a command where the node's Cilium agent runs, with its tools (bpftool); the box has no agent: its node. */
  onAgent(node: string, argv: string[]): Promise<ExecResult>;
  /** Starts a long-running command on a node. */
  startOnNode(node: string, argv: string[]): Running;
  /**
   * Runs a command inside a pod's (`namespace/name`) network, with the pod's resolv.conf, and
   * with this side's tools, not the pod image's: `ip netns exec` in the box; on the lab, nsenter
   * from the node's capture pod.
   */
  inPod(pod: string, argv: string[]): Promise<ExecResult>;
  /** Starts a long-running command inside a pod's network, as inPod runs one. */
  startInPod(pod: string, argv: string[]): Running;
  /** A folder on the node for capture files. */
  scratchDir(node: string): Promise<string>;
  /** A file from a node, for --pcap-dir. */
  readFile(node: string, path: string): Promise<Buffer>;
}

/** Throws unless a command run through an executor succeeded. */
export function expectSuccess(what: string, result: ExecResult): ExecResult {
  if (result.status !== 0) {
    const said = (result.stderr || result.stdout).trim().split("\n").slice(-1)[0];
    throw new Error(`${what} failed (exit ${result.status}${result.status === 127 ? ", command not found" : ""})${said ? `: ${said}` : ""}`);
  }
  return result;
}

/** A command's output, or one line saying where and how it failed. */
export async function outputOf(run: Promise<ExecResult>, what: string, node: string): Promise<{ stdout: string } | { error: string }> {
  const result = await run.catch((error: Error) => ({ status: -1, stdout: "", stderr: error.message }));
  if (result.status === 0) return { stdout: result.stdout };
  return { error: `${what} failed on ${node}: ${(result.stderr || result.stdout).trim().split("\n").pop() || `exit ${result.status}`}` };
}
