// The registry's staff subjects against a real nats-server: the staff id comes only from a verified
// staff token (none, forged, expired, with lying claims, of someone not enrolled or another staff
// member's: refused with its own code, nothing changed), every authenticated staff request is in
// the RA_AUDIT stream before the registry acts (look-ups too, no token or contact in it) while
// requests without a valid token are refused without storing anything, unlocks are limited per
// card per day, and a return records the contact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { generateKeyPair, SignJWT } from 'jose';
import { registrySubjectFor, type RegistryEndpoint } from '../../machines/contract/index.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { RegistryEventSchema } from '../../machines/contract/registry.ts';
import { StaffAuditEventSchema } from '../../machines/contract/staff.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { STAFF_TOKEN_AUDIENCE, STAFF_TOKEN_ISSUER } from '../../services/staff-auth/staff-token.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL, sampleCardRecord } from '../support/sample-cards.ts';
import { enrollTestStaff, staffTokenFor } from '../support/staff-token.ts';
import * as v from 'valibot';

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
let clockMs = Date.parse('2026-06-01T09:00:00Z');
const logs: string[] = [];
const jetstreamManagerFor = async () => (await import('@nats-io/jetstream')).jetstreamManager(nc);
const CONTACT = { name: '王小明', phone: '02-2345-6789', address: '臺北市中正區測試路1號' };

/** Any reply: `{ok, body}` or `{code}` of the error. */
async function call(endpoint: RegistryEndpoint, body: unknown): Promise<{ code?: string; body: Record<string, unknown> }> {
  const msg = await nc.request(registrySubjectFor(endpoint), encodeJson(body), { timeout: 5_000 });
  const parsed = msg.json<Record<string, unknown> & { error?: { code: string } }>();
  return parsed.error ? { code: parsed.error.code, body: parsed } : { body: parsed };
}

const token = (staffId: string, atMs = clockMs, ttlSeconds?: number) => staffTokenFor(nats.dataDir, staffId, new Date(atMs), ttlSeconds);

