// Moves a site's card records from the layout before one-write changes (a record per card in the
// `ra_cards` bucket, its events on `ra.events.<cardNumber>.<type>`, PIN grants counted in
// `ra_activations`) to each card's change subject on RA_EVENTS (card-stream.ts). Every registry
// instance runs it at start, before it answers anything; it is idempotent, and instances that run
// it at once agree through the compare-and-set on each card's subject (docs/registry.md,
// "Migrating a site from the bucket layout"). Old registry instances must be stopped first: one
// that still wrote to `ra_cards` after a card moved would write where no one reads.
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { CardRecord, Change, CurrentActivation, RegistryEvent } from './card-record.ts';
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
  /** Of those, cards whose latest event had been lost after its record write and is now stored. */
  readonly repaired: number;
}

/**
 * Moves every card still in `ra_cards`. Per card: (1) unless its change subject has a message, one
 * write with the record and, as the event, the card's latest event (a lost one is stored here);
 * (2) the old copy of that event is deleted, so the history holds it once, still last; (3) the
 * bucket's key is deleted (its revisions stay in the bucket's history). A crash between the steps
 * leaves a state the next run finishes.
 */
export async function migrateCardBucket(store: RegistryStore, stream: CardStream): Promise<MigrationResult> {
  const bucket = JETSTREAM.registryCardsBucket;
  const entries = await readAll(store.js, `KV_${bucket}`, `$KV.${bucket}.>`, true);
  let moved = 0;
  let repaired = 0;
  for (const entry of entries) {
    const key = entry.subject.slice(`$KV.${bucket}.`.length);
    if (!CARD_KEY.test(key) || entry.data.length === 0) continue;
    const outcome = await migrateCard(store, stream, entry.json<CardRecord>());
    if (outcome !== 'already') moved++;
    if (outcome === 'repaired') repaired++;
    await store.cards.delete(key);
  }
  return { moved, repaired };
}

async function migrateCard(store: RegistryStore, stream: CardStream, old: CardRecord): Promise<'moved' | 'repaired' | 'already'> {
  const { cardNumber } = old;
  let outcome: 'moved' | 'repaired' | 'already' = 'already';
  if ((await stream.readSealed(cardNumber)) === null) {
    const latest = await latestStoredEvent(store, cardNumber);
    // The record's own last event is the latest change; if it is not stored, its publish was lost.
    const lost = old.lastEvent !== undefined && !(await isStored(store, old.lastEvent)) ? old.lastEvent : undefined;
    const event = lost ?? latest?.event;
    if (event === undefined) throw new Error(`card ${cardNumber} has no event to carry its record: migrate it by hand`);
    const change: Change = { record: await withGrants(store, withoutLastEvent(old)), event };
    // Its own message id: the old copy may still be within the stream's duplicate window. Null:
    // another instance moved it first.
    if ((await stream.write(change, 0, `${event.id}-moved`)) !== null) outcome = lost ? 'repaired' : 'moved';
  }
  await deleteOldCopy(store, cardNumber);
  return outcome;
}

/** Deletes the old-layout message that the card's first change message re-states, if it is still there. */
async function deleteOldCopy(store: RegistryStore, cardNumber: string): Promise<void> {
  const first = await store.jsm.direct.getMessage(JETSTREAM.registryEventsStream, { next_by_subj: JETSTREAM.registryCardSubject(cardNumber), seq: 1 });
  if (first === null) return;
  const event = first.json<RegistryEvent>();
  const old = await store.jsm.direct.getMessage(JETSTREAM.registryEventsStream, { last_by_subj: JETSTREAM.registryEventsSubject(cardNumber, event.type) });
  if (old !== null && old.seq < first.seq && old.json<RegistryEvent>().id === event.id) {
    // Another instance may have deleted it a moment ago.
    await store.jsm.streams.deleteMessage(JETSTREAM.registryEventsStream, old.seq, false).catch(() => undefined);
  }
}

/** The card's latest message on its old-layout subjects, if any. */
async function latestStoredEvent(store: RegistryStore, cardNumber: string): Promise<{ seq: number; event: RegistryEvent } | undefined> {
  const msg = await store.jsm.direct.getMessage(JETSTREAM.registryEventsStream, { last_by_subj: JETSTREAM.registryEventsSubject(cardNumber, '*') });
  return msg === null ? undefined : { seq: msg.seq, event: msg.json<RegistryEvent>() };
}

/** Whether `event` is on its subject: it was the card's latest change, so nothing of its type came after it. */
async function isStored(store: RegistryStore, event: RegistryEvent): Promise<boolean> {
  const msg = await store.jsm.direct.getMessage(JETSTREAM.registryEventsStream, {
    last_by_subj: JETSTREAM.registryEventsSubject(event.cardNumber, event.type),
  });
  return msg !== null && msg.json<RegistryEvent>().id === event.id;
}

function withoutLastEvent(old: CardRecord): CardRecord {
  const { lastEvent: _moved, ...record } = old;
  return record;
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
