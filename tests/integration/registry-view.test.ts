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
/** Each card's last change number, as the records count their changes. */
const changes = new Map<string, number>();

/**
 * Publishes a card's next change message as the registry does, from another connection: the
 * sealed record starts with its change number, the Nats-Msg-Id is `<card>-<change>`, and
 * `expected` makes it a compare-and-set. `number` announces a change number of the test's choosing.
 */
async function change(cardNumber: string, label: string, expected?: number, number = (changes.get(cardNumber) ?? 0) + 1): Promise<SealedCard> {
  changes.set(cardNumber, Math.max(number, changes.get(cardNumber) ?? 0));
  const header = headers();
  header.set('Nats-Msg-Id', `${cardNumber}-${number}`);
  if (expected !== undefined) header.set('Nats-Expected-Last-Subject-Sequence', String(expected));
  const sealed = `${number}:${label}`;
  const ack = await js.publish(`ra.events.${cardNumber}.change`, JSON.stringify({ cardNumber, sealedRecord: sealed }), { headers: header });
  return { revision: ack.seq, sealed };
}

/** What a held record says (the test's label after its change number). */
const label = (slot: SealedCard | undefined) => slot?.sealed.slice(slot.sealed.indexOf(':') + 1);

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
    await expect.poll(() => label(view.get('VW000001'))).toBe('issued');
    // The old view held a JetStream consumer that delivered every change back to every instance.
    await expect.poll(consumerCount).toBe(0);
  });

  it('drops a card another writer changed, and keeps the read that follows', async () => {
    const ticket = view.ticket();
    const next = await change('VW000001', 'verified', view.get('VW000001')?.revision);
    await heard();
    expect(view.get('VW000001')).toBeUndefined();
    view.remember('VW000001', next, ticket);
    expect(label(view.get('VW000001'))).toBe('verified');
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

  it('keeps the highest change announced, in whatever order announcements arrive', async () => {
    const first = await change('VW000008', 'issued');
    const ticket = view.ticket();
    // Change 2 is announced, then change 1 again, late (as over another route of a cluster). The
    // stream refuses the first and answers the second as a duplicate of change 1; the view hears
    // both announcements all the same.
    await expect(change('VW000008', 'verified', 999, 2)).rejects.toThrow(/wrong last sequence/);
    expect((await change('VW000008', 'issued', 999, 1)).revision).toBe(first.revision);
    await heard();
    // A read a replica answered before it stored change 2: answered, not kept.
    view.remember('VW000008', first, ticket);
    expect(view.get('VW000008')).toBeUndefined();
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
    expect(label(view.get('VW000004'))).toBe('accepted');
    view.remember('VW000004', { sealed: '0:issued', revision: written.revision - 1 }, view.ticket());
    expect(label(view.get('VW000004'))).toBe('accepted');
  });

  it('ignores an announcement of the change it holds, and other subjects', async () => {
    const own = await change('VW000005', 'issued');
    await heard();
    view.remember('VW000005', own, view.ticket());
    // The announcement of a change the view already holds (an own write's echo) changes nothing.
    const echo = headers();
    echo.set('Nats-Msg-Id', 'VW000005-1');
    writer.publish('ra.events.VW000005.change', 'echo', { headers: echo });
    writer.publish('ra.events.VW000005.verified', 'an old-layout event');
    await heard();
    expect(label(view.get('VW000005'))).toBe('issued');
  });

  it('forgets everything across a reconnect, and keeps no read begun before it', async () => {
    const held = await change('VW000007', 'issued');
    await heard();
    view.remember('VW000007', held, view.ticket());
    expect(label(view.get('VW000007'))).toBe('issued');
    const ticket = view.ticket();
    const reconnected = new Promise<void>((resolve) => {
      void (async () => {
        for await (const status of viewer.status()) if (status.type === 'reconnect') return resolve();
      })();
    });
    viewer.reconnect();
    await reconnected;
    expect(view.get('VW000007')).toBeUndefined();
    view.remember('VW000006', { sealed: '1:issued', revision: 1 }, ticket);
    expect(view.get('VW000006')).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('is empty once closed', async () => {
    const other = await CardView.follow(viewer, jetstream(viewer), events);
    await expect.poll(() => label(other.get('VW000001'))).toBe('verified');
    await other.close();
    expect(other.get('VW000001')).toBeUndefined();
    other.remember('VW000001', { sealed: '9:later', revision: 999 }, other.ticket());
    expect(other.get('VW000001')).toBeUndefined();
  });
});

async function consumerCount(): Promise<number> {
  let count = 0;
  for await (const _ of jsm.consumers.list('RA_EVENTS')) count++;
  return count;
}
