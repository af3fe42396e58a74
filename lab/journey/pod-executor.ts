import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { DEFAULTS } from "../../model/defaults";
import { ClusterApi, httpStatus } from "../cluster-api";
import { ExecResult, Executor, expectSuccess, Running } from "../../journey/executor";
import { FIND_POD_PID, inPodNetwork } from "./pod-netns";

/** The probes' image: it has tshark, dumpcap, nsenter and iptables. */
export const DEFAULT_CAPTURE_IMAGE: string = DEFAULTS.probeImage;
export const CAPTURE_NAMESPACE = "kube-system";

/** A container to exec in: `namespace/pod`, and which container. */
interface Target {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** A stream that keeps what it is given; `onData` sees all of it so far after each write. */
function sink(onData?: (all: string) => void): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const text = () => Buffer.concat(chunks).toString("utf8");
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      onData?.(text());
      done();
    },
  });
  return { stream, text };
}

/**
 * The journey's executor for the deployed lab, with no SSH: a short-lived privileged capture pod
 * per node (hostNetwork, hostPID, pinned to the node) runs dumpcap, tshark, ip and, through
 * `nsenter -t 1`, the host's own iptables; bpftool, cilium-dbg and hubble come from the node's
 * Cilium agent. A probe pod's commands run from the capture pod too, in the pod's network
 * namespace (nsenter), with the capture image's tools: the probe's image needs none.
 * Every command goes over the Kubernetes API's exec. `close()` deletes the capture pods.
 */
export class PodExecutor implements Executor {
  readonly hasAgent = true;
  private readonly capturePods = new Map<string, string>();
  /** The probe pods' nodes and addresses, by `namespace/name`. */
  private readonly pods = new Map<string, { node: string; address: string }>();
  /** A process in each probe pod's network namespace, found once. */
  private readonly pids = new Map<string, Promise<number>>();
  private readonly run = randomBytes(3).toString("hex");
  /** Creations under way, which close() waits for. */
  private readonly creating: Promise<unknown>[] = [];
  private closing?: Promise<{ pod: string; why: string }[]>;

  constructor(
    private readonly api: ClusterApi,
    private readonly image = DEFAULT_CAPTURE_IMAGE,
    private readonly timeoutMs = 120_000,
  ) {}

  /** Where a pod (`namespace/name`) runs and its address, for inPod and startInPod. */
  registerPod(pod: string, node: string, address: string): void {
    this.pods.set(pod, { node, address });
  }

  /** Creates one capture pod per node and waits until all run. */
  async open(nodes: string[]): Promise<void> {
    await this.sweep();
    for (const node of nodes) {
      const name = `labyrinth-capture-${this.run}-${node}`.slice(0, 63).replace(/-+$/, "");
      const pod: V1Pod = {
        metadata: { name, labels: { "app.kubernetes.io/name": "labyrinth-capture", "labyrinth/run": this.run } },
        spec: {
          nodeName: node,
          hostNetwork: true,
          hostPID: true,
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 0,
          // If this run dies without deleting it (a kill -9, a lost connection), it ends by itself.
          activeDeadlineSeconds: 3600,
          // Runs on the control plane too, for a lab whose pods sit there.
          tolerations: [{ operator: "Exists" }],
          containers: [{ name: "capture", image: this.image, command: ["sleep", "3600"], securityContext: { privileged: true } }],
        },
      };
      // Once closing, nothing more is made: the pods made so far are being deleted.
      if (this.closing) throw new Error("the journey was stopped while its capture pods were being made");
      // Known before it exists: a Ctrl-C during the request still deletes it.
      this.capturePods.set(node, name);
      const creation = this.api.core.createNamespacedPod({ namespace: CAPTURE_NAMESPACE, body: pod });
      this.creating.push(creation);
      try {
        await creation;
      } catch (error) {
        const code = httpStatus(error);
        throw new Error(
          code === 403
            ? `not allowed to create the privileged capture pod in ${CAPTURE_NAMESPACE} on ${node}: the journey needs the lab's admin kubeconfig (or RBAC to create privileged pods)`
            : `could not create the capture pod on ${node}: ${error instanceof Error ? error.message.split("\n")[0] : error}`,
        );
      }
    }
    await Promise.all([...this.capturePods].map(([node, name]) => this.waitRunning(node, name)));
  }

