// Polling for something that happens asynchronously (a leaf link forming, a cluster electing a
// leader). Not a time limit on what is tested: a guard so that a wrong expectation fails with its
// name instead of hanging the suite.

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface UntilOptions {
  /** How long before giving up (default 30 s). */
  giveUpMs?: number;
  /** Pause between probes (default 25 ms). */
  everyMs?: number;
  /** Treat a probe that throws as "not yet" (a cluster still settling), instead of failing at once. */
  retryOnError?: boolean;
}

/** Resolves with the first result of `probe` that is neither undefined nor false. */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  options: UntilOptions = {},
): Promise<T> {
  const giveUp = Date.now() + (options.giveUpMs ?? 30_000);
  for (;;) {
    const attempt = Promise.resolve().then(probe);
    const result = options.retryOnError ? await attempt.catch(() => undefined) : await attempt;
    if (result !== undefined && result !== false) return result;
    if (Date.now() > giveUp) throw new Error(`never happened: ${what}`);
    await delay(options.everyMs ?? 25);
  }
}
