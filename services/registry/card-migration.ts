// Moves a site's card records from the layout before one-write changes (a record per card in the
// `ra_cards` bucket, its events on `ra.events.<cardNumber>.<type>`, PIN grants counted in
// `ra_activations`) to each card's change subject on RA_EVENTS (card-stream.ts). Every registry
// instance runs it at start, before it answers anything; it is idempotent, and instances that run
// it at once agree through the compare-and-set on each card's subject (docs/registry.md,
// "Migrating a site from the bucket layout"). Old registry instances must be stopped first: one
// that still wrote to `ra_cards` after a card moved would write where no one reads.
import { headers } from '@nats-io/nats-core';
import { JETSTREAM } from '../../machines/contract/index.ts';
import { eventId, type CardRecord, type CurrentActivation, type RegistryEvent } from './card-record.ts';
import type { CardStream } from './card-stream.ts';
import { readAll, type RegistryStore } from './registry-store.ts';

// Card numbers are upper-case letters and digits; anything else in the bucket is not a card.
const CARD_KEY = /^[A-Z0-9]{4,32}$/;

/** What the grants were counted in before (`ra_activations`, under the activation's ref). */
interface OldActivationRecord {
  readonly grants?: number;
  readonly lastGrantAt?: string;
  readonly proofNonce?: string;
}

export interface MigrationResult {
  /** Cards written to their change subject by this run. */
  readonly moved: number;
  /** Cards whose latest event had been lost after its record write, stored by this run. */
  readonly repaired: number;
}

/**
 * Moves every card still in `ra_cards`. Per card: (1) if the record's latest event (`lastEvent`)
 * is not on RA_EVENTS (its publish was lost after the record write), it is published under its own
 * id, as the earlier registry would have before the card's next change; (2) unless the card's
 * change subject has a message, one `migrated` change is written there: the record as it was
 * (with the grants of its activation in flight), change number one higher; (3) the bucket's key is
 * deleted (its revisions stay in the bucket's history). A crash between the steps leaves a state
 * the next run finishes; nothing is deleted from RA_EVENTS (the registry may not).
 */
export async function migrateCardBucket(store: RegistryStore, stream: CardStream, now: Date): Promise<MigrationResult> {
  const bucket = JETSTREAM.registryCardsBucket;
  const entries = await readAll(store.js, `KV_${bucket}`, `$KV.${bucket}.>`, true);
  let moved = 0;
  let repaired = 0;
  for (const entry of entries) {
    const key = entry.subject.slice(`$KV.${bucket}.`.length);
    if (!CARD_KEY.test(key) || entry.data.length === 0) continue;
    const old = entry.json<CardRecord>();
    if ((await stream.readSealed(old.cardNumber)) === null) {
      if (old.lastEvent !== undefined && !(await isStored(store, old.lastEvent))) {
        await publishOldEvent(store, old.lastEvent);
        repaired++;
      }
      if ((await stream.write(await migratedChange(store, old, now), 0)) !== null) moved++;
    }
    await store.cards.delete(key);
  }
  return { moved, repaired };
}

/** The `migrated` change: the record as it was, one change later, without its old `lastEvent`. */
async function migratedChange(store: RegistryStore, old: CardRecord, now: Date) {
  const { lastEvent: _stored, ...rest } = old;
  const record: CardRecord = { ...(await withGrants(store, rest)), seq: old.seq + 1 };
  const event: RegistryEvent = {
    id: eventId(record.cardNumber, record.seq),
    type: 'migrated',
    cardNumber: record.cardNumber,
    at: now.toISOString(),
    route: record.route,
    from: record.status,
    to: record.status,
  };
  return { record, event };
}

/**
 * Whether `event` is on RA_EVENTS. It was the card's latest change, so nothing of its type came
 * after it: the last message on its exact subject is it, if it was stored.
 */
async function isStored(store: RegistryStore, event: RegistryEvent): Promise<boolean> {
  const msg = await store.jsm.direct.getMessage(JETSTREAM.registryEventsStream, {
    last_by_subj: JETSTREAM.registryEventsSubject(event.cardNumber, event.type),
  });
  return msg !== null && msg.json<RegistryEvent>().id === event.id;
}

/** As the earlier registry published it: on its type's subject, its id as Nats-Msg-Id (instances racing store it once). */
async function publishOldEvent(store: RegistryStore, event: RegistryEvent): Promise<void> {
  const msgId = headers();
  msgId.set('Nats-Msg-Id', event.id);
  await store.publisher.publish(JETSTREAM.registryEventsSubject(event.cardNumber, event.type), JSON.stringify(event), msgId);
}

/** The record with its current activation's PIN grants, which were counted in `ra_activations`. */
async function withGrants(store: RegistryStore, record: CardRecord): Promise<CardRecord> {
  if (record.activation === undefined) return record;
  const entry = await store.activations.get(record.activation.ref);
  if (!entry || entry.operation !== 'PUT') return record;
  const counted = entry.json<OldActivationRecord>();
  const activation: CurrentActivation = {
    ...record.activation,
    ...(counted.grants ? { grants: counted.grants } : {}),
    ...(counted.lastGrantAt ? { lastGrantAt: counted.lastGrantAt } : {}),
    ...(counted.proofNonce ? { proofNonce: counted.proofNonce } : {}),
  };
  return { ...record, activation };
}