  /** Deletes the capture pods of earlier runs that have ended (their deadline passed). */
  private async sweep(): Promise<void> {
    const old = await this.api.core.listNamespacedPod({ namespace: CAPTURE_NAMESPACE, labelSelector: "app.kubernetes.io/name=labyrinth-capture" });
    for (const pod of old.items.filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed")) {
      await this.api.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: CAPTURE_NAMESPACE }).catch(() => undefined);
    }
  }

  private async waitRunning(node: string, name: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const pod = await this.api.core.readNamespacedPod({ name, namespace: CAPTURE_NAMESPACE });
      if (pod.status?.phase === "Running") return;
      const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting && /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(waiting.reason ?? "")) {
        throw new Error(`the capture pod on ${node} cannot pull ${this.image} (${waiting.reason}): check the image, or the node's access to its registry`);
      }
      if (pod.status?.phase === "Failed" || Date.now() > deadline) {
        throw new Error(`the capture pod on ${node} is not running after ${Math.round(this.timeoutMs / 1000)}s (${pod.status?.phase}${waiting?.reason ? `, ${waiting.reason}` : ""})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Deletes the capture pods and waits for the deletes; lists the ones it could not delete. Every
   * call returns the same promise: a Ctrl-C during the normal cleanup waits for it, never cuts it
   * short. A pod whose creation is under way is waited for, then deleted.
   */
  close(): Promise<{ pod: string; why: string }[]> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.creating);
      const results = await Promise.all(
        [...this.capturePods.values()].map((name) =>
          this.api.core.deleteNamespacedPod({ name, namespace: CAPTURE_NAMESPACE, gracePeriodSeconds: 0 }).then(
            () => [] as { pod: string; why: string }[],
            (error: unknown) => (httpStatus(error) === 404 ? [] : [{ pod: `${CAPTURE_NAMESPACE}/${name}`, why: error instanceof Error ? error.message.split("\n")[0] : String(error) }]),
          ),
        ),
      );
      return results.flat();
    })();
    return this.closing;
  }

  private captureTarget(node: string): Target {
    const pod = this.capturePods.get(node);
    if (!pod) throw new Error(`no capture pod on ${node}`);
    return { namespace: CAPTURE_NAMESPACE, pod, container: "capture" };
  }

  private async ciliumTarget(node: string): Promise<Target> {
    const pods = await this.api.core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app=cilium", fieldSelector: `spec.nodeName=${node}` });
    const pod = pods.items[0]?.metadata?.name;
    if (!pod) throw new Error(`no Cilium agent on ${node} (kubectl -n kube-system get pods -l k8s-app=cilium -o wide)`);
    return { namespace: "kube-system", pod, container: "cilium-agent" };
  }

  /**
   * Runs a command over exec. Never rejects: a stream that could not open, or that closed without
   * the API server's status frame (the pod or the connection went away), is a failure that says so;
   * only the status frame says a command succeeded.
   */
  private exec(target: Target, argv: string[], onStderr?: (text: string) => void): Promise<ExecResult> {
    const out = sink();
    const err = sink(onStderr);
    let ended: { status: number; message: string } | undefined;
    const exec = new this.api.k8s.Exec(this.api.config);
    const where = `${target.namespace}/${target.pod}`;
    return exec
      .exec(target.namespace, target.pod, target.container, argv, out.stream, err.stream, null, false, (s) => {
        // When the command could not even start, only the API's message says why.
        ended = s.status === "Success" ? { status: 0, message: "" } : { status: Number(s.details?.causes?.find((c) => c.reason === "ExitCode")?.message ?? 1), message: s.message ?? "" };
      })
      .then(
        (socket) =>
          new Promise<ExecResult>((resolve) =>
            socket.on("close", (code: number) =>
              resolve(
                ended
                  ? { status: ended.status, stdout: out.text(), stderr: err.text() || ended.message }
                  : { status: -1, stdout: out.text(), stderr: `${err.text()}the exec in ${where} ended without an exit status (WebSocket closed, code ${code}): the pod or the connection went away` },
              ),
            ),
          ),
        // The WebSocket's error event, not an Error: its message says why ("Unexpected server response: 403").
        (error: { message?: string }) => ({ status: -1, stdout: "", stderr: `the exec in ${where} could not start: ${error?.message ?? String(error)}` }),
      );
  }

  async onNode(node: string, argv: string[]): Promise<ExecResult> {
    return this.exec(this.captureTarget(node), argv);
  }

  async onAgent(node: string, argv: string[]): Promise<ExecResult> {
    return this.exec(await this.ciliumTarget(node), argv);
  }

  startOnNode(node: string, argv: string[]): Running {
    const target = this.captureTarget(node);
    const pidFile = `/tmp/labyrinth-${randomBytes(4).toString("hex")}.pid`;
    let stderr = "";
    let ended: ExecResult | undefined;
    // exec cannot send a signal: the command records its pid, and stop() kills it by that.
    const done = this.exec(target, ["sh", "-c", `echo $$ > ${pidFile}; exec "$@"`, "sh", ...argv], (text) => (stderr = text));
    void done.then((result) => (ended = result));
    return {
      ready: async (pattern, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(stderr)) {
          if (ended) throw new Error(ended.stderr.trim() || `it exited (${ended.status})`);
          if (Date.now() > deadline) throw new Error(`no "${pattern.source}" within ${timeoutMs} ms: ${stderr.trim() || "no output"}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      stop: async () => {
        if (!ended) await this.exec(target, ["sh", "-c", `kill -INT "$(cat ${pidFile})"; rm -f ${pidFile}`]);
        return done;
      },
    };
  }

  /** The node a pod runs on, and a command line that runs `argv` in its network namespace from there. */
  private async enterPod(pod: string, argv: string[]): Promise<{ node: string; argv: string[] }> {
    const found = this.pods.get(pod);
    if (!found) throw new Error(`no node known for ${pod}`);
    if (!this.pids.has(pod)) {
      const lookup = this.onNode(found.node, ["sh", "-c", FIND_POD_PID, "find-pod-pid", found.address]);
      this.pids.set(pod, lookup.then((r) => Number(expectSuccess(`finding ${pod} (${found.address}) on ${found.node}`, r).stdout.trim())));
    }
    return { node: found.node, argv: inPodNetwork(await this.pids.get(pod)!, argv) };
  }

  async inPod(pod: string, argv: string[]): Promise<ExecResult> {
    const entered = await this.enterPod(pod, argv);
    return this.onNode(entered.node, entered.argv);
  }

  startInPod(pod: string, argv: string[]): Running {
    const running = this.enterPod(pod, argv).then((entered) => this.startOnNode(entered.node, entered.argv));
    return {
      ready: async (pattern, timeoutMs) => (await running).ready(pattern, timeoutMs),
      stop: () => running.then((r) => r.stop(), (error: Error) => ({ status: -1, stdout: "", stderr: error.message })),
    };
  }

  async scratchDir(node: string): Promise<string> {
    return expectSuccess(`mktemp on ${node}`, await this.onNode(node, ["mktemp", "-d", "/tmp/labyrinth-journey.XXXXXX"])).stdout.trim();
  }

  async readFile(node: string, path: string): Promise<Buffer> {
    return Buffer.from(expectSuccess(`reading ${path} on ${node}`, await this.onNode(node, ["base64", "-w0", path])).stdout, "base64");
  }
}
