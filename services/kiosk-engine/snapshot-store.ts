// Where a kiosk's session outlives its engine: one JetStream KV entry per kiosk (bucket
// `kiosk_snapshots`, key = the kiosk id, docs/contract.md) holding the secret-free snapshot, the
// view sequence (so that it continues across restarts) and the completion outbox. A snapshot that
// cannot be read is not worth a crash loop: the engine starts a fresh session and says so.
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { CompleteActivationInput, PersistedSession } from '../../machines/session/index.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import type { Logger } from '../../platform/log.ts';
import { AckedPublisher } from '../../platform/acked-publisher.ts';

/** What the engine keeps in KV per kiosk. */
export interface StoredSession {
  /** The last view's sequence number: the next engine numbers on from it. */
  seq: number;
  savedAt: string;
  session: PersistedSession;
  /** The completion outbox: what ended sessions left for the registry (completion-outbox.ts). */
  pendingCompletions?: CompleteActivationInput[];
}

export interface SnapshotStore {
  /** The kiosk's stored session; undefined when there is none, or none that can be read (logged). */
  load(): Promise<StoredSession | undefined>;
  /** Replaces the kiosk's stored session. Rejects when KV does not take it. */
  save(record: StoredSession): Promise<void>;
  /** Stops waiting for acks: a save still waiting rejects. */
  close(): void;
}

export async function openSnapshotStore(nc: NatsConnection, kioskId: string, log: Logger): Promise<SnapshotStore> {
  const kv: KV = await new Kvm(nc).create(JETSTREAM.kioskSnapshotsBucket, { history: 1 });
  // A save is what a KV put is, a publish on the key's subject answered by a PubAck, without
  // nats.js's request machinery per put: a save stands between every input and its view
  // (persist-then-publish.ts), and that machinery was a fifth of the engine's added time
  // (docs/benchmarks.md, "What bounds the missed targets", the engine bullet).
  const publisher = new AckedPublisher(nc);
  const keySubject = `$KV.${JETSTREAM.kioskSnapshotsBucket}.${kioskId}`;
  return {
    async load() {
      const entry = await kv.get(kioskId);
      if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return undefined;
      try {
        return readStoredSession(entry);
      } catch (error) {
        log.error('stored session unreadable; starting fresh', { error });
        return undefined;
      }
    },
    async save(record) {
      await publisher.publish(keySubject, encodeJson(record));
    },
    close() {
      publisher.close();
    },
  };
}

function readStoredSession(entry: KvEntry): StoredSession {
  const stored = entry.json<StoredSession>();
  if (typeof stored !== 'object' || stored === null || typeof stored.seq !== 'number' || typeof stored.session !== 'object' || stored.session === null) {
    throw new Error('unexpected shape');
  }
  return stored;
}
