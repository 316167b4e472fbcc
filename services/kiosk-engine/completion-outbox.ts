// Activations whose session ended with the card's PIN set but the registry not yet told (staff
// aborted during the retries, the staff wait ran out, the reader went away). The session machine
// hands each one over on its way out (`completion.handedOver`); from then on nobody at the kiosk
// is waiting for it, so the engine keeps sending `complete` in the background, with the same
// back-off as the machine, until the registry answers (platform/retrying-delivery.ts). The
// list is persisted with the session snapshot, so an engine restart picks it up again. `complete`
// is idempotent at the registry.
import type { CompleteActivationInput } from '../../machines/session/index.ts';
import type { Logger } from '../../platform/log.ts';
import { startRetryingDelivery, type RetryingDelivery } from '../../platform/retrying-delivery.ts';

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

export type CompletionOutbox = RetryingDelivery<CompleteActivationInput>;

export function startCompletionOutbox(options: CompletionOutboxOptions): CompletionOutbox {
  const { log } = options;
  const outbox = startRetryingDelivery<CompleteActivationInput>({
    initial: options.initial,
    keyOf: (input) => input.activationId,
    send: options.complete,
    onChange: options.onChange,
    onDelivered: (input) => log.info('activation completed after its session ended', { cardNumber: input.cardNumber }),
    // The registry answered and will not take it (e.g. CARD_MISMATCH): asking again changes nothing.
    onRefused: (input, code) => log.warn('the registry refused the completion of an ended session', { cardNumber: input.cardNumber, code }),
    baseDelayMs: options.baseDelayMs,
    maxDelayMs: options.maxDelayMs,
  });
  return {
    ...outbox,
    add: (input) => {
      log.info('completion handed over by an ended session', { cardNumber: input.cardNumber });
      return outbox.add(input);
    },
  };
}
