import { ChildProcess, spawn } from "node:child_process";
import { createServer, Server } from "node:https";
import { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { TestPki } from "./test-pki";

/**
 * A stand-in Kubernetes API server on loopback, enough for the journey on the lab: pods (list,
 * read, create, delete), services, nodes, /readyz, and exec over WebSocket, negotiated as a real
 * API server since 1.30 does (v5.channel.k8s.io when offered, else v4): an empty frame on stdout
 * once the stream is up, the exit status on channel 3, then a normal close.
 * What an exec runs is up to `exec`: canned answers, or real commands (in the box's namespaces).
 */
export interface FakePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node: string;
  ip?: string;
  container: string;
  phase: string;
  ready: boolean;
  waitingReason?: string;
  unschedulable?: string;
}

export interface ExecRequest {
  readonly pod: FakePod;
  readonly container: string;
  readonly argv: string[];
  /** The subprotocol the stream was negotiated with. */
  readonly protocol: string;
}

/** What an exec does: write to stdout/stderr as it goes, then resolve with its exit code. */
export type ExecBackend = (request: ExecRequest, out: (data: Buffer) => void, err: (data: Buffer) => void) => Promise<number>;

export interface FakeClusterSpec {
  pods: FakePod[];
  services: { namespace: string; name: string; clusterIP: string; ports: { name: string; port: number; targetPort: number; protocol: string }[] }[];
  nodes: { name: string; internalIP: string }[];
  exec: ExecBackend;
  /** What a created capture pod looks like on its first reads (default: Running). */
  newPod?: (pod: FakePod, reads: number) => Partial<FakePod>;
  /** Refuse pod creation with this HTTP status. */
  createStatus?: number;
  /** How an exec ends instead of with its status: "no-status" closes the stream without one (a pod or a connection that went away). */
  execEnds?: (request: ExecRequest) => "no-status" | undefined;
  /** Refuse an exec's WebSocket upgrade with this HTTP status: the stream never opens. */
  refuseExec?: (argv: string[]) => number | undefined;
}

export interface FakeCluster {
  readonly url: string;
  readonly created: FakePod[];
  readonly deleted: string[];
  readonly execs: ExecRequest[];
  /** Resolves once `count` pods have been created. */
  createdAtLeast(count: number): Promise<void>;
  close(): Promise<void>;
}

function podJson(p: FakePod) {
  return {
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: { nodeName: p.node, containers: [{ name: p.container }] },
    status: {
      phase: p.phase,
      podIP: p.ip,
      conditions: [
        { type: "Ready", status: p.ready ? "True" : "False" },
        ...(p.unschedulable ? [{ type: "PodScheduled", status: "False", message: p.unschedulable }] : []),
      ],
      containerStatuses: [{ name: p.container, state: p.waitingReason ? { waiting: { reason: p.waitingReason } } : { running: {} } }],
    },
  };
}

function matches(p: FakePod, query: URLSearchParams): boolean {
  const labels = query.get("labelSelector");
  const fields = query.get("fieldSelector");
  if (labels && !labels.split(",").every((term) => { const [k, v] = term.split("="); return p.labels[k] === v; })) return false;
  if (fields && fields !== `spec.nodeName=${p.node}`) return false;
  return true;
}

