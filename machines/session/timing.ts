// Every timer of the session machine. Each one is a named delay of `setup()` (setup.ts) that reads
// `context.timing`, so a test or the engine changes them through the machine input.

export interface SessionTiming {
  /** How long an input screen waits before asking "are you still there?". */
  readonly idleTimeout: number;
  /** How long "are you still there?" waits for an answer; WCAG 2.2.1 asks for at least 20 s. */
  readonly stillThereTimeout: number;
  /** How long a removed card may be put back before the session ends. */
  readonly reinsertGrace: number;
  /** The first back-off before resending an acceptance after 3125; doubles on each retry. */
  readonly acceptRetryBaseDelay: number;
  /** How many times an acceptance is resent after 3125 before the user is told. */
  readonly acceptRetryLimit: number;
  /** The first back-off before telling the registry again that the PIN is set; doubles on each retry. */
  readonly completeRetryBaseDelay: number;
  /** The longest back-off between two tries of `complete` (it is retried until the registry answers). */
  readonly completeRetryMaxDelay: number;
  /** How long the "activated" screen stays before the screen is wiped. */
  readonly finishedScreenTimeout: number;
  /** How long a failure screen stays before the screen is wiped. */
  readonly failureScreenTimeout: number;
  /** How long "staff is on the way" waits before the session ends. */
  readonly staffWaitTimeout: number;
  /** How often an out-of-service kiosk checks its reader again by itself. */
  readonly selfcheckRetryDelay: number;
}

export const MIN_STILL_THERE_TIMEOUT = 20_000;

export const DEFAULT_TIMING: SessionTiming = {
  idleTimeout: 90_000,
  stillThereTimeout: 30_000,
  reinsertGrace: 30_000,
  acceptRetryBaseDelay: 1_000,
  acceptRetryLimit: 3,
  completeRetryBaseDelay: 1_000,
  completeRetryMaxDelay: 30_000,
  finishedScreenTimeout: 20_000,
  failureScreenTimeout: 120_000,
  staffWaitTimeout: 300_000,
  selfcheckRetryDelay: 30_000,
};

/** The timers a screen can wait on; the view's `deadline` says when the current one fires. */
export type ScreenTimer =
  | 'idleTimeout'
  | 'stillThereTimeout'
  | 'reinsertGrace'
  | 'finishedScreenTimeout'
  | 'failureScreenTimeout'
  | 'staffWaitTimeout'
  | 'selfcheckRetryDelay';

export function resolveTiming(overrides: Partial<SessionTiming> | undefined): SessionTiming {
  const timing = { ...DEFAULT_TIMING, ...overrides };
  return { ...timing, stillThereTimeout: Math.max(MIN_STILL_THERE_TIMEOUT, timing.stillThereTimeout) };
}

/** Back-off by attempt: base, 2×base, 4×base … never above `max`. */
export function backoff(base: number, attempt: number, max = Number.POSITIVE_INFINITY): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}
