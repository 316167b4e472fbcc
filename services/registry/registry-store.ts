// The registry's JetStream side: the RA_EVENTS stream, the KV buckets, compare-and-set with
// re-read-and-retry, and events published with a Nats-Msg-Id. Several instances may open the
// store at once: creating a stream or bucket that already exists with the same config is a no-op.
import type { NatsConnection } from '@nats-io/nats-core';
import { headers, nanos } from '@nats-io/nats-core';
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { JETSTREAM } from '../../machines/contract/index.ts';
import { AckedPublisher, JetStreamWriteError } from './acked-publisher.ts';
import type { RegistryEvent } from './card-record.ts';

/** Our bucket for the per-kiosk rate limit (a name beyond the contract's). */
export const KIOSK_LIMITS_BUCKET = 'ra_kiosk_limits';
/** The key in `ra_cards` that holds the registry key check; card numbers never contain '_'. */
export const KEY_CHECK_KEY = '_registry_key_check';

/**
 * How long a Nats-Msg-Id is remembered. A card's latest event is published again under the same id
 * before its next change (ensureEventStored), which covers a publish that failed after the KV write.
 */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/**
 * An event younger than this is simply published again (the duplicate window drops it if stored).
 * The margin covers clocks of instances that differ and the original publish's own retries; an
 * older event is looked up on its subject first, as a repeat past the window would be stored twice.
 */
const REPUBLISH_BLINDLY_MS = DUPLICATE_WINDOW_MS - 2 * 60_000;
/** Activation records outlive any activation: they are the audit of who verified when. */
const ACTIVATION_RECORD_TTL_MS = 7 * 24 * 3_600_000;
/** A kiosk whose tokens have refilled needs no entry; idle entries age out. */
const KIOSK_LIMIT_TTL_MS = 3_600_000;
/** Record versions kept per card, so the KV itself shows the last changes of a record. */
const CARD_HISTORY = 10;
/** RA_EVENTS' bound: ~20 million events of ~400 bytes (see AUDIT_MAX_BYTES for the store it shares). */
export const EVENTS_MAX_BYTES = 8 * 1024 ** 3;
/** Compare-and-set rounds before giving up (each round re-reads; conflicts are rare per card). */
const MAX_CAS_ROUNDS = 64;

export interface RegistryStore {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly cards: KV;
  readonly activations: KV;
  readonly kioskLimits: KV;
  /** For the hot paths: card record updates and events. */
  readonly publisher: AckedPublisher;
  /** Releases the publisher's subscription (the connection stays the caller's). */
  close(): void;
}

/** `replicas` applies when this call creates the stream and buckets; existing ones keep theirs. */
export async function openRegistryStore(nc: NatsConnection, replicas = 1): Promise<RegistryStore> {
  const jsm = await jetstreamManager(nc);
  // KV watchers deliver to the connection's own inbox prefix, so a registry allowed only its own
  // inboxes (docs/security.md) can still follow the card bucket.
  const inboxPrefix = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
  const js = jetstream(nc, inboxPrefix ? { watcherPrefix: inboxPrefix } : {});
  await ensureEventsStream(jsm, replicas);
  const kvm = new Kvm(js);
  const [cards, activations, kioskLimits] = await Promise.all([
    kvm.create(JETSTREAM.registryCardsBucket, { history: CARD_HISTORY, storage: StorageType.File, replicas }),
    kvm.create(JETSTREAM.registryActivationsBucket, { history: 1, ttl: ACTIVATION_RECORD_TTL_MS, storage: StorageType.File, replicas }),
    kvm.create(KIOSK_LIMITS_BUCKET, { history: 1, ttl: KIOSK_LIMIT_TTL_MS, storage: StorageType.File, replicas }),
  ]);
  const publisher = new AckedPublisher(nc);
  return { js, jsm, cards, activations, kioskLimits, publisher, close: () => publisher.close() };
}

/**
 * `kv.update(key, value, revision)` for `ra_cards`, through the publisher: the same publish to
 * `$KV.ra_cards.<key>` with Nats-Expected-Last-Subject-Sequence. (The registry runs in the hub's
 * default JetStream domain, so the bucket's subjects carry no domain prefix.)
 */
export function cardUpdater(store: RegistryStore): (key: string, data: string, revision: number) => Promise<number> {
  const prefix = `$KV.${JETSTREAM.registryCardsBucket}.`;
  return async (key, data, revision) => {
    const expect = headers();
    expect.set('Nats-Expected-Last-Subject-Sequence', String(revision));
    return (await store.publisher.publish(prefix + key, data, expect)).seq;
  };
}

async function ensureEventsStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  const name = JETSTREAM.registryEventsStream;
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
  }
  try {
    await jsm.streams.add({
      name,
      subjects: ['ra.events.>'],
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: replicas,
      // The card history is evidence: nobody deletes or purges it, and it never silently loses its
      // oldest events; when full, new ones are refused (the registry warns from 80 %, docs/security.md).
      deny_delete: true,
      deny_purge: true,
      max_bytes: EVENTS_MAX_BYTES,
      discard: DiscardPolicy.New,
    });
  } catch (error) {
    // Another instance created it between our info and add.
    await jsm.streams.info(name).catch(() => {
      throw error;
    });
  }
}

