// A site from before one-write changes: card records in the `ra_cards` bucket (each keeping its
// latest event), events on `ra.events.<card>.<type>`, PIN grants counted in `ra_activations`, and
// an RA_EVENTS stream without direct get. The test writes that layout as the earlier registry did,
// one card of it with its latest event lost after the record write, then starts today's registry:
// the cards move to their change subjects at start (one `migrated` change each), each card's
// history holds every event once and in order (the lost one stored before the move), the grants in
// flight are carried, and the cards go on
// (docs/registry.md, "Migrating a site from the bucket layout").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers, nanos } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { AcceptReplySchema, IdentifyReplySchema, VerifyReplySchema } from '../../machines/contract/index.ts';
import { StaffCardReplySchema } from '../../machines/contract/staff.ts';
import {
  newCardRecord,
  recordAcceptance,
  recordVerification,
  type CardRecord,
  type Change,
  type RegistryEvent,
} from '../../services/registry/card-record.ts';
import { cardOfSubject, openSealed, sealedOf } from '../../services/registry/card-stream.ts';
import { hashUserCode, RegistrySecrets } from '../../services/registry/registry-secrets.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE } from '../support/sample-cards.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';

const KEY = Buffer.alloc(32, 5);
const COST = { N: 1024, r: 8, p: 1 };
const NOW = new Date('2026-06-01T09:00:00Z');
const secrets = new RegistrySecrets(KEY);

let nats: TestNats;
let nc: NatsConnection;
let registries: RunningRegistry[] = [];
const { ask } = registryRequests(() => nc);

/** One card's history as the earlier registry wrote it: its record (with `lastEvent`) and its events. */
interface OldCard {
  readonly record: CardRecord;
  readonly events: RegistryEvent[];
}

async function issued(cardNumber: string): Promise<Change> {
  return newCardRecord(
    {
      cardNumber,
      certSerial: SAMPLE_CERT_SERIAL,
      route: 'self-applied',
      holderName: '測試公司',
      ubn: '97969933',
      email: 'test@example.com.tw',
      validFrom: '2026-01-01T00:00:00Z',
      validTo: '2031-01-01T00:00:00Z',
      status: 'issued',
      userCodeHash: await hashUserCode(SAMPLE_USER_CODE, COST),
      soCredential: secrets.encryptSoCredential(cardNumber, `so-${cardNumber}`),
      certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256,
    },
    NOW,
  );
}

/** Follows changes, as the earlier registry kept them: every record holds its latest event. */
function history(...changes: Change[]): OldCard {
  const last = changes[changes.length - 1] as Change;
  return { record: { ...last.record, lastEvent: last.event }, events: changes.map((change) => change.event) };
}

const ACTIVATION = { ref: 'a'.repeat(32), kioskId: 'kiosk-1', expiresAt: new Date(NOW.getTime() + 15 * 60_000).toISOString() };

/** Writes the layout of the earlier registry: streams and buckets as it made them, records, events. */
async function writeOldLayout(cards: { card: OldCard; stored: RegistryEvent[] }[], grants: Record<string, object>): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'RA_EVENTS', subjects: ['ra.events.>'], storage: StorageType.File, duplicate_window: nanos(10 * 60_000) });
  const kvm = new Kvm(nc);
  const cardsKv: KV = await kvm.create('ra_cards', { history: 10, storage: StorageType.File });
  const activations = await kvm.create('ra_activations', { history: 1, ttl: 7 * 24 * 3_600_000, storage: StorageType.File });
  await kvm.create('ra_kiosk_limits', { history: 1, ttl: 3_600_000, storage: StorageType.File });
  await cardsKv.put('_registry_key_check', JSON.stringify({ check: secrets.keyCheck() }));
  const js = jetstream(nc);
  for (const { card, stored } of cards) {
    await cardsKv.put(card.record.cardNumber, JSON.stringify(card.record));
    for (const event of stored) {
      const msgId = headers();
      msgId.set('Nats-Msg-Id', event.id);
      await js.publish(`ra.events.${event.cardNumber}.${event.type}`, JSON.stringify(event), { headers: msgId });
    }
  }
  for (const [ref, record] of Object.entries(grants)) await activations.put(ref, JSON.stringify(record));
}

function startInstance(): Promise<RunningRegistry> {
  return nats.connect('registry').then((connection) =>
    startRegistry({ nc: connection, dataDir: nats.dataDir, secretKey: KEY, scryptCost: COST, now: () => NOW, kioskRateLimit: { burst: 100, perMinute: 100 } }),
  );
}

async function staffView(cardNumber: string) {
  return ask('staffCard', { cardNumber, token: await enrolledStaffToken(nc, nats.dataDir, 'staff-migration', NOW) }, StaffCardReplySchema);
}

