/**
 * Runs `work`; on Ctrl-C (SIGINT) or SIGTERM meanwhile, runs `cleanup` and exits as the signal
 * would (130, 143). Used wherever a run owns something outside itself: a box, capture pods.
 * A second signal while cleaning up (a second Ctrl-C, or npx passing the first one on) is
 * ignored, so that nothing cuts the cleanup short.
 */
export async function cleanUpOnInterrupt<T>(cleanup: () => unknown, work: () => Promise<T> | T): Promise<T> {
  let cleaning = false;
  const handler = (signal: NodeJS.Signals) => {
    if (cleaning) return;
    cleaning = true;
    void Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => console.error(`labyrinth: cleaning up after ${signal}: ${error instanceof Error ? error.message : error}`))
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    const result = await work();
    // A signal that came during synchronous work (spawnSync) is handled only when the event loop
    // next polls: give it that turn before the handlers go.
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  } finally {
    // Once a signal came, the handler stays to the end: the process exits from it.
    if (!cleaning) {
      process.removeListener("SIGINT", handler);
      process.removeListener("SIGTERM", handler);
    }
  }
}
