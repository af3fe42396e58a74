import { createSocket } from "node:dgram";
import { AddressInfo, createServer, Server } from "node:net";
import { Executor } from "../journey/executor";
import { CapturePlan } from "../journey/plan";
import { trigger } from "../journey/trigger";
import { requireTool } from "./support/tools";
import { runHere } from "./support/run-here";

// The trigger's own commands (getent, socat), run for real against echoes on loopback that answer
// late: an answer that comes back within the trigger's bound counts, whatever socat's defaults.
requireTool("socat");

/** Runs what the trigger asks of the client pod on this machine. */
const local: Executor = {
  inPod: (_pod, argv) => runHere(argv),
  onNode: () => Promise.reject(new Error("not used")),
  onAgent: () => Promise.reject(new Error("not used")),
  startOnNode: () => {
    throw new Error("not used");
  },
  startInPod: () => {
    throw new Error("not used");
  },
  hasAgent: false,
  scratchDir: () => Promise.reject(new Error("not used")),
  readFile: () => Promise.reject(new Error("not used")),
};

const planFor = (port: number) => ({ client: { pod: "wrk-1/client" }, target: { name: "localhost", service: { address: "127.0.0.1", port } } }) as unknown as CapturePlan;

/** A TCP and a UDP echo on one free loopback port, each answering `delayMs` after it was sent to. */
async function lateEcho(delayMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  // Half-open: the client sends its line and shuts its side, as socat does; the answer comes later.
  const tcp: Server = createServer({ allowHalfOpen: true }, (socket) => socket.once("data", (data) => setTimeout(() => socket.end(data), delayMs)));
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const port = (tcp.address() as AddressInfo).port;
  const udp = createSocket("udp4");
  udp.on("message", (data, from) => setTimeout(() => udp.send(data, from.port, from.address), delayMs));
  await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", resolve));
  return { port, close: () => new Promise((resolve) => udp.close(() => tcp.close(() => resolve()))) };
}

test("an echo that comes back a second and more after the send is received, over TCP and UDP", async () => {
  const echo = await lateEcho(1200);
  try {
    const fired = await trigger(local, planFor(echo.port), { protocols: ["tcp", "udp"], size: 600 });
    expect(fired.resolved).toBe("127.0.0.1");
    expect(fired.deliveries.map((d) => [d.protocol, d.ok, d.sent.length + 1])).toEqual([
      ["tcp", true, 600],
      ["udp", true, 600],
    ]);
  } finally {
    await echo.close();
  }
});

test("nothing listening: TCP says the connection was refused, UDP gets nothing back", async () => {
  const echo = await lateEcho(0);
  const { port } = echo;
  await echo.close();
  const fired = await trigger(local, planFor(port), { protocols: ["tcp", "udp"] });
  expect(fired.deliveries).toEqual([
    expect.objectContaining({ protocol: "tcp", ok: false, error: "Connection refused" }),
    expect.objectContaining({ protocol: "udp", ok: false }),
  ]);
});

test("the lookup and the echoes go side by side: every one is under way before the first ends", async () => {
  const echo = await lateEcho(300);
  const started: string[] = [];
  let ended = -1;
  const watching: Executor = {
    ...local,
    inPod: async (pod, argv) => {
      started.push(argv.includes("getent") ? "lookup" : argv.at(-1)!.split(":")[0].toLowerCase());
      const result = await local.inPod(pod, argv);
      if (ended < 0) ended = started.length;
      return result;
    },
  };
  try {
    const fired = await trigger(watching, planFor(echo.port), { protocols: ["tcp", "udp"] });
    expect(fired.deliveries.every((d) => d.ok)).toBe(true);
    expect(started.sort()).toEqual(["lookup", "tcp", "udp"]);
    expect(ended).toBe(3);
  } finally {
    await echo.close();
  }
});
