// The registry's JetStream side: the RA_EVENTS stream (which holds the card records, card-stream.ts),
// the KV buckets, and compare-and-set with re-read-and-retry on them. Several instances may open
// the store at once: creating a stream or bucket that already exists with the same config is a no-op.
import type { NatsConnection } from '@nats-io/nats-core';
import { nanos } from '@nats-io/nats-core';
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
import { AckedPublisher, JetStreamWriteError } from '../../platform/acked-publisher.ts';

/** Our bucket for the per-kiosk rate limit (a name beyond the contract's). */
export const KIOSK_LIMITS_BUCKET = 'ra_kiosk_limits';
/** The key in `ra_cards` that holds the registry key check; card numbers never contain '_'. */
export const KEY_CHECK_KEY = '_registry_key_check';

/** How long a Nats-Msg-Id is remembered (events of the layout before one-write changes carried one). */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/**
 * The bucket of the layout before one-write changes: PIN grants were counted here. Still opened,
 * so that the migration (card-migration.ts) can carry the grants of activations in flight.
 */
const ACTIVATION_RECORD_TTL_MS = 7 * 24 * 3_600_000;
/** A kiosk whose tokens have refilled needs no entry; idle entries age out. */
const KIOSK_LIMIT_TTL_MS = 3_600_000;
/** `ra_cards` now holds the key check and the kiosks' agent keys (and, before one-write changes, the cards). */
const CARD_HISTORY = 10;
/** RA_EVENTS' bound: ~4 million card changes of ~2 KB (see AUDIT_MAX_BYTES for the store it shares). */
export const EVENTS_MAX_BYTES = 8 * 1024 ** 3;
/** Compare-and-set rounds before giving up (each round re-reads; conflicts are rare per key). */
const MAX_CAS_ROUNDS = 64;

export interface RegistryStore {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly cards: KV;
  readonly activations: KV;
  readonly kioskLimits: KV;
  /** For the hot path: card changes (card-stream.ts). */
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

async function ensureEventsStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  const name = JETSTREAM.registryEventsStream;
  try {
    const { config } = await jsm.streams.info(name);
    // A stream made before one-write changes: the card records are read from it by direct get.
    if (!config.allow_direct) await jsm.streams.update(name, { ...config, allow_direct: true });
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
      allow_direct: true,
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
 * throw to refuse. `known` is a value the caller has just read, to save the first read.
 */
export async function compareAndSet<V, T>(
  kv: KV,
  key: string,
  decide: (current: Versioned<V> | null) => Step<V, T>,
  known?: Versioned<V> | null,
): Promise<{ result: T; written?: Versioned<V> }> {
  let current = known === undefined ? await readVersioned<V>(kv, key) : known;
  for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
    const step = decide(current);
    if (step.write === undefined) return { result: step.result };
    const data = JSON.stringify(step.write);
    try {
      // kv.create also succeeds over a deleted key; update needs the exact revision decided on.
      const revision = current === null ? await kv.create(key, data) : await kv.update(key, data, current.revision);
      return { result: step.result, written: { value: step.write, revision } };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
    current = await readVersioned<V>(kv, key);
  }
  throw new Error(`compare-and-set on ${key} kept conflicting`);
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
