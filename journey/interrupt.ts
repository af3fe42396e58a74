/**
 * Runs `work`; on Ctrl-C (SIGINT) or SIGTERM meanwhile, runs `cleanup` and exits as the signal
 * would (130, 143). Used wherever a run owns something outside itself: a box, capture pods.
 * A second signal while cleaning up (a second Ctrl-C, or npx passing the first one on) is
 * ignored, so that nothing cuts the cleanup short.
 */
export async function cleanUpOnInterrupt<T>(cleanup: () => unknown, work: () => Promise<T> | T): Promise<T> {
  let cleaning: Promise<unknown> | undefined;
  const handler = (signal: NodeJS.Signals) => {
    cleaning ??= Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => console.error(`labyrinth: cleaning up after ${signal}: ${error instanceof Error ? error.message : error}`))
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    return await work();
  } finally {
    // A signal that came during synchronous work (spawnSync) is handled only when the event loop
    // next polls: give it that turn. Once a signal came, wait for its handler to end the process,
    // so that a command the signal killed (Ctrl-C reaches the whole group) is not reported as a failure.
    await new Promise((resolve) => setImmediate(resolve));
    if (cleaning) await cleaning;
    process.removeListener("SIGINT", handler);
    process.removeListener("SIGTERM", handler);
  }
}
