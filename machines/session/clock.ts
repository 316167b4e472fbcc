// The session machine's clock. The machine learns the time in one place only: its `readClock`
// action, on entering each screen, writes it to `context.now`; every guard and action that needs
// the time (certificate validity, a screen's deadline, a birth date not in the future) reads that.
// Its host provides the clock (`readClockFrom`: the engine's, a test's SimulatedClock); the system
// clock below is what `readClock` reads when the host provides none.
import type { SessionContext } from './context.ts';

export interface SessionClock {
  now(): number;
}

export const systemClock: SessionClock = { now: () => Date.now() };

/** The time as the clock last gave it (ms). Every screen reads the clock on entry, so it is always set there. */
export function clockReading(context: Pick<SessionContext, 'now'>): number {
  if (context.now === null) throw new Error('the session clock has not been read: readClock runs on entering every screen');
  return Date.parse(context.now);
}

/** The same reading as a Date, for the checks that take one. */
export function clockDate(context: Pick<SessionContext, 'now'>): Date {
  return new Date(clockReading(context));
}
