import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface ComputeRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: any;
}

export type ComputeHandler = (request: ComputeRequest) => { status: number; body: object } | undefined;

export interface StandInCompute {
  /** The Compute API's base, as the removal script takes it. */
  readonly api: string;
  /** An application-default credentials file whose token comes from this stand-in. */
  readonly credentials: object;
  /** Every Compute API request, in order (token exchanges apart). */
  readonly requests: ComputeRequest[];
  close(): Promise<void>;
}

export const ACCESS_TOKEN = "stand-in-access-token";

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

/**
 * A stand-in for the Compute API on loopback, with a token endpoint of its own: the credentials it
 * hands out are an external account whose token_url is this server, so google-auth-library does
 * its real token exchange here. Compute requests are recorded and answered by `handler`
 * (404 when it returns undefined).
 */
export async function standInCompute(handler: ComputeHandler, subjectTokenFile: string): Promise<StandInCompute> {
  const requests: ComputeRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/token") {
      return reply(200, { access_token: ACCESS_TOKEN, issued_token_type: "urn:ietf:params:oauth:token-type:access_token", token_type: "Bearer", expires_in: 3600 });
    }
    const request = { method: req.method ?? "GET", path: req.url ?? "/", authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
    requests.push(request);
    const answer = handler(request) ?? { status: 404, body: { error: { code: 404, message: `no ${request.path}` } } };
    reply(answer.status, answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    api: `${base}/compute/v1`,
    credentials: {
      type: "external_account",
      audience: "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/lab/providers/stand-in",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${base}/token`,
      credential_source: { file: subjectTokenFile },
    },
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
