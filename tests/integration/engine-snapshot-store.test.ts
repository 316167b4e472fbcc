// services/kiosk-engine/snapshot-store.ts against a real nats-server's JetStream KV: a kiosk's
// stored session comes back as it was saved; none, a deleted one or one that cannot be read is a
// fresh start (the last said in the log), never a crash; a save the server does not store rejects
// (persist-then-publish.ts logs and counts it), as does one still waiting when the store closes.
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JETSTREAM } from '../../machines/contract/index.ts';
import { createLogger } from '../../platform/log.ts';
import { openSnapshotStore, type StoredSession } from '../../services/kiosk-engine/snapshot-store.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

const record: StoredSession = {
  seq: 7,
  savedAt: '2026-06-01T00:00:00Z',
  session: { status: 'active', value: { session: 'awaitingPin' }, context: { lang: 'zh-TW' } as never, children: {} },
  pendingCompletions: [{ activationId: 'act-1', cardNumber: 'TT00000000000001', proof: { publicKey: 'k', signature: 's' } }],
};

describe('the snapshot store', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect('engine');
  });
  afterAll(() => nats.stop());

  const open = async (kioskId: string) => {
    const lines: string[] = [];
    const store = await openSnapshotStore(nc, kioskId, createLogger('engine', (line) => lines.push(line)));
    return { store, lines };
  };

  it('has nothing for a new kiosk, then gives back what was saved, and keeps kiosks apart', async () => {
    const { store } = await open('k-new');
    expect(await store.load()).toBeUndefined();
    await store.save(record);
    expect(await store.load()).toEqual(record);
    expect(await (await open('k-other')).store.load()).toBeUndefined();
    // Another engine on the same kiosk (a restart) reads the same entry.
    expect(await (await open('k-new')).store.load()).toEqual(record);
  });

  it('starts fresh from an entry that is not JSON, not a session, or deleted; says so for the unreadable ones', async () => {
    const kv = await new Kvm(nc).open(JETSTREAM.kioskSnapshotsBucket);
    for (const [kioskId, bytes] of [
      ['k-garbage', 'not json at all'],
      ['k-shape', JSON.stringify({ seq: 'seven', session: null })],
    ] as const) {
      await kv.put(kioskId, bytes);
      const { store, lines } = await open(kioskId);
      expect(await store.load()).toBeUndefined();
      expect(lines.filter((line) => line.includes('stored session unreadable; starting fresh'))).toHaveLength(1);
    }
    const { store, lines } = await open('k-deleted');
    await store.save(record);
    await kv.delete('k-deleted');
    expect(await store.load()).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('rejects a save the server does not store, and one still waiting when it closes', async () => {
    const { store } = await open('k-refused');
    await store.save(record);
    const jsm = await jetstreamManager(nc);
    const stream = `KV_${JETSTREAM.kioskSnapshotsBucket}`;
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, max_msg_size: 64 });
    try {
      await expect(store.save(record)).rejects.toThrow(/message size exceeds maximum/i);
    } finally {
      await jsm.streams.update(stream, { ...config, max_msg_size: -1 });
    }
    expect(await store.load()).toEqual(record);
    const waiting = store.save({ ...record, seq: 8 });
    store.close();
    await expect(waiting).rejects.toThrow(/closed before the JetStream ack/);
  });
});