function isApiError(error: unknown, ...codes: number[]): boolean {
  return error instanceof JetStreamApiError && codes.includes(error.code);
}

/** A stale revision (someone else wrote first) or a create on a key that now exists. */
export function isRevisionConflict(error: unknown): boolean {
  const codes: number[] = [JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown];
  return isApiError(error, ...codes) || (error instanceof JetStreamWriteError && codes.includes(error.code));
}

export interface Versioned<V> {
  readonly value: V;
  readonly revision: number;
}

export interface Step<V, T> {
  /** The value to write in place of the one read; absent means "no change". */
  readonly write?: V;
  readonly result: T;
}

/** The current value of `key` with its revision, or null if there is none. */
export async function readVersioned<V>(kv: KV, key: string): Promise<Versioned<V> | null> {
  const entry = await kv.get(key);
  return entry && entry.operation === 'PUT' ? { value: entry.json<V>(), revision: entry.revision } : null;
}

/**
 * Lets `decide` choose from the value of `key`, and writes with compare-and-set on the revision it
 * decided on. On a conflict it reads again and asks `decide` again, so a decision is always made on
 * the latest value and two writers can never both succeed from the same revision. `decide` may
 * throw to refuse. `known` is a value the caller has just read, to save the first read; `update`
 * replaces `kv.update` (same semantics, see cardUpdater).
 */
export async function compareAndSet<V, T>(
  kv: KV,
  key: string,
  decide: (current: Versioned<V> | null) => Step<V, T>,
  known?: Versioned<V> | null,
  update: (key: string, data: string, revision: number) => Promise<number> = (k, data, revision) => kv.update(k, data, revision),
  beforeWrite?: (current: Versioned<V>) => Promise<void>,
): Promise<{ result: T; written?: Versioned<V> & { json: string } }> {
  let current = known === undefined ? await readVersioned<V>(kv, key) : known;
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const step = decide(current);
    if (step.write === undefined) return { result: step.result };
    const data = JSON.stringify(step.write);
    // Each round, on the value it replaces: a conflict means another value to prepare for.
    if (current !== null && beforeWrite) await beforeWrite(current);
    try {
      // kv.create also succeeds over a deleted key; update needs the exact revision decided on.
      const revision = current === null ? await kv.create(key, data) : await update(key, data, current.revision);
      return { result: step.result, written: { value: step.write, revision, json: data } };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
    current = await readVersioned<V>(kv, key);
  }
  throw new Error(`compare-and-set on ${key} kept conflicting`);
}

/**
 * Publishes one event to RA_EVENTS with its id as Nats-Msg-Id: a publish repeated within the
 * duplicate window is stored once.
 */
export async function publishEvent(publisher: AckedPublisher, event: RegistryEvent): Promise<void> {
  const subject = JETSTREAM.registryEventsSubject(event.cardNumber, event.type);
  const data = JSON.stringify(event);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const msgId = headers();
      msgId.set('Nats-Msg-Id', event.id);
      await publisher.publish(subject, data, msgId);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
  throw lastError;
}

/**
 * Makes sure `event` is on RA_EVENTS, publishing it if it is not (with its own id, so at most once).
 * Within the duplicate window that is one publish: the stream drops it if it is stored. Past the
 * window the last message on the event's exact subject is read first: the event is the card's
 * latest, so if it was stored, nothing of its type came after it.
 */
export async function ensureEventStored(store: RegistryStore, event: RegistryEvent, now: Date): Promise<void> {
  if (now.getTime() - Date.parse(event.at) >= REPUBLISH_BLINDLY_MS) {
    const subject = JETSTREAM.registryEventsSubject(event.cardNumber, event.type);
    const last = await store.jsm.streams.getMessage(JETSTREAM.registryEventsStream, { last_by_subj: subject });
    if (last !== null && last.json<RegistryEvent>().id === event.id) return;
  }
  await publishEvent(store.publisher, event);
}

/**
 * Every message currently stored on `filter` in `stream`, in stream order. `lastPerSubject` reads
 * only the latest message of each subject (the current value of each key of a KV bucket).
 */
export async function readAll(js: JetStreamClient, stream: string, filter: string, lastPerSubject = false): Promise<JsMsg[]> {
  const consumer = await js.consumers.get(stream, {
    filter_subjects: filter,
    deliver_policy: lastPerSubject ? DeliverPolicy.LastPerSubject : DeliverPolicy.All,
  });
  const info = await consumer.info();
  if (info.num_pending === 0) {
    await consumer.delete().catch(() => undefined);
    return [];
  }
  const messages: JsMsg[] = [];
  const iterator = await consumer.consume();
  for await (const msg of iterator) {
    messages.push(msg);
    if (msg.info.pending === 0) break;
  }
  await iterator.close();
  await consumer.delete().catch(() => undefined);
  return messages;
}