const verifyBody = (cardNumber: string) => ({ cardNumber, certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', route: 'self-applied', userCode: SAMPLE_USER_CODE });

let plain: OldCard;
let accepted: OldCard;
let lost: OldCard;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('migration-test');
  plain = history(await issued('MG000001'));
  const second = await issued('MG000002');
  const verified = recordVerification(second.record, ACTIVATION, NOW);
  const acceptance = recordAcceptance(verified.record, ACTIVATION.ref, NOW, {}).change as Change;
  accepted = history(second, verified, acceptance);
  const third = await issued('MG000003');
  lost = history(third, recordVerification(third.record, { ...ACTIVATION, ref: 'b'.repeat(32) }, NOW));
  const grantEvent: RegistryEvent = { ...acceptance.event, id: `MG000002-${ACTIVATION.ref}-grant-1`, type: 'pin-granted', from: 'accepted', to: 'accepted', grant: 1 };
  await writeOldLayout(
    [
      { card: plain, stored: plain.events },
      { card: accepted, stored: [...accepted.events, grantEvent] },
      // The verify's event was lost after its record was written.
      { card: lost, stored: lost.events.slice(0, 1) },
    ],
    { [ACTIVATION.ref]: { v: 1, cardNumber: 'MG000002', kioskId: 'kiosk-1', createdAt: NOW.toISOString(), expiresAt: ACTIVATION.expiresAt, grants: 1, proofNonce: 'nonce-1' } },
  );
  // Two instances start at once, as a site's would after the upgrade: they agree on one move per card.
  registries = await Promise.all([startInstance(), startInstance()]);
});

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  await nats?.stop();
});

describe('migrating a site from the ra_cards bucket', () => {
  it('moves every card to its change subject once and empties the bucket of cards', async () => {
    const js = jetstream(nc);
    const changes = await readAll(js, 'RA_EVENTS', 'ra.events.*.change');
    expect(changes.map((msg) => cardOfSubject(msg.subject)).sort()).toEqual(['MG000001', 'MG000002', 'MG000003']);
    const records = Object.fromEntries(changes.map((msg) => [cardOfSubject(msg.subject), openSealed(secrets, cardOfSubject(msg.subject) as string, sealedOf('', msg.data))]));
    expect(records.MG000002?.status).toBe('accepted');
    // The grant counted in ra_activations is carried onto the record's activation.
    expect(records.MG000002?.activation).toMatchObject({ ref: ACTIVATION.ref, grants: 1, proofNonce: 'nonce-1' });
    expect(records.MG000001?.lastEvent).toBeUndefined();
    const left = (await readAll(js, 'KV_ra_cards', '$KV.ra_cards.>', true)).filter((msg) => msg.data.length > 0);
    expect(left.map((msg) => msg.subject)).toEqual(['$KV.ra_cards._registry_key_check']);
  });

  it('keeps every event once and in order, and stores the one that was lost', async () => {
    expect((await staffView('MG000001')).history.map((event) => `${event.id} ${event.type}`)).toEqual(['MG000001-1 imported', 'MG000001-2 migrated']);
    expect((await staffView('MG000002')).history.map((event) => event.type)).toEqual(['imported', 'verified', 'accepted', 'pin-granted', 'migrated']);
    const repaired = await staffView('MG000003');
    expect(repaired.history.map((event) => `${event.id} ${event.type}`)).toEqual(['MG000003-1 imported', 'MG000003-2 verified', 'MG000003-3 migrated']);
    expect(repaired.history.at(-1)).toMatchObject({ from: 'verified', to: 'verified' });
    expect(repaired.status).toBe('verified');
  });

  it('lets the cards go on: identify, a new verify, the acceptance repeated', async () => {
    expect(await ask('identify', { cardNumber: 'MG000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 }, IdentifyReplySchema)).toMatchObject({ status: 'issued' });
    const { activationId } = await ask('verify', verifyBody('MG000001'), VerifyReplySchema);
    const { acceptedAt } = await ask('accept', { activationId }, AcceptReplySchema);
    expect(acceptedAt).toBe(NOW.toISOString());
    const again = await ask('verify', verifyBody('MG000002'), VerifyReplySchema);
    expect(again.acceptedAt).toBe(accepted.record.accepted?.at);
    expect((await staffView('MG000001')).history.map((event) => `${event.id} ${event.type}`)).toEqual([
      'MG000001-1 imported',
      'MG000001-2 migrated',
      'MG000001-3 verified',
      'MG000001-4 accepted',
    ]);
    expect((await staffView('MG000002')).history.map((event) => event.type)).toEqual(['imported', 'verified', 'accepted', 'pin-granted', 'migrated', 'verified']);
  });

  it('does nothing more when an instance starts again', async () => {
    const before = (await readAll(jetstream(nc), 'RA_EVENTS', 'ra.events.>')).length;
    registries.push(await startInstance());
    expect((await readAll(jetstream(nc), 'RA_EVENTS', 'ra.events.>')).length).toBe(before);
  });
});
