/**
 * Runs `work`; on Ctrl-C (SIGINT) or SIGTERM meanwhile, runs `cleanup` and exits as the signal
 * would (130, 143). Used wherever a run owns something outside itself: a box, capture pods.
 */
export async function cleanUpOnInterrupt<T>(cleanup: () => unknown, work: () => Promise<T> | T): Promise<T> {
  const handler = (signal: NodeJS.Signals) => {
    void Promise.resolve()
      .then(cleanup)
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  try {
    const result = await work();
    // A signal that came during synchronous work (spawnSync) is handled only when the event loop
    // next polls: give it that turn before the handlers go.
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  } finally {
    process.removeListener("SIGINT", handler);
    process.removeListener("SIGTERM", handler);
  }
}
