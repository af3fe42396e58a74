import { ClusterApi } from "../lab/cluster-api";
import { PodExecutor } from "../lab/journey/pod-executor";

// The capture pods' lifecycle against a stand-in for the API client: every request recorded, each
// answered when the test says so, so that the order of events is the test's, not the clock's.

/** A request the test answers by hand. */
interface Held {
  readonly call: string;
  readonly answer: (value?: unknown) => void;
  readonly fail: (error: unknown) => void;
}

function standInApi() {
  const calls: string[] = [];
  const held: Held[] = [];
  const waiters: { call: RegExp; resolve: (h: Held) => void }[] = [];
  const hold = (call: string) =>
    new Promise((answer, fail) => {
      calls.push(call);
      const h = { call, answer, fail };
      held.push(h);
      for (const w of waiters.filter((w) => w.call.test(call))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(h);
      }
    });
  const core = {
    listNamespacedPod: async () => ({ items: [] }),
    createNamespacedPod: ({ body }: { body: { metadata: { name: string } } }) => hold(`create ${body.metadata.name}`),
    readNamespacedPod: async () => ({ status: { phase: "Running" } }),
    deleteNamespacedPod: ({ name }: { name: string }) => hold(`delete ${name}`),
  };
  /** Resolves with the first request matching `call`, made so far or still to come. */
  const request = (call: RegExp) => new Promise<Held>((resolve) => {
    const made = held.find((h) => call.test(h.call));
    if (made) resolve(made);
    else waiters.push({ call, resolve });
  });
  return { api: { core } as unknown as ClusterApi, calls, request };
}

/** Whether a promise has settled, after every callback already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/** An executor whose two capture pods were made. */
async function opened(api: ReturnType<typeof standInApi>["api"], request: ReturnType<typeof standInApi>["request"]): Promise<PodExecutor> {
  const executor = new PodExecutor(api);
  const opening = executor.open(["node-1", "node-2"]);
  (await request(/^create .*node-1$/)).answer();
  (await request(/^create .*node-2$/)).answer();
  await opening;
  return executor;
}

test("a second close() while the first deletes returns the same promise, which waits for the deletes", async () => {
  const { api, request } = standInApi();
  const executor = await opened(api, request);
  const first = executor.close();
  const second = executor.close();
  expect(second).toBe(first);
  const deletes = [await request(/^delete .*node-1$/), await request(/^delete .*node-2$/)];
  expect(await settled(second)).toBe(false);
  deletes[0].answer();
  expect(await settled(second)).toBe(false);
  deletes[1].answer();
  expect(await second).toEqual([]);
});

test("close() during a creation waits for it, deletes that pod too, and no further pod is made", async () => {
  const { api, calls, request } = standInApi();
  const executor = new PodExecutor(api);
  const opening = executor.open(["node-1", "node-2"]);
  const creation = await request(/^create .*node-1$/);
  const closing = executor.close();
  await new Promise((resolve) => setImmediate(resolve));
  // The pod may exist once the request is answered: nothing is deleted before that.
  expect(calls.filter((c) => c.startsWith("delete"))).toEqual([]);
  creation.answer();
  (await request(/^delete .*node-1$/)).answer();
  expect(await closing).toEqual([]);
  await expect(opening).rejects.toThrow("the journey was stopped while its capture pods were being made");
  expect(calls.filter((c) => c.startsWith("create"))).toHaveLength(1);
});

test("a delete that fails is reported with the pod's name; a pod already gone is not", async () => {
  const { api, request } = standInApi();
  const executor = await opened(api, request);
  const closing = executor.close();
  (await request(/^delete .*node-1$/)).fail(Object.assign(new Error("HTTP-Code: 404\nnot found"), { code: 404 }));
  (await request(/^delete .*node-2$/)).fail(Object.assign(new Error("HTTP-Code: 503\nunavailable"), { code: 503 }));
  expect(await closing).toEqual([{ pod: expect.stringMatching(/^kube-system\/labyrinth-capture-[0-9a-f]{6}-node-2$/), why: "HTTP-Code: 503" }]);
});
