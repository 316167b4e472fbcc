// The registry's JetStream publisher (acks on one shared inbox) against a real server: PubAcks,
// JetStream errors, deduplication, and subjects no stream stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { AckedPublisher, JetStreamWriteError } from '../../platform/acked-publisher.ts';
import { isRevisionConflict } from '../../services/registry/registry-store.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

let nats: TestNats;
let nc: NatsConnection;
let publisher: AckedPublisher;

function header(name: string, value: string) {
  const h = headers();
  h.set(name, value);
  return h;
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  await (await jetstreamManager(nc)).streams.add({ name: 'PUBTEST', subjects: ['pubtest.>'], duplicate_window: 60_000_000_000 });
  publisher = new AckedPublisher(nc, 2_000);
});

afterAll(async () => {
  publisher?.close();
  await nats?.stop();
});

describe('the acked publisher', () => {
  it('resolves with the stored sequence, many at once', async () => {
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish(`pubtest.a.${i % 7}`, `m${i}`, headers())));
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(200);
    expect(acks.every((ack) => !ack.duplicate)).toBe(true);
  });

  it('reports a duplicate Nats-Msg-Id as a duplicate, storing nothing new', async () => {
    const first = await publisher.publish('pubtest.d', 'x', header('Nats-Msg-Id', 'once'));
    const again = await publisher.publish('pubtest.d', 'x', header('Nats-Msg-Id', 'once'));
    expect(again).toEqual({ seq: first.seq, duplicate: true });
  });

  it('rejects a stale expected subject sequence with a revision conflict', async () => {
    const { seq } = await publisher.publish('pubtest.k', 'v1', headers());
    await publisher.publish('pubtest.k', 'v2', header('Nats-Expected-Last-Subject-Sequence', String(seq)));
    const stale = await publisher.publish('pubtest.k', 'v3', header('Nats-Expected-Last-Subject-Sequence', String(seq))).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(JetStreamWriteError);
    expect((stale as JetStreamWriteError).code).toBe(10071);
    expect(isRevisionConflict(stale)).toBe(true);
  });

  it('rejects a publish no stream stores', async () => {
    await expect(publisher.publish('nostream.here', 'x', headers())).rejects.toThrow(/did not store/);
  });

  it('fails what is still waiting when closed', async () => {
    const other = new AckedPublisher(await nats.connect(), 60_000);
    const pending = other.publish('pubtest.c', 'x', headers());
    other.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});
