// The per-instance view of the card records against a real nats-server and RA_EVENTS stream
// (services/registry/card-view.ts): it loads every card's latest change at start, keeps what its
// instance reads and writes, drops a card when another publish on its change subject is announced
// (a refused one included), never keeps a read older than an announced change, forgets everything
// across a reconnect, and follows the stream with no JetStream consumer once loaded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { CardView } from '../../services/registry/card-view.ts';
import type { SealedCard } from '../../services/registry/card-stream.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

let nats: TestNats;
let writer: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let viewer: NatsConnection;
let view: CardView;
const failures: unknown[] = [];
let changes = 0;

/** Publishes a change message (as the registry does: compare-and-set, with its id) from another connection. */
async function change(cardNumber: string, sealed: string, expected?: number): Promise<SealedCard> {
  const id = `change-${++changes}`;
  const header = headers();
  header.set('Nats-Msg-Id', id);
  if (expected !== undefined) header.set('Nats-Expected-Last-Subject-Sequence', String(expected));
  const ack = await js.publish(`ra.events.${cardNumber}.change`, JSON.stringify({ cardNumber, sealedRecord: sealed }), { headers: header });
  return { revision: ack.seq, id, sealed };
}

/** Waits until the viewer's connection has received everything published before (one round trip). */
async function heard(): Promise<void> {
  await writer.flush();
  await viewer.flush();
}

const events = { stopped: (error: unknown) => failures.push(error), loadFailed: (error: unknown) => failures.push(error) };

beforeAll(async () => {
  nats = await startTestNats();
  writer = await nats.connect();
  jsm = await jetstreamManager(writer);
  await jsm.streams.add({ name: 'RA_EVENTS', subjects: ['ra.events.>'], allow_direct: true });
  js = jetstream(writer);
  await change('VW000001', 'issued');
  viewer = await nats.connect();
  view = await CardView.follow(viewer, jetstream(viewer), events);
});

afterAll(async () => {
  await view?.close();
  await nats?.stop();
});

describe('the card view', () => {
  it('loads every card at start, then keeps no consumer on the stream', async () => {
    await expect.poll(() => view.get('VW000001')?.sealed).toBe('issued');
    // The old view held a JetStream consumer that delivered every change back to every instance.
    await expect.poll(consumerCount).toBe(0);
  });

  it('drops a card another writer changed, and keeps the read that follows', async () => {
    const ticket = view.ticket();
    const next = await change('VW000001', 'verified', view.get('VW000001')?.revision);
    await heard();
    expect(view.get('VW000001')).toBeUndefined();
    view.remember('VW000001', next, ticket);
    expect(view.get('VW000001')?.sealed).toBe('verified');
  });

  it('does not keep a read older than the change announced', async () => {
    const first = await change('VW000002', 'issued');
    const ticket = view.ticket();
    await change('VW000002', 'verified', first.revision);
    await heard();
    // A read that raced the announced change returns the message before it: answered, not kept.
    view.remember('VW000002', first, ticket);
    expect(view.get('VW000002')).toBeUndefined();
  });

  it('drops a card on a refused publish too: it cannot tell a refused change from a stored one', async () => {
    const stored = await change('VW000003', 'issued');
    view.remember('VW000003', stored, view.ticket());
    await expect(change('VW000003', 'forged', stored.revision + 10)).rejects.toThrow(/wrong last sequence/);
    await heard();
    expect(view.get('VW000003')).toBeUndefined();
  });

  it('keeps its own write when the announcement of it comes first, and keeps the newest revision', async () => {
    const ticket = view.ticket();
    const written = await change('VW000004', 'accepted');
    await heard();
    view.remember('VW000004', written, ticket);
    expect(view.get('VW000004')?.sealed).toBe('accepted');
    view.remember('VW000004', { sealed: 'issued', revision: written.revision - 1, id: 'older' }, view.ticket());
    expect(view.get('VW000004')?.sealed).toBe('accepted');
  });

  it('ignores an announcement of the change it holds, and other subjects', async () => {
    const own = await change('VW000005', 'issued');
    await heard();
    view.remember('VW000005', own, view.ticket());
    // The announcement of a change the view already holds (an own write's echo) changes nothing.
    const echo = headers();
    echo.set('Nats-Msg-Id', own.id ?? '');
    writer.publish('ra.events.VW000005.change', 'echo', { headers: echo });
    writer.publish('ra.events.VW000005.verified', 'an old-layout event');
    await heard();
    expect(view.get('VW000005')?.sealed).toBe('issued');
  });

  it('forgets everything across a reconnect, and keeps no read begun before it', async () => {
    const ticket = view.ticket();
    const reconnected = new Promise<void>((resolve) => {
      void (async () => {
        for await (const status of viewer.status()) if (status.type === 'reconnect') return resolve();
      })();
    });
    viewer.reconnect();
    await reconnected;
    expect(view.get('VW000005')).toBeUndefined();
    view.remember('VW000006', { sealed: 'issued', revision: 1, id: 'x' }, ticket);
    expect(view.get('VW000006')).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('is empty once closed', async () => {
    const other = await CardView.follow(viewer, jetstream(viewer), events);
    await expect.poll(() => other.get('VW000001')?.sealed).toBe('verified');
    await other.close();
    expect(other.get('VW000001')).toBeUndefined();
    other.remember('VW000001', { sealed: 'later', revision: 999, id: 'y' }, other.ticket());
    expect(other.get('VW000001')).toBeUndefined();
  });
});

async function consumerCount(): Promise<number> {
  let count = 0;
  for await (const _ of jsm.consumers.list('RA_EVENTS')) count++;
  return count;
}
