// identify's facts of a card travel in clear beside its sealed record in each change message
// (services/registry/card-stream.ts, card-facts.ts), so identify never opens a record: an instance
// that could not open the record at all (here: a ledger holding another key) still answers
// identify's facts, from its view and from a direct get. The facts carry no secret, the events
// read from the stream do not carry them, and a message written before they existed is still
// read by opening its record once. Against a real nats-server and RA_EVENTS stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { factsOf } from '../../services/registry/card-facts.ts';
import { CardLedger } from '../../services/registry/card-ledger.ts';
import { newCardRecord, recordVerification, type Change } from '../../services/registry/card-record.ts';
import { eventOf, sealRecord } from '../../services/registry/card-stream.ts';
import { CardView } from '../../services/registry/card-view.ts';
import { RegistrySecrets } from '../../services/registry/registry-secrets.ts';
import { openRegistryStore, type RegistryStore } from '../../services/registry/registry-store.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL } from '../support/sample-cards.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

const NOW = new Date('2026-06-01T09:00:00Z');
const secrets = new RegistrySecrets(Buffer.alloc(32, 7));
/** Holds another key: it can open no record the writer sealed. */
const otherKey = new RegistrySecrets(Buffer.alloc(32, 8));

let nats: TestNats;
let nc: NatsConnection;
let store: RegistryStore;
const views: CardView[] = [];

function issued(cardNumber: string): Change {
  return newCardRecord(
    {
      cardNumber,
      certSerial: SAMPLE_CERT_SERIAL,
      route: 'self-applied',
      holderName: '事實測試公司',
      ubn: '97969933',
      email: 'facts@example.com.tw',
      validFrom: '2026-01-01T00:00:00Z',
      validTo: '2031-01-01T00:00:00Z',
      status: 'issued',
      userCodeHash: 'scrypt$1024$8$1$c2FsdA$aGFzaA',
      soCredential: secrets.encryptSoCredential(cardNumber, `so-${cardNumber}`),
      certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256,
    },
    NOW,
  );
}

async function ledgerWith(keys: RegistrySecrets): Promise<CardLedger> {
  const view = await CardView.follow(nc, store.js, {
    stopped: (error) => {
      throw error;
    },
    loadFailed: (error) => {
      throw error;
    },
  });
  views.push(view);
  return new CardLedger(store, view, () => NOW, keys);
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  store = await openRegistryStore(nc);
});

afterAll(async () => {
  await Promise.all(views.map((view) => view.close()));
  store?.close();
  await nats?.stop();
});

describe("identify's facts in clear beside the sealed record", () => {
  it('are answered without opening the record, from the view and from a direct get', async () => {
    const writer = await ledgerWith(secrets);
    const created = await writer.createCard(issued('FC000001'));
    expect(created.created).toBe(true);
    const verified = await writer.changeCard('FC000001', undefined, (current) => {
      const change = recordVerification(current, { ref: 'r'.repeat(32), kioskId: 'kiosk-1', expiresAt: '2026-06-01T09:15:00Z' }, NOW);
      return { write: change, result: change };
    });
    const expected = factsOf(verified.record);
    expect(expected).toMatchObject({ status: 'verified', activation: { expiresAt: '2026-06-01T09:15:00Z' } });

    const reader = await ledgerWith(otherKey);
    await expect(reader.readCard('FC000001')).rejects.toThrow();
    expect(await reader.readFacts('FC000001')).toEqual(expected);
    const follower = await ledgerWith(otherKey);
    await expect.poll(() => follower.view.get('FC000001')?.revision).toBeGreaterThan(0);
    expect(follower.viewedFacts('FC000001')).toEqual(expected);
    expect(await reader.readFacts('FC000002')).toBeUndefined();
  });

  it('carry no secret, and the events read from the stream do not carry them', async () => {
    const writer = await ledgerWith(secrets);
    await writer.createCard(issued('FC000003'));
    const msg = await store.jsm.direct.getMessage('RA_EVENTS', { last_by_subj: 'ra.events.FC000003.change' });
    const body = msg?.json<Record<string, unknown>>() ?? {};
    expect(Object.keys(body.cardFacts as object).sort()).toEqual(['certSerial', 'certificateKeySha256', 'failedAttempts', 'route', 'status']);
    const text = JSON.stringify(body.cardFacts);
    for (const secret of ['so-FC000003', 'scrypt$', '事實測試公司', 'facts@example.com.tw']) expect(text).not.toContain(secret);
    const event = eventOf(msg?.data ?? new Uint8Array());
    expect(event).not.toHaveProperty('cardFacts');
    expect(event).not.toHaveProperty('sealedRecord');
    expect(event).toMatchObject({ type: 'imported', cardNumber: 'FC000003', to: 'issued' });
  });

  it('are found by opening the record once for a message written before they existed', async () => {
    const { record, event } = issued('FC000004');
    const oldBody = `${JSON.stringify(event).slice(0, -1)},"sealedRecord":"${sealRecord(secrets, record)}"}`;
    await store.js.publish('ra.events.FC000004.change', oldBody, { expect: { lastSubjectSequence: 0 } });
    const reader = await ledgerWith(secrets);
    expect(await reader.readFacts('FC000004')).toEqual(factsOf(record));
    const cannotOpen = await ledgerWith(otherKey);
    await expect(cannotOpen.readFacts('FC000004')).rejects.toThrow();
  });

  it('that are malformed are not believed: the record is opened instead', async () => {
    const { record, event } = issued('FC000005');
    const forged = JSON.stringify({ ...factsOf(record), status: 'made-up' });
    const body = `${JSON.stringify(event).slice(0, -1)},"cardFacts":${forged},"sealedRecord":"${sealRecord(secrets, record)}"}`;
    await store.js.publish('ra.events.FC000005.change', body, { expect: { lastSubjectSequence: 0 } });
    const reader = await ledgerWith(secrets);
    expect(await reader.readFacts('FC000005')).toEqual(factsOf(record));
  });
});
