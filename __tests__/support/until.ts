/**
 * Resolves once `check` holds, polled every `every` ms (a check that takes time bounds itself), or
 * fails after `seconds`: a deadline with room for two loaded cores, never a fixed wait.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, { seconds = 30, every = 5 } = {}): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never, within ${seconds}s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