export async function fakeCluster(spec: FakeClusterSpec, pki: TestPki): Promise<FakeCluster> {
  const created: FakePod[] = [];
  const deleted: string[] = [];
  const execs: ExecRequest[] = [];
  const reads = new Map<string, number>();
  const waiting: { count: number; resolve: () => void }[] = [];
  const pods = spec.pods;
  const find = (namespace: string, name: string) => pods.find((p) => p.namespace === namespace && p.name === name);

  const server: Server = createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://x");
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(typeof json === "string" ? json : JSON.stringify(json));
      };
      const notFound = () => send(404, { kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
      let m: RegExpExecArray | null;
      if (url.pathname === "/readyz") return send(200, "ok");
      if (url.pathname === "/api/v1/nodes") {
        return send(200, { kind: "NodeList", items: spec.nodes.map((n) => ({ metadata: { name: n.name }, status: { addresses: [{ type: "InternalIP", address: n.internalIP }] } })) });
      }
      if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(url.pathname))) {
        const s = spec.services.find((x) => x.namespace === m![1] && x.name === m![2]);
        return s ? send(200, { metadata: { name: s.name, namespace: s.namespace }, spec: { clusterIP: s.clusterIP, ports: s.ports } }) : notFound();
      }
      if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname))) {
        if (req.method === "POST") {
          if (spec.createStatus) return send(spec.createStatus, { kind: "Status", status: "Failure", code: spec.createStatus, message: "pods is forbidden" });
          const manifest = JSON.parse(body);
          const pod: FakePod = {
            namespace: m[1],
            name: manifest.metadata.name,
            labels: manifest.metadata.labels ?? {},
            node: manifest.spec.nodeName,
            container: manifest.spec.containers[0].name,
            phase: "Running",
            ready: true,
          };
          (pod as FakePod & { manifest?: unknown }).manifest = manifest;
          created.push(pod);
          pods.push(pod);
          for (const w of waiting.filter((w) => created.length >= w.count)) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve();
          }
          return send(201, podJson(pod));
        }
        return send(200, { kind: "PodList", items: pods.filter((p) => p.namespace === m![1] && matches(p, url.searchParams)).map(podJson) });
      }
      if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname))) {
        const pod = find(m[1], m[2]);
        if (!pod) return notFound();
        if (req.method === "DELETE") {
          deleted.push(`${pod.namespace}/${pod.name}`);
          pods.splice(pods.indexOf(pod), 1);
          return send(200, podJson(pod));
        }
        const n = (reads.get(pod.name) ?? 0) + 1;
        reads.set(pod.name, n);
        const view = created.includes(pod) && spec.newPod ? { ...pod, ...spec.newPod(pod, n) } : pod;
        return send(200, podJson(view));
      }
      notFound();
    });
  });

  // The API server's stream translator serves only v5; without v5 on offer, the legacy path speaks v4.
  const handleProtocols = (offered: Set<string>) => ["v5.channel.k8s.io", "v4.channel.k8s.io"].find((p) => offered.has(p)) ?? false;
  const verifyClient = (info: { req: { url?: string } }, done: (ok: boolean, code?: number) => void) => {
    const refused = spec.refuseExec?.(new URL(info.req.url ?? "/", "https://x").searchParams.getAll("command"));
    done(refused === undefined, refused);
  };
  const sockets = new WebSocketServer({ server, handleProtocols, verifyClient });
  sockets.on("connection", (socket: WebSocket, req) => {
    const url = new URL(req.url ?? "/", "https://x");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const pod = m ? find(m[1], m[2]) : undefined;
    const frame = (channel: number, data: Buffer | string) => socket.readyState === WebSocket.OPEN && socket.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    // A v5 client may half-close its stdin ([255, 0]); there is no stdin here to close.
    socket.on("message", () => undefined);
    if (!pod) {
      frame(3, JSON.stringify({ status: "Failure", message: "pod not found" }));
      return socket.close(1000);
    }
    const request = { pod, container: url.searchParams.get("container") ?? pod.container, argv: url.searchParams.getAll("command"), protocol: socket.protocol };
    execs.push(request);
    frame(1, "");
    spec.exec(request, (d) => frame(1, d), (d) => frame(2, d)).then((code) => {
      if (spec.execEnds?.(request) === "no-status") return socket.terminate();
      frame(3, JSON.stringify(code === 0 ? { status: "Success" } : { status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: String(code) }] } }));
      socket.close(1000);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    created,
    deleted,
    execs,
    createdAtLeast: (count) => (created.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    close: () =>
      new Promise((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
      }),
  };
}

/**
 * An exec backend that runs the command for real, in a network namespace chosen per pod. The
 * capture pod has nsenter: into a probe pod's network by a pid, for real; into the host's own
 * namespaces (`nsenter -t 1`), which here is the node's namespace, not this machine's.
 */
export function realExec(netnsOf: (request: ExecRequest) => string): ExecBackend {
  return (request, out, err) =>
    new Promise((resolve) => {
      const host = request.argv[0] === "nsenter" && request.argv[1] === "-t" && request.argv[2] === "1";
      const argv = host ? request.argv.slice(request.argv.indexOf("-n") + 1) : request.argv;
      const child: ChildProcess = spawn("ip", ["netns", "exec", netnsOf(request), ...argv], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.on("data", out);
      child.stderr!.on("data", err);
      child.on("close", (code) => resolve(code ?? 1));
    });
}
