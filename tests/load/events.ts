// The load run's verdict, from the registry's own record of what happened (RA_EVENTS), not from
// what the driver believes: every card of the run that should end activated has exactly one
// `accepted` and one `activated` event, a revoked card none.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { JETSTREAM } from '../../machines/contract/index.ts';
import { cardFor } from './mix.ts';

/** Event type → count, per card number. */
export type CardEventCounts = Map<string, Map<string, number>>;

export interface StreamVerdict {
  /** Cards of the run that should end activated (all but the revoked ones). */
  expected: number;
  /** Of those, the cards with exactly one accepted and one activated event. */
  activatedOnce: number;
  /** Cards that should end activated but have no activated event (or no accepted one). */
  failed: string[];
  /** Of the failed, those the driver saw reach the "activated" screen: the registry lost them. */
  lost: string[];
  /** Cards with more than one accepted or activated event, or a revoked card with any. */
  doubled: string[];
  /** Cards moved from the old KV layout during the run: the kept cards were made by older code. */
  migrated: number;
}

/** Judges cards 0 … activations − 1 by their events; `driverActivated` is what the driver saw. */
export function judgeRun(activations: number, counts: CardEventCounts, driverActivated: ReadonlySet<string>): StreamVerdict {
  const verdict: StreamVerdict = { expected: 0, activatedOnce: 0, failed: [], lost: [], doubled: [], migrated: 0 };
  for (const perType of counts.values()) verdict.migrated += perType.get('migrated') ?? 0;
  for (let index = 0; index < activations; index++) {
    const { cardNumber, kind } = cardFor(index);
    const accepted = counts.get(cardNumber)?.get('accepted') ?? 0;
    const activated = counts.get(cardNumber)?.get('activated') ?? 0;
    if (kind === 'revoked') {
      if (accepted + activated > 0) verdict.doubled.push(cardNumber);
      continue;
    }
    verdict.expected++;
    if (accepted > 1 || activated > 1) verdict.doubled.push(cardNumber);
    else if (accepted === 1 && activated === 1) verdict.activatedOnce++;
    else {
      verdict.failed.push(cardNumber);
      if (driverActivated.has(cardNumber)) verdict.lost.push(cardNumber);
    }
  }
  return verdict;
}

/** Every card event on RA_EVENTS, counted per card and type, read with one ordered consumer. */
export async function readCardEvents(nc: NatsConnection): Promise<CardEventCounts> {
  const js = jetstream(nc);
  const counts: CardEventCounts = new Map();
  const consumer = await js.consumers.get(JETSTREAM.registryEventsStream, { filter_subjects: 'ra.events.>' });
  let pending = (await consumer.info()).num_pending;
  while (pending > 0) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 5_000 });
    let got = 0;
    for await (const msg of batch) {
      got++;
      pending = msg.info.pending;
      // The type is the body's (a change message's subject ends in `.change`, docs/registry.md).
      const { cardNumber, type } = msg.json<{ cardNumber: string; type: string }>();
      const perType = counts.get(cardNumber) ?? new Map<string, number>();
      perType.set(type, (perType.get(type) ?? 0) + 1);
      counts.set(cardNumber, perType);
      if (pending === 0) break;
    }
    if (got === 0) throw new Error(`RA_EVENTS: ${pending} events left but none delivered`);
  }
  return counts;
}
