import { checkListeners } from "../journey/listener";
import { articlePlan } from "./fixtures/article-captures";
import { ok, standInExecutor } from "./support/stand-in-executor";

// Whether something listens in the server pod before the trigger, and what is done when nothing does.

const plan = articlePlan();
const server = "wrk-2/node-wrk-2-ubuntu24";
const ss = (protocol: "t" | "u") => new RegExp(`^pod ${server}: ss -H -l -n -${protocol} sport = :9999$`);
const listening = ok("LISTEN 0 5 0.0.0.0:9999 0.0.0.0:*\n");
const nothing = ok("");
const options = (startEcho: boolean) => ({ startEcho, timeoutMs: 1000 });

test("something listens: nothing is started, nothing is said", async () => {
  const { executor, calls } = standInExecutor([[ss("t"), listening]]);
  expect(await checkListeners(executor, plan, ["tcp"], options(true))).toEqual({ started: [], notes: [] });
  expect(calls).toEqual([`pod ${server}: ss -H -l -n -t sport = :9999`]);
});

test("nothing listens, and the run may not start an echo (the box): it says so plainly", async () => {
  const { executor, calls } = standInExecutor([[ss("t"), nothing]]);
  const { started, notes } = await checkListeners(executor, plan, ["tcp"], options(false));
  expect(started).toEqual([]);
  expect(notes).toEqual([`nothing listens on tcp 9999 in the server pod ${server}: the trigger's TCP is answered by the pod's kernel, not by an echo`]);
  expect(calls.some((c) => c.startsWith("start"))).toBe(false);
});

test("nothing listens on the lab: an echo of its own in the server pod, per protocol, for the run", async () => {
  const { executor, calls } = standInExecutor([[ss("t"), nothing], [ss("u"), nothing], [/^start /, ok("")]]);
  const { started, notes } = await checkListeners(executor, { ...plan, exchanges: [...plan.exchanges, { ...plan.exchanges[1], label: "UDP", protocol: "udp" }] }, ["tcp", "udp"], options(true));
  expect(calls.filter((c) => c.startsWith("start"))).toEqual([
    `start pod ${server}: socat -d -d TCP-LISTEN:9999,fork,reuseaddr PIPE`,
    `start pod ${server}: socat -d -d UDP-RECVFROM:9999,fork PIPE`,
  ]);
  expect(started).toHaveLength(2);
  expect(notes[0]).toBe(`nothing listened on tcp 9999 in the server pod ${server} (LABYRINTH_PROBE_LISTENER=false leaves it to nc -l): the journey ran an echo of its own there for this run`);
  await Promise.all(started.map((r) => r.stop()));
  expect(calls.filter((c) => c.startsWith("stop"))).toHaveLength(2);
});

test("an echo that does not start is stopped, and the reason said", async () => {
  const { executor, calls } = standInExecutor([[ss("t"), nothing], [/^start /, { status: 127, stdout: "", stderr: "socat: not found" }]]);
  const { started, notes } = await checkListeners(executor, plan, ["tcp"], options(true));
  expect(started).toEqual([]);
  expect(notes).toEqual([`nothing listens on tcp 9999 in the server pod ${server}, and the journey's own echo did not start: socat: not found`]);
  expect(calls).toContain(`stop pod ${server}: socat -d -d TCP-LISTEN:9999,fork,reuseaddr PIPE`);
});

test("ss that fails: said, and nothing assumed", async () => {
  const { executor } = standInExecutor([[ss("t"), { status: 1, stdout: "", stderr: "Cannot open netlink socket" }]]);
  expect((await checkListeners(executor, plan, ["tcp"], options(true))).notes).toEqual([
    `could not tell whether anything listens on tcp 9999 in the server pod ${server}: ss said Cannot open netlink socket`,
  ]);
});
