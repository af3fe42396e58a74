import { createServer, Server } from "node:https";
import { AddressInfo } from "node:net";
import { TestPki } from "./test-pki";

export type Handler = (path: string, clientCertificate: boolean) => { status: number; body: string | object };

export interface StandInApi {
  readonly url: string;
  /** Requests per path (without the query). */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A stand-in Kubernetes API server on loopback, serving with `serverPki`'s certificate and asking
 * for a client certificate signed by `clientCa`: each GET is answered by `handler`.
 */
export async function standInApi(handler: Handler, serverPki: TestPki, clientCa = serverPki.ca): Promise<StandInApi> {
  const hits = new Map<string, number>();
  const server: Server = createServer({ cert: serverPki.serverCert, key: serverPki.serverKey, ca: clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const path = req.url ?? "/";
    const bare = path.split("?")[0];
    hits.set(bare, (hits.get(bare) ?? 0) + 1);
    const authorized = (req.socket as { authorized?: boolean }).authorized === true;
    const { status, body } = handler(path, authorized);
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A kubeconfig for the stand-in, as the infrastructure stack's output would be. */
export function kubeconfigFor(url: string, pki: TestPki): string {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `  - name: labyrinth`,
    `    cluster: { server: "${url}", certificate-authority-data: ${b64(pki.ca)} }`,
    "users:",
    "  - name: labyrinth-admin",
    `    user: { client-certificate-data: ${b64(pki.clientCert)}, client-key-data: ${b64(pki.clientKey)} }`,
    "contexts:",
    "  - name: labyrinth",
    "    context: { cluster: labyrinth, user: labyrinth-admin }",
    "current-context: labyrinth",
    "",
  ].join("\n");
}
