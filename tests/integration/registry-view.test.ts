// The per-instance view of the card records against a real RA_EVENTS stream: it follows every
// card's change subject, whoever writes, never goes back to an older revision, and ignores the
// events of the layout before one-write changes (`ra.events.<card>.<type>`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { CardView } from '../../services/registry/card-view.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

let nats: TestNats;
let js: JetStreamClient;
let view: CardView;
const failures: unknown[] = [];

/** Publishes a change message whose sealed record is `sealed` (the view stores it unopened). */
async function change(cardNumber: string, sealed: string): Promise<number> {
  return (await js.publish(`ra.events.${cardNumber}.change`, JSON.stringify({ cardNumber, sealedRecord: sealed }))).seq;
}

beforeAll(async () => {
  nats = await startTestNats();
  const nc = await nats.connect();
  await (await jetstreamManager(nc)).streams.add({ name: 'RA_EVENTS', subjects: ['ra.events.>'], allow_direct: true });
  js = jetstream(nc);
  await change('VW000001', 'issued');
  view = await CardView.follow(js, (error) => failures.push(error));
});

afterAll(async () => {
  await view?.close();
  await nats?.stop();
});

describe('the card view', () => {
  it('loads what is there and follows later changes, from any writer', async () => {
    await expect.poll(() => view.get('VW000001')?.sealed).toBe('issued');
    const revision = await change('VW000001', 'verified');
    await expect.poll(() => view.get('VW000001')?.revision).toBe(revision);
    expect(view.get('VW000001')?.sealed).toBe('verified');
  });

  it('keeps the newest revision, whichever way it arrives', async () => {
    const revision = await change('VW000002', 'accepted');
    view.remember('VW000002', { sealed: 'accepted', revision });
    view.remember('VW000002', { sealed: 'issued', revision: revision - 1 });
    expect(view.get('VW000002')?.sealed).toBe('accepted');
    // The consumer delivers in order: once it has shown a later change, it has shown this one too.
    const marker = await change('VW000009', 'issued');
    await expect.poll(() => view.get('VW000009')?.revision).toBe(marker);
    expect(view.get('VW000002')).toEqual({ sealed: 'accepted', revision });
  });

  it('ignores old-layout events and messages without a record', async () => {
    await js.publish('ra.events.VW000003.verified', JSON.stringify({ cardNumber: 'VW000003' }));
    await js.publish('ra.events.VW000004.change', JSON.stringify({ cardNumber: 'VW000004' }));
    const marker = await change('VW000005', 'issued');
    await expect.poll(() => view.get('VW000005')?.revision).toBe(marker);
    expect(view.get('VW000003')).toBeUndefined();
    expect(view.get('VW000004')).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('is empty once closed', async () => {
    const other = await CardView.follow(js, (error) => failures.push(error));
    await expect.poll(() => other.get('VW000001')?.sealed).toBe('verified');
    await other.close();
    expect(other.get('VW000001')).toBeUndefined();
  });
});
