// Waiting for a condition of the rehearsed site (a cluster formed, a screen shown). Not a time limit
// on what is rehearsed: a guard so that a step that can never happen fails with its name instead
// of hanging the run. The machine may be slow; the guard is generous.
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, giveUpMs = 180_000): Promise<T> {
  const giveUp = Date.now() + giveUpMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      last = error;
    }
    if (Date.now() > giveUp) throw new Error(`never happened: ${what}${last === undefined ? '' : ` (last: ${last instanceof Error ? last.message : String(last)})`}`);
    await pause(200);
  }
}

/**
 * An HTTP GET through a relay, one connection per request (no keep-alive across relays) and a
 * guard against a request that never ends (the probe is then simply tried again).
 */
export function get(url: string): Promise<Response> {
  return fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(15_000) });
}