async function lock(cardNumber: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await nc.request(registrySubjectFor('verify'), encodeJson({ cardNumber, certSerial: SAMPLE_CERT_SERIAL, kioskId: `kiosk-${cardNumber.toLowerCase()}-${i}`, route: 'self-applied', userCode: 'Wrong$123' }));
  }
  expect((await call('identify', { cardNumber, certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
}

async function eventsOf(cardNumber: string) {
  return (await readAll(jetstream(nc), 'RA_EVENTS', `ra.events.${cardNumber}.>`)).map((m) => v.parse(RegistryEventSchema, m.json()));
}

/** The staff entries of RA_AUDIT (checkpoints left out). */
async function audit() {
  return (await readAll(jetstream(nc), 'RA_AUDIT', 'ra.audit.staff.>'))
    .filter((m) => m.subject !== 'ra.audit.staff.checkpoint')
    .map((m) => ({ raw: m.string(), event: v.parse(StaffAuditEventSchema, m.json()) }));
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('staff-test');
  registry = await startRegistry({
    nc: await nats.connect('registry'),
    dataDir: nats.dataDir,
    secretKey: Buffer.alloc(32, 9),
    scryptCost: { N: 1024, r: 8, p: 1 },
    now: () => new Date(clockMs),
    unlocksPerCardPerDay: 2,
    log: (line) => logs.push(line),
  });
  await enrollTestStaff(nc, ['S-1', 'S-2', 'S-3', 'S-4', 'S-5']);
  await importCards(nc, ['ST000001', 'ST000002', 'ST000003', 'ST000004', 'ST000005'].map((cardNumber) => sampleCardRecord(cardNumber)));
});

afterAll(async () => {
  await registry?.stop();
  await nats?.stop();
});

describe('staff requests need a verified staff token', () => {
  it('refuses every staff subject without a token, and changes nothing', async () => {
    await lock('ST000001');
    const before = await eventsOf('ST000001');
    expect((await call('staffUnlock', { cardNumber: 'ST000001', staffId: 'S-1' })).code).toBe('STAFF_SIGN_IN_REQUIRED');
    expect((await call('staffReturn', { cardNumber: 'ST000001' })).code).toBe('STAFF_SIGN_IN_REQUIRED');
    expect((await call('staffCard', { cardNumber: 'ST000001', staffId: 'S-1' })).code).toBe('STAFF_SIGN_IN_REQUIRED');
    expect(await eventsOf('ST000001')).toEqual(before);
    expect((await call('identify', { cardNumber: 'ST000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
  });

  it('refuses a forged token (another key, or claims edited) and an expired one', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ name: 'x' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('S-1')
      .setIssuer(STAFF_TOKEN_ISSUER)
      .setAudience(STAFF_TOKEN_AUDIENCE)
      .setIssuedAt(Math.floor(clockMs / 1000))
      .setExpirationTime(Math.floor(clockMs / 1000) + 600)
      .sign(other.privateKey);
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: forged })).code).toBe('STAFF_TOKEN_INVALID');
    // A real token whose payload is swapped for another staff id no longer verifies.
    const [header, , signature] = (await token('S-1')).split('.');
    const edited = [header, Buffer.from(JSON.stringify({ sub: 'S-boss', name: 'x', iss: STAFF_TOKEN_ISSUER, aud: STAFF_TOKEN_AUDIENCE, iat: 1, exp: 4e9 })).toString('base64url'), signature].join('.');
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: edited })).code).toBe('STAFF_TOKEN_INVALID');
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: 'not.a.token' })).code).toBe('STAFF_TOKEN_INVALID');
    const expired = await token('S-1', clockMs - 16 * 60_000, 15 * 60);
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: expired })).code).toBe('STAFF_TOKEN_EXPIRED');
    expect((await call('identify', { cardNumber: 'ST000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
  });

  it('refuses a token signed with the right key whose claims lie: 10-year life, future issue, staff never enrolled', async () => {
    const keys = await (await import('../../services/staff-auth/staff-token.ts')).loadStaffTokenKeys(nats.dataDir, {});
    const mint = (subject: string, iat: number, exp: number) =>
      new SignJWT({ name: 'x' }).setProtectedHeader({ alg: 'EdDSA' }).setSubject(subject).setIssuer(STAFF_TOKEN_ISSUER).setAudience(STAFF_TOKEN_AUDIENCE).setIssuedAt(iat).setExpirationTime(exp).setJti(`t-${iat}-${exp}`).sign(keys.privateKey);
    const now = Math.floor(clockMs / 1000);
    const auditBefore = (await audit()).length;
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: await mint('S-1', now, now + 10 * 365 * 86_400) })).code).toBe('STAFF_TOKEN_INVALID');
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: await mint('S-1', now + 3_600, now + 3_600 + 600) })).code).toBe('STAFF_TOKEN_INVALID');
    expect((await call('staffUnlock', { cardNumber: 'ST000001', token: await token('S-never-enrolled') })).code).toBe('STAFF_TOKEN_REVOKED');
    expect((await call('identify', { cardNumber: 'ST000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
    // None of them is written to the audit as if it were someone.
    expect((await audit()).length).toBe(auditBefore);
  });

  it('refuses another staff member’s token for a request that names someone else', async () => {
    expect((await call('staffUnlock', { cardNumber: 'ST000001', staffId: 'S-2', token: await token('S-1') })).code).toBe('STAFF_MISMATCH');
    expect((await call('identify', { cardNumber: 'ST000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
  });

  it('acts with a valid token, and records the token’s staff id', async () => {
    const reply = await call('staffUnlock', { cardNumber: 'ST000001', token: await token('S-1') });
    expect(reply.code).toBeUndefined();
    expect(reply.body.status).toBe('issued');
    expect((await eventsOf('ST000001')).at(-1)).toMatchObject({ type: 'unlocked', staffId: 'S-1' });
  });
});

describe('the audit trail', () => {
  it('has every look-up and change, its request before it and its outcome after, with no token or contact in it', async () => {
    const t = await token('S-3');
    await call('staffCard', { cardNumber: 'ST000002', token: t });
    await call('staffReturn', { cardNumber: 'ST000002', token: t, reason: '27011', contact: CONTACT });
    await call('staffCard', { cardNumber: 'ST000002' });
    const trail = (await audit()).filter((entry) => entry.event.cardNumber === 'ST000002');
    expect(trail.map((entry) => [entry.event.action, entry.event.staffId, entry.event.outcome])).toEqual([
      ['card', 'S-3', 'requested'],
      ['card', 'S-3', 'ok'],
      ['return', 'S-3', 'requested'],
      ['return', 'S-3', 'ok'],
    ]);
    for (const entry of await audit()) {
      expect(entry.raw).not.toContain(t.split('.')[2]);
      expect(entry.raw).not.toContain(CONTACT.phone);
    }
  });

  it('stores nothing for 2,000 requests without a valid token: they are counted, and logged in a line or two', async () => {
    const before = (await jetstreamManagerFor()).streams.info('RA_AUDIT');
    const messagesBefore = (await before).state.messages;
    const replies = await Promise.all(Array.from({ length: 2_000 }, (_, i) => call('staffCard', { cardNumber: 'ST000002', ...(i % 2 === 0 ? {} : { token: 'not.a.token' }) })));
    expect(new Set(replies.map((reply) => reply.code))).toEqual(new Set(['STAFF_SIGN_IN_REQUIRED', 'STAFF_TOKEN_INVALID']));
    expect((await (await jetstreamManagerFor()).streams.info('RA_AUDIT')).state.messages).toBe(messagesBefore);
    const refusalLines = logs.filter((line) => line.includes('ST000002') && line.includes('STAFF_'));
    expect(refusalLines).toHaveLength(0);
    expect(logs.filter((line) => line.includes('refused without a valid sign-in')).length).toBeLessThanOrEqual(2);
  });

  it('denies deleting or purging the audit stream', async () => {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.purge('RA_AUDIT')).rejects.toThrow();
    await expect(jsm.streams.deleteMessage('RA_AUDIT', 1)).rejects.toThrow();
  });
});

describe('a return records the contact', () => {
  it('keeps the reason and contact with the record', async () => {
    const reply = await call('staffReturn', { cardNumber: 'ST000003', token: await token('S-4'), reason: 'CARD_UNREADABLE', contact: CONTACT });
    expect(reply.body).toMatchObject({ status: 'returned', returnReason: 'CARD_UNREADABLE', returnContact: CONTACT });
    expect((await call('staffCard', { cardNumber: 'ST000003', token: await token('S-4') })).body).toMatchObject({ returnContact: CONTACT });
  });

  it('refuses a malformed contact and changes nothing', async () => {
    const bad = { ...CONTACT, phone: 'call me<script>' };
    expect((await call('staffReturn', { cardNumber: 'ST000004', token: await token('S-4'), contact: bad })).code).toBe('BAD_REQUEST');
    expect((await call('identify', { cardNumber: 'ST000004', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('issued');
  });
});

describe('unlocks per card per day', () => {
  it('allows the limit within a day, then UNLOCK_LIMIT with the card still locked; a day later again', async () => {
    const t = () => token('S-5');
    for (let round = 0; round < 2; round++) {
      await lock('ST000005');
      expect((await call('staffUnlock', { cardNumber: 'ST000005', token: await t() })).body.status).toBe('issued');
      clockMs += 3_600_000;
    }
    await lock('ST000005');
    const before = await eventsOf('ST000005');
    expect((await call('staffUnlock', { cardNumber: 'ST000005', token: await t() })).code).toBe('UNLOCK_LIMIT');
    expect(await eventsOf('ST000005')).toEqual(before);
    expect((await call('identify', { cardNumber: 'ST000005', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status).toBe('locked');
    clockMs += 23 * 3_600_000;
    expect((await call('staffUnlock', { cardNumber: 'ST000005', token: await t() })).body.status).toBe('issued');
  });
});
