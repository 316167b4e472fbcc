// The per-instance view of ra_cards against a real KV bucket: it follows writes made by anyone,
// never goes back to an older revision, and ignores keys that are not cards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import { CardView } from '../../services/registry/card-view.ts';
import type { CardRecord } from '../../services/registry/card-record.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

let nats: TestNats;
let kv: KV;
let view: CardView;
const failures: unknown[] = [];

function record(cardNumber: string, status: CardRecord['status']): CardRecord {
  return { v: 1, cardNumber, status } as CardRecord;
}

beforeAll(async () => {
  nats = await startTestNats();
  kv = await new Kvm(await nats.connect()).create('ra_cards_view_test', { history: 5 });
  await kv.put('VW000001', JSON.stringify(record('VW000001', 'issued')));
  view = await CardView.follow(kv, (error) => failures.push(error));
});

afterAll(async () => {
  await view?.close();
  await nats?.stop();
});

describe('the card view', () => {
  it('loads what is there and follows later writes, from any writer', async () => {
    await expect.poll(() => view.get('VW000001')?.value.status).toBe('issued');
    const revision = await kv.put('VW000001', JSON.stringify(record('VW000001', 'verified')));
    await expect.poll(() => view.get('VW000001')?.revision).toBe(revision);
    expect(view.get('VW000001')?.value.status).toBe('verified');
  });

  it('keeps the newest revision, whichever way it arrives', async () => {
    const revision = await kv.put('VW000002', JSON.stringify(record('VW000002', 'accepted')));
    view.remember('VW000002', { value: record('VW000002', 'accepted'), revision });
    view.remember('VW000002', { value: record('VW000002', 'issued'), revision: revision - 1 });
    expect(view.get('VW000002')?.value.status).toBe('accepted');
    // The watcher delivers in order: once it has shown a later write, it has shown this one too.
    const marker = await kv.put('VW000009', JSON.stringify(record('VW000009', 'issued')));
    await expect.poll(() => view.get('VW000009')?.revision).toBe(marker);
    expect(view.get('VW000002')).toEqual({ value: record('VW000002', 'accepted'), revision });
  });

  it('ignores keys that are not card numbers, and forgets deleted cards', async () => {
    await kv.put('_registry_key_check', JSON.stringify({ check: 'x' }));
    await kv.put('VW000003', JSON.stringify(record('VW000003', 'issued')));
    await expect.poll(() => view.get('VW000003')?.value.status).toBe('issued');
    expect(view.get('_registry_key_check')).toBeUndefined();
    await kv.delete('VW000003');
    await expect.poll(() => view.get('VW000003')).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('is empty once closed', async () => {
    const other = await CardView.follow(kv, (error) => failures.push(error));
    await expect.poll(() => other.get('VW000001')?.value.status).toBe('verified');
    await other.close();
    expect(other.get('VW000001')).toBeUndefined();
  });
});
