// Activations whose session ended with the card's PIN set but the registry not yet told (staff
// aborted during the retries, the staff wait ran out, the reader went away). The session machine
// hands each one over on its way out (`completion.handedOver`); from then on nobody at the kiosk
// is waiting for it, so the engine keeps sending `complete` in the background, with the same
// back-off as the machine, until the registry answers. The list is persisted with the session
// snapshot, so an engine restart picks it up again. `complete` is idempotent at the registry.
import { ContractError, errorCodeOf } from '../../machines/contract/index.ts';
import type { CompleteActivationInput } from '../../machines/session/index.ts';
import { backoff } from '../../machines/session/timing.ts';
import type { Logger } from '../shared/log.ts';

export interface CompletionOutboxOptions {
  /** What the last engine left unfinished (from the stored snapshot). */
  initial: readonly CompleteActivationInput[];
  /** Sends `complete` to the registry: resolves when it has the activation. */
  complete: (input: CompleteActivationInput) => Promise<unknown>;
  /** Called whenever the list changes, to persist it. */
  onChange: () => void;
  log: Logger;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CompletionOutbox {
  add(input: CompleteActivationInput): void;
  pending(): CompleteActivationInput[];
  /** How many handed-over activations the registry has since confirmed. */
  delivered(): number;
  stop(): void;
}

export function startCompletionOutbox(options: CompletionOutboxOptions): CompletionOutbox {
  const { log } = options;
  const pending = new Map<string, CompleteActivationInput>(options.initial.map((input) => [input.activationId, input]));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let delivered = 0;
  let stopped = false;

  const settle = (input: CompleteActivationInput, outcome: 'delivered' | 'refused', code?: string) => {
    pending.delete(input.activationId);
    options.onChange();
    if (outcome === 'delivered') {
      delivered++;
      log.info('activation completed after its session ended', { cardNumber: input.cardNumber });
    } else {
      // The registry answered and will not take it (e.g. CARD_MISMATCH): asking again changes nothing.
      log.warn('the registry refused the completion of an ended session', { cardNumber: input.cardNumber, code });
    }
  };

  const attempt = (input: CompleteActivationInput, tries: number) => {
    if (stopped || !pending.has(input.activationId)) return;
    options.complete(input).then(
      // A stopped outbox writes nothing more: the next engine has the list and asks again.
      () => !stopped && settle(input, 'delivered'),
      (error: unknown) => {
        if (stopped) return;
        const code = errorCodeOf(error, '3125');
        if (code !== '3125' && error instanceof ContractError) {
          settle(input, 'refused', code);
          return;
        }
        later(input, tries + 1);
      },
    );
  };

  const later = (input: CompleteActivationInput, tries: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      attempt(input, tries);
    }, backoff(options.baseDelayMs, tries, options.maxDelayMs));
    timers.add(timer);
  };

  for (const input of pending.values()) attempt(input, 0);

  return {
    add(input) {
      if (pending.has(input.activationId)) return;
      pending.set(input.activationId, input);
      options.onChange();
      log.info('completion handed over by an ended session', { cardNumber: input.cardNumber });
      attempt(input, 0);
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
