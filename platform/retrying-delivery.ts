// Messages that must reach the registry although nobody is waiting for them any more: the engine's
// completions of ended sessions, the card agent's reports of failed SO logins. Each is kept (the
// owner persists `pending()` on every change) and sent again with back-off while the registry does
// not answer (3125, or no contract code); an answer ends it, and so does a contract refusal, which
// sending again would not change. The owner names the outcome in its own log words.
import { ContractError, errorCodeOf } from '../machines/contract/index.ts';
import { backoff } from '../machines/session/timing.ts';

export interface RetryingDeliveryOptions<T> {
  /** What an earlier run left undelivered. */
  initial: readonly T[];
  /** Two messages with one key are one message. */
  keyOf: (item: T) => string;
  /** Sends one message; resolves once the registry has answered it. */
  send: (item: T) => Promise<unknown>;
  /** The pending list changed: persist it. Awaited before a new message is first sent. */
  onChange: () => void | Promise<void>;
  onDelivered: (item: T) => void;
  onRefused: (item: T, code: string) => void;
  onRetry?: (item: T, code: string) => void;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryingDelivery<T> {
  /** Keeps the message and sends it; resolves after the first attempt, delivered or not. */
  add(item: T): Promise<void>;
  pending(): T[];
  /** How many messages the registry has answered since start. */
  delivered(): number;
  /** No more attempts and no more changes: the next run has the list and sends again. */
  stop(): void;
}

export function startRetryingDelivery<T>(options: RetryingDeliveryOptions<T>): RetryingDelivery<T> {
  const pending = new Map(options.initial.map((item) => [options.keyOf(item), item]));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let delivered = 0;
  let stopped = false;

  const settle = async (item: T) => {
    pending.delete(options.keyOf(item));
    await options.onChange();
  };

  const attempt = async (item: T, tries: number): Promise<void> => {
    if (stopped || !pending.has(options.keyOf(item))) return;
    try {
      await options.send(item);
      if (stopped) return;
      await settle(item);
      delivered++;
      options.onDelivered(item);
    } catch (error) {
      if (stopped) return;
      const code = errorCodeOf(error, '3125');
      if (code !== '3125' && error instanceof ContractError) {
        await settle(item);
        options.onRefused(item, code);
        return;
      }
      options.onRetry?.(item, code);
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(item, tries + 1);
      }, backoff(options.baseDelayMs, tries + 1, options.maxDelayMs));
      timers.add(timer);
    }
  };

  for (const item of pending.values()) void attempt(item, 0);

  return {
    async add(item) {
      // Already kept: its own attempts are under way.
      if (pending.has(options.keyOf(item))) return;
      pending.set(options.keyOf(item), item);
      await options.onChange();
      await attempt(item, 0);
    },
    pending: () => [...pending.values()],
    delivered: () => delivered,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
