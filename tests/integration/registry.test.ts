// The registry against a real nats-server: every endpoint's success and every error code it gives,
// the card lifecycle, expiry, lockout and unlock, the per-kiosk rate limit, the `.<kiosk>` subjects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import {
  AcceptReplySchema,
  CompleteReplySchema,
  ContractError,
  IdentifyReplySchema,
  PinGrantReplySchema,
  REGISTRY_SUBJECTS,
  VerifyReplySchema,
  WireErrorBodySchema,
  type RegistryEndpoint,
} from '../../machines/contract/index.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { generateOneTimeKeyPair, openGrant, pinGrantContext } from '../../platform/pin-grant-jwe.ts';
import { importCards, listCards } from '../../platform/registry-admin-client.ts';
import { enrolledAgentKey, type TestAgentKey } from '../support/card-keys.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE, sampleCardRecord, type ImportRecord } from '../support/sample-cards.ts';
import { RegistryEventSchema } from '../../machines/contract/registry.ts';
import { StaffCardReplySchema, StaffCardSummarySchema } from '../../machines/contract/staff.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { jetstream } from '@nats-io/jetstream';
import { enrolledStaffToken } from '../support/staff-token.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';

const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
const TTL_MS = 10 * 60_000;

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
let clockMs = Date.parse('2026-06-01T09:00:00Z');
const logs: string[] = [];
const agents = new Map<string, Promise<TestAgentKey>>();

/** The kiosk's enrolled card-agent key (enrolled on first use). */
function agentOf(kioskId: string): Promise<TestAgentKey> {
  let agent = agents.get(kioskId);
  if (agent === undefined) {
    agent = enrolledAgentKey(nc, kioskId);
    agents.set(kioskId, agent);
  }
  return agent;
}

/** A pin-grant request whose one-time key the kiosk's enrolled agent key signed. */
async function grantFor(activationId: string, cardNumber: string, kioskId = 'kiosk-1', oneTime = generateOneTimeKeyPair()) {
  const agent = await agentOf(kioskId);
  return { activationId, cardNumber, agentPublicKey: oneTime.publicKey, agentKeySignature: agent.signGrant(activationId, oneTime.publicKey) };
}

/** A complete request with the card's proof of possession over `nonce`. */
function completeWith(activationId: string, cardNumber: string, nonce = 'no-grant-yet') {
  return { activationId, cardNumber, proof: SAMPLE_CARD_KEY.prove(activationId, cardNumber, nonce) };
}

function bundled(cardNumber: string, extra: Partial<ImportRecord> = {}): ImportRecord {
  return {
    cardNumber,
    route: 'registration-bundled',
    holderName: '測試商號',
    ubn: '12345675',
    email: 'owner@example.com.tw',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2031-01-01T00:00:00Z',
    status: 'issued',
    responsibleId: 'A123456789',
    birthDate: '1975-03-05',
    certSerial: SAMPLE_CERT_SERIAL,
    soCredential: `so-${cardNumber}`,
    certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256,
    ...extra,
  } as ImportRecord;
}

/** A staff request body with a token for its staffId (or staff-0), valid at the registry's clock. */
async function signed(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const staffId = typeof body.staffId === 'string' ? body.staffId : 'staff-0';
  return { ...body, token: await enrolledStaffToken(nc, nats.dataDir, staffId, new Date(clockMs)) };
}

const { ask, refusal } = registryRequests(() => nc);

function verifySelf(cardNumber: string, userCode = SAMPLE_USER_CODE, kioskId = 'kiosk-1') {
  return { cardNumber, certSerial: SAMPLE_CERT_SERIAL, kioskId, route: 'self-applied' as const, userCode };
}

async function verified(cardNumber: string, kioskId = 'kiosk-1') {
  return ask('verify', verifySelf(cardNumber, SAMPLE_USER_CODE, kioskId), VerifyReplySchema);
}

async function identify(cardNumber: string) {
  return ask('identify', { cardNumber, certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 }, IdentifyReplySchema);
}

async function eventsOf(cardNumber: string) {
  const messages = await readAll(jetstream(nc), 'RA_EVENTS', `ra.events.${cardNumber}.>`);
  return messages.map((msg) => ({ ...v.parse(RegistryEventSchema, msg.json()), msgId: msg.headers?.get('Nats-Msg-Id') }));
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('registry-test');
  registry = await startRegistry({
    nc: await nats.connect('registry'),
    dataDir: nats.dataDir,
    secretKey: Buffer.alloc(32, 7),
    scryptCost: TEST_SCRYPT,
    now: () => new Date(clockMs),
    activationTtlMs: TTL_MS,
    kioskRateLimit: { burst: 6, perMinute: 6 },
    log: (line) => logs.push(line),
  });
  const results = await importCards(nc, [
    sampleCardRecord('SA000001'),
    sampleCardRecord('SA000002'),
    sampleCardRecord('SA000003'),
    sampleCardRecord('SA000004'),
    sampleCardRecord('SA000005'),
    sampleCardRecord('SA000006'),
    sampleCardRecord('SA000007'),
    sampleCardRecord('SA000008'),
    sampleCardRecord('LK000001'),
    sampleCardRecord('LK000002'),
    sampleCardRecord('LK000003'),
    sampleCardRecord('LK000004'),
    sampleCardRecord('LK000005'),
    bundled('RB000001'),
    bundled('RB000002', { birthDate: undefined }),
    bundled('RB000003'),
    sampleCardRecord('RT000001'),
    bundled('RT000002'),
    // A foreign responsible person: a passport number, confirmed after the kiosk's checksum warning.
    bundled('PP000001', { responsibleId: 'p12345678', orgUnit: '台灣分公司' }),
    sampleCardRecord('RV000001', { status: 'revoked' }),
    sampleCardRecord('SU000001', { status: 'suspended' }),
    sampleCardRecord('UB000001', { status: 'used-before-activation' }),
    sampleCardRecord('EX000001', { validFrom: '2020-01-01T00:00:00Z', validTo: '2025-01-01T00:00:00Z' }),
    sampleCardRecord('KS000001'),
  ]);
  expect(results.every((result) => result.outcome === 'created')).toBe(true);
});

afterAll(async () => {
  await registry?.stop();
  await nats?.stop();
});

describe('import and list (ra.admin.import, ra.admin.list)', () => {
  it('is idempotent per card number: a second import changes nothing', async () => {
    const again = await importCards(nc, [sampleCardRecord('SA000001'), sampleCardRecord('IM000001')]);
    expect(again).toEqual([
      { cardNumber: 'SA000001', outcome: 'unchanged', status: 'issued' },
      { cardNumber: 'IM000001', outcome: 'created', status: 'issued' },
    ]);
    expect((await eventsOf('SA000001')).filter((event) => event.type === 'imported')).toHaveLength(1);
  });

  it('refuses a known card with another serial, and writes nothing of that batch', async () => {
    const error = await refusal('adminImport', { records: [sampleCardRecord('IM000002'), sampleCardRecord('SA000002', { certSerial: 'ffff' })] });
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('SA000002');
    expect((await listCards(nc)).some((card) => card.cardNumber === 'IM000002')).toBe(false);
  });

  it('refuses malformed records with BAD_REQUEST', async () => {
    expect((await refusal('adminImport', { records: [{ cardNumber: 'X1' }] })).code).toBe('BAD_REQUEST');
    expect((await refusal('adminImport', { records: [sampleCardRecord('IM000003', { userCode: 'short' })] })).code).toBe('BAD_REQUEST');
    expect((await refusal('adminImport', { records: [bundled('IM000004', { responsibleId: 'nope' })] })).code).toBe('BAD_REQUEST');
    expect((await refusal('adminImport', { records: [bundled('IM000006', { responsibleId: 'P-1234567' })] })).code).toBe('BAD_REQUEST');
    expect((await refusal('adminImport', { records: [bundled('IM000007', { orgUnit: '' })] })).code).toBe('BAD_REQUEST');
    expect((await refusal('adminImport', { records: [sampleCardRecord('IM000005'), sampleCardRecord('IM000005')] })).code).toBe('BAD_REQUEST');
  });

  it('lists every card with route and status, sorted, across pages', async () => {
    const cards = await listCards(nc);
    const numbers = cards.map((card) => card.cardNumber);
    expect(numbers).toEqual([...numbers].sort());
    expect(cards).toContainEqual({ cardNumber: 'RV000001', route: 'self-applied', status: 'revoked' });
    expect(cards).toContainEqual({ cardNumber: 'RB000001', route: 'registration-bundled', status: 'issued' });
    const firstPage = await requestJson(nc, REGISTRY_SUBJECTS.adminList, { limit: 3 }, v.object({ cards: v.array(v.unknown()), next: v.string() }), {
      unreachable: '3125',
    });
    expect(firstPage.cards).toHaveLength(3);
    expect(firstPage.next).toBe(numbers[2]);
  });
});

describe('identify (ra.activation.identify)', () => {
  it('answers route, status and attempts left', async () => {
    expect(await identify('SA000001')).toEqual({ route: 'self-applied', status: 'issued', attemptsLeft: 5 });
    expect(await identify('RB000001')).toEqual({ route: 'registration-bundled', status: 'issued', attemptsLeft: 5 });
    expect((await identify('RV000001')).status).toBe('revoked');
    expect((await identify('SU000001')).status).toBe('suspended');
    expect((await identify('UB000001')).status).toBe('used-before-activation');
  });

  it('reads the serial however a reader spells it', async () => {
    const reply = await ask('identify', { cardNumber: 'SA000001', certSerial: '000A1B2C3D4E5F', certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 }, IdentifyReplySchema);
    expect(reply.status).toBe('issued');
  });

  it('does not know an unknown card or a card with another certificate (UNKNOWN_CARD)', async () => {
    const key = { certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 };
    expect((await refusal('identify', { cardNumber: 'NO000001', certSerial: SAMPLE_CERT_SERIAL, ...key })).code).toBe('UNKNOWN_CARD');
    expect((await refusal('identify', { cardNumber: 'SA000001', certSerial: 'abcdef', ...key })).code).toBe('UNKNOWN_CARD');
  });

  it('refuses a malformed request (BAD_REQUEST)', async () => {
    expect((await refusal('identify', { cardNumber: 'lower-case', certSerial: SAMPLE_CERT_SERIAL })).code).toBe('BAD_REQUEST');
    expect((await refusal('identify', {})).code).toBe('BAD_REQUEST');
  });
});

describe('verify (ra.activation.verify)', () => {
  it('gives an activation id for the right user code; the card is then verified', async () => {
    const reply = await verified('SA000001');
    expect(reply.activationId).toMatch(/^SA000001\./);
    expect(Date.parse(reply.expiresAt) - clockMs).toBe(TTL_MS);
    expect(reply.acceptedAt).toBeUndefined();
    expect(await identify('SA000001')).toEqual({ route: 'self-applied', status: 'verified', attemptsLeft: 5 });
    const events = await eventsOf('SA000001');
    expect(events.map((event) => event.type)).toEqual(['imported', 'verified']);
    expect(events[1]).toMatchObject({ from: 'issued', to: 'verified', kioskId: 'kiosk-1', msgId: 'SA000001-2' });
    expect(JSON.stringify(events)).not.toContain(reply.activationId);
  });

  it('tells a wrong user code (3005 with attempts left) from a wrong path (WRONG_PATH, not counted)', async () => {
    const wrong = await refusal('verify', verifySelf('SA000002', 'Ab3$xyz8', 'kiosk-2'));
    expect(wrong.code).toBe('3005');
    expect(wrong.attemptsLeft).toBe(4);
    const path = await refusal('verify', { cardNumber: 'SA000002', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-2', route: 'registration-bundled', responsibleId: 'A123456789' });
    expect(path.code).toBe('WRONG_PATH');
    expect(await identify('SA000002')).toEqual({ route: 'self-applied', status: 'issued', attemptsLeft: 4 });
  });

  it('checks user code case', async () => {
    expect((await refusal('verify', verifySelf('SA000002', 'AB3$XYZ9', 'kiosk-2'))).code).toBe('3005');
  });

  it('verifies a registration-bundled card by ID and birth date, however they are typed', async () => {
    const reply = await ask(
      'verify',
      { cardNumber: 'RB000001', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', route: 'registration-bundled', responsibleId: ' ａ123456789 ', birthDate: '民國64年3月5日' },
      VerifyReplySchema,
    );
    expect(reply.activationId).toMatch(/^RB000001\./);
  });

  it('asks for the birth date when the issuance record has one (BIRTH_DATE_REQUIRED, no attempt counted), and not when it has none', async () => {
    const base = { certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-3', route: 'registration-bundled' as const, responsibleId: 'A123456789' };
    const missing = await refusal('verify', { ...base, cardNumber: 'RB000003' });
    expect(missing.code).toBe('BIRTH_DATE_REQUIRED');
    expect(missing.attemptsLeft).toBeUndefined();
    // Even with a wrong ID: the missing date is asked for first, and nothing is counted.
    expect((await refusal('verify', { ...base, cardNumber: 'RB000003', responsibleId: 'B123456780' })).code).toBe('BIRTH_DATE_REQUIRED');
    expect((await identify('RB000003')).attemptsLeft).toBe(5);
    const wrongDate = await refusal('verify', { ...base, cardNumber: 'RB000003', birthDate: '1975-03-06' });
    expect(wrongDate.code).toBe('3005');
    expect(wrongDate.attemptsLeft).toBe(4);
    const wrongId = await refusal('verify', { ...base, cardNumber: 'RB000003', responsibleId: 'B123456780', birthDate: '1975-03-05' });
    expect(wrongId.code).toBe('3005');
    await ask('verify', { ...base, cardNumber: 'RB000002' }, VerifyReplySchema);
  });

  it('compares a passport number (any 6–20 letters and digits) as it compares national IDs: by the MAC of the normalised form', async () => {
    const base = { cardNumber: 'PP000001', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-4', route: 'registration-bundled' as const, birthDate: '1975-03-05' };
    const wrong = await refusal('verify', { ...base, responsibleId: 'P12345679' });
    expect(wrong).toMatchObject({ code: '3005', attemptsLeft: 4 });
    const reply = await ask('verify', { ...base, responsibleId: ' Ｐ12345678 ' }, VerifyReplySchema);
    expect(reply.activationId).toMatch(/^PP000001\./);
  });

  it('answers each closed status with its own code, and never counts an attempt for it', async () => {
    const code = async (cardNumber: string) => (await refusal('verify', verifySelf(cardNumber))).code;
    expect(await code('RV000001')).toBe('4931');
    expect(await code('SU000001')).toBe('SUSPENDED');
    expect(await code('UB000001')).toBe('27011');
    expect(await code('EX000001')).toBe('CERT_EXPIRED');
    expect(await code('NO000001')).toBe('UNKNOWN_CARD');
    expect((await identify('RV000001')).attemptsLeft).toBe(5);
  });

  it('refuses malformed input before comparing anything (format codes, BAD_REQUEST)', async () => {
    expect((await refusal('verify', verifySelf('SA000003', 'abc'))).code).toBe('USER_CODE_FORMAT');
    const bundledBase = { cardNumber: 'RB000003', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', route: 'registration-bundled' as const };
    const attemptsBefore = (await identify('RB000003')).attemptsLeft;
    expect((await refusal('verify', { ...bundledBase, responsibleId: '12345' })).code).toBe('ID_FORMAT');
    expect((await refusal('verify', { ...bundledBase, responsibleId: 'P-1234567' })).code).toBe('ID_FORMAT');
    expect((await refusal('verify', { ...bundledBase, responsibleId: 'P12345678901234567890' })).code).toBe('ID_FORMAT');
    expect((await refusal('verify', { ...bundledBase, responsibleId: 'A123456789', birthDate: '1975-02-30' })).code).toBe('BIRTH_DATE_FORMAT');
    expect((await identify('RB000003')).attemptsLeft).toBe(attemptsBefore);
    expect((await refusal('verify', { cardNumber: 'SA000003', certSerial: SAMPLE_CERT_SERIAL, route: 'self-applied', userCode: SAMPLE_USER_CODE })).code).toBe('BAD_REQUEST');
    expect(await identify('SA000003')).toEqual({ route: 'self-applied', status: 'issued', attemptsLeft: 5 });
  });
});

describe('accept (ra.activation.accept)', () => {
  it('records the acceptance once; a repeat returns the same acceptedAt and records nothing', async () => {
    const { activationId } = await verified('SA000004');
    const first = await ask('accept', { activationId }, AcceptReplySchema);
    expect(first.acceptedAt).toBe(new Date(clockMs).toISOString());
    clockMs += 1_000;
    const again = await ask('accept', { activationId }, AcceptReplySchema);
    expect(again).toEqual(first);
    expect((await identify('SA000004')).status).toBe('accepted');
    expect((await eventsOf('SA000004')).map((event) => event.type)).toEqual(['imported', 'verified', 'accepted']);
  });

  it('needs contact e-mail and a new user code on a registration-bundled card, checked', async () => {
    const { activationId } = await ask(
      'verify',
      { cardNumber: 'RB000003', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', route: 'registration-bundled', responsibleId: 'A123456789', birthDate: '1975-03-05' },
      VerifyReplySchema,
    );
    expect((await refusal('accept', { activationId })).code).toBe('BAD_REQUEST');
    expect((await refusal('accept', { activationId, contactEmail: 'nobody', newUserCode: 'Xy7$abcd' })).code).toBe('EMAIL_FORMAT');
    expect((await refusal('accept', { activationId, contactEmail: 'a@example.com', newUserCode: 'ab c' })).code).toBe('USER_CODE_FORMAT');
    expect((await identify('RB000003')).status).toBe('verified');
    const reply = await ask('accept', { activationId, contactEmail: 'new@example.com', newUserCode: 'Xy7$abcd' }, AcceptReplySchema);
    expect(reply.acceptedAt).toBeTruthy();
  });

  it('takes no contact details on a self-applied card', async () => {
    const { activationId } = await verified('SA000005');
    expect((await refusal('accept', { activationId, contactEmail: 'a@example.com', newUserCode: 'Xy7$abcd' })).code).toBe('BAD_REQUEST');
  });

  it('does not know an activation it never gave (SESSION_EXPIRED)', async () => {
    expect((await refusal('accept', { activationId: 'SA000005.AAAAAAAAAAAAAAAAAAAAAAAA' })).code).toBe('SESSION_EXPIRED');
    expect((await refusal('accept', { activationId: 'garbage' })).code).toBe('SESSION_EXPIRED');
    expect((await refusal('accept', { activationId: 42 })).code).toBe('BAD_REQUEST');
  });
});

describe('pin-grant and complete', () => {
  it('releases the SO credential only after acceptance, sealed to the caller’s key, a bounded number of times', async () => {
    const { activationId } = await verified('SA000006');
    const agent = generateOneTimeKeyPair();
    const request = await grantFor(activationId, 'SA000006', 'kiosk-1', agent);
    expect((await refusal('pinGrant', request)).code).toBe('BAD_REQUEST');
    expect((await refusal('complete', completeWith(activationId, 'SA000006'))).code).toBe('BAD_REQUEST');

    await ask('accept', { activationId }, AcceptReplySchema);
    expect((await refusal('complete', completeWith(activationId, 'SA000006'))).code).toBe('BAD_REQUEST');
    const { sealed } = await ask('pinGrant', request, PinGrantReplySchema);
    const context = pinGrantContext(activationId, 'SA000006');
    expect((await openGrant(sealed, agent, context)).toString()).toBe('so-SA000006');
    await expect(openGrant(sealed, generateOneTimeKeyPair(), context)).rejects.toThrow();
    await expect(openGrant(sealed, agent, pinGrantContext(activationId, 'SA000007'))).rejects.toThrow();

    await ask('pinGrant', request, PinGrantReplySchema);
    await ask('pinGrant', request, PinGrantReplySchema);
    const exhausted = await refusal('pinGrant', request);
    expect(exhausted.code).toBe('SESSION_EXPIRED');
    expect((await refusal('pinGrant', { ...request, cardNumber: 'SA000007' })).code).toBe('BAD_REQUEST');
    expect((await refusal('pinGrant', { ...request, agentPublicKey: 'short' })).code).toBe('BAD_REQUEST');
  });

  it('completes once; a repeat returns the same activatedAt; the card is then done', async () => {
    const { activationId } = await verified('SA000007');
    const acceptedAt = (await ask('accept', { activationId }, AcceptReplySchema)).acceptedAt;
    const { proofNonce } = await ask('pinGrant', await grantFor(activationId, 'SA000007'), PinGrantReplySchema);
    clockMs += 1_000;
    const done = await ask('complete', completeWith(activationId, 'SA000007', proofNonce), CompleteReplySchema);
    clockMs += 1_000;
    expect(await ask('complete', completeWith(activationId, 'SA000007', proofNonce), CompleteReplySchema)).toEqual(done);
    expect(await ask('accept', { activationId }, AcceptReplySchema)).toEqual({ acceptedAt });
    expect((await identify('SA000007')).status).toBe('activated');
    expect((await refusal('verify', verifySelf('SA000007'))).code).toBe('ALREADY_ACTIVATED');
    expect((await refusal('complete', completeWith(activationId, 'SA000006'))).code).toBe('BAD_REQUEST');
    expect((await eventsOf('SA000007')).map((event) => event.type)).toEqual(['imported', 'verified', 'accepted', 'pin-granted', 'activated']);
  });
});

describe('the route on events', () => {
  it("names the card's path on every event of both paths, a wrong attempt, grants and repeats included", async () => {
    const KIOSK = 'kiosk-9';
    const walks = [
      { cardNumber: 'RT000001', route: 'self-applied' as const, wrong: verifySelf('RT000001', 'AB3$XYZ9', KIOSK), right: verifySelf('RT000001', SAMPLE_USER_CODE, KIOSK), accept: {} },
      {
        cardNumber: 'RT000002',
        route: 'registration-bundled' as const,
        wrong: { cardNumber: 'RT000002', certSerial: SAMPLE_CERT_SERIAL, kioskId: KIOSK, route: 'registration-bundled', responsibleId: 'B123456780', birthDate: '1975-03-05' },
        right: { cardNumber: 'RT000002', certSerial: SAMPLE_CERT_SERIAL, kioskId: KIOSK, route: 'registration-bundled', responsibleId: 'A123456789', birthDate: '1975-03-05' },
        accept: { contactEmail: 'new@example.com', newUserCode: 'Xy7$abcd' },
      },
    ];
    for (const walk of walks) {
      expect((await refusal('verify', walk.wrong)).code).toBe('3005');
      const { activationId } = await ask('verify', walk.right, VerifyReplySchema);
      await ask('accept', { activationId, ...walk.accept }, AcceptReplySchema);
      const { proofNonce } = await ask('pinGrant', await grantFor(activationId, walk.cardNumber, KIOSK), PinGrantReplySchema);
      await ask('complete', completeWith(activationId, walk.cardNumber, proofNonce), CompleteReplySchema);
      // Repeats publish the rebuilt event again under its id: it must be the same event.
      await ask('accept', { activationId, ...walk.accept }, AcceptReplySchema);
      await ask('complete', completeWith(activationId, walk.cardNumber, proofNonce), CompleteReplySchema);
      const events = await eventsOf(walk.cardNumber);
      expect(events.map((event) => event.type)).toEqual(['imported', 'attempt-failed', 'verified', 'accepted', 'pin-granted', 'activated']);
      expect(events.map((event) => event.route)).toEqual(events.map(() => walk.route));
    }
  });
});

describe('expiry', () => {
  it('ends an activation after its time (SESSION_EXPIRED); the card is issued again; a new verify starts afresh', async () => {
    const { activationId } = await verified('SA000008');
    clockMs += TTL_MS + 1;
    expect((await refusal('accept', { activationId })).code).toBe('SESSION_EXPIRED');
    expect((await identify('SA000008')).status).toBe('issued');
    const fresh = await verified('SA000008');
    expect((await refusal('accept', { activationId })).code).toBe('SESSION_EXPIRED');
    expect((await ask('accept', { activationId: fresh.activationId }, AcceptReplySchema)).acceptedAt).toBeTruthy();
  });

  it('lets a user who left after accepting come back to the PIN step with the same acceptedAt', async () => {
    const { activationId } = await verified('KS000001');
    const { acceptedAt } = await ask('accept', { activationId }, AcceptReplySchema);
    clockMs += TTL_MS + 1;
    const grant = await grantFor(activationId, 'KS000001');
    expect((await refusal('pinGrant', grant)).code).toBe('SESSION_EXPIRED');
    expect((await refusal('complete', completeWith(activationId, 'KS000001'))).code).toBe('SESSION_EXPIRED');
    expect((await identify('KS000001')).status).toBe('accepted');
    const again = await verified('KS000001');
    expect(again.acceptedAt).toBe(acceptedAt);
    await ask('pinGrant', await grantFor(again.activationId, 'KS000001'), PinGrantReplySchema);
    expect((await ask('accept', { activationId: again.activationId }, AcceptReplySchema)).acceptedAt).toBe(acceptedAt);
  });
});

describe('lockout and staff', () => {
  it('locks a card after 5 wrong attempts; staff unlock resets it', async () => {
    const kiosks = ['kiosk-l1', 'kiosk-l2', 'kiosk-l3'];
    const replies: ContractError[] = [];
    for (let i = 0; i < 5; i++) replies.push(await refusal('verify', verifySelf('LK000001', `Wrong$${i}xx`, kiosks[i % 3])));
    expect(replies.map((error) => [error.code, error.attemptsLeft])).toEqual([
      ['3005', 4],
      ['3005', 3],
      ['3005', 2],
      ['3005', 1],
      ['LOCKED', 0],
    ]);
    expect(await identify('LK000001')).toEqual({ route: 'self-applied', status: 'locked', attemptsLeft: 0 });
    expect((await refusal('verify', verifySelf('LK000001', SAMPLE_USER_CODE, 'kiosk-l4'))).code).toBe('LOCKED');

    const unlocked = await ask('staffUnlock', await signed({ cardNumber: 'LK000001', staffId: 'staff-7' }), StaffCardSummarySchema);
    expect(unlocked).toMatchObject({ status: 'issued', attemptsLeft: 5 });
    await verified('LK000001', 'kiosk-l4');
    const events = await eventsOf('LK000001');
    expect(events.map((event) => event.type)).toEqual([
      'imported',
      'attempt-failed',
      'attempt-failed',
      'attempt-failed',
      'attempt-failed',
      'locked',
      'unlocked',
      'verified',
    ]);
    expect(events[6]).toMatchObject({ staffId: 'staff-7', from: 'locked', to: 'issued' });
  });

  it('refuses to accept with an activation of a card locked since (LOCKED)', async () => {
    const { activationId } = await verified('LK000005', 'kiosk-n1');
    for (let i = 0; i < 5; i++) await refusal('verify', verifySelf('LK000005', 'Wrong$123', `kiosk-n${i + 2}`));
    const locked = await refusal('accept', { activationId });
    expect(locked.code).toBe('LOCKED');
    expect(locked.attemptsLeft).toBe(0);
  });

  it('unlocks an accepted card back to accepted', async () => {
    const { activationId } = await verified('LK000002', 'kiosk-m1');
    const { acceptedAt } = await ask('accept', { activationId }, AcceptReplySchema);
    for (let i = 0; i < 5; i++) await refusal('verify', verifySelf('LK000002', 'Wrong$123', `kiosk-m${i + 2}`));
    expect((await identify('LK000002')).status).toBe('locked');
    const grant = await grantFor(activationId, 'LK000002', 'kiosk-m1');
    expect((await refusal('pinGrant', grant)).code).toBe('LOCKED');
    expect((await ask('staffUnlock', await signed({ cardNumber: 'LK000002' }), StaffCardSummarySchema)).status).toBe('accepted');
    expect((await verified('LK000002', 'kiosk-m1')).acceptedAt).toBe(acceptedAt);
  });

  it('rate-limits a kiosk that keeps failing, on any card, and only that kiosk', async () => {
    const kiosk = 'kiosk-rate';
    const cards = ['LK000003', 'LK000004', 'LK000003', 'LK000004', 'LK000003', 'LK000004'];
    for (const card of cards) expect((await refusal('verify', verifySelf(card, 'Wrong$123', kiosk))).code).toBe('3005');
    const limited = await refusal('verify', verifySelf('SA000003', SAMPLE_USER_CODE, kiosk));
    expect(limited.code).toBe('LOCKED');
    expect(limited.message).toMatch(/kiosk/);
    expect((await identify('SA000003')).attemptsLeft).toBe(5);
    await verified('SA000003', 'kiosk-other');
    clockMs += 10_000;
    await verified('SA000003', kiosk);
  });

  it('takes a card in for return; a returned card is out of self-service', async () => {
    const summary = await ask('staffReturn', await signed({ cardNumber: 'UB000001', staffId: 'staff-1' }), StaffCardSummarySchema);
    expect(summary.status).toBe('returned');
    expect(summary.returnedAt).toBeTruthy();
    expect((await identify('UB000001')).status).toBe('returned');
    expect((await refusal('verify', verifySelf('UB000001'))).code).toBe('UNKNOWN_CARD');
    expect((await ask('staffReturn', await signed({ cardNumber: 'UB000001' }), StaffCardSummarySchema)).status).toBe('returned');
    expect((await eventsOf('UB000001')).map((event) => event.type)).toEqual(['imported', 'returned']);
  });

  it('refuses staff changes that make no sense, with the card’s own code', async () => {
    expect((await refusal('staffReturn', await signed({ cardNumber: 'SA000007' }))).code).toBe('ALREADY_ACTIVATED');
    expect((await refusal('staffUnlock', await signed({ cardNumber: 'RV000001' }))).code).toBe('4931');
    expect((await refusal('staffUnlock', await signed({ cardNumber: 'NO000001' }))).code).toBe('UNKNOWN_CARD');
    expect((await refusal('staffCard', await signed({ cardNumber: 'NO000001' }))).code).toBe('UNKNOWN_CARD');
    expect((await refusal('staffUnlock', await signed({ card: 'SA000001' }))).code).toBe('BAD_REQUEST');
  });

  it('shows staff a card’s record and history, without secrets or hashes', async () => {
    const reply = await ask('staffCard', await signed({ cardNumber: 'SA000007' }), StaffCardReplySchema);
    expect(reply).toMatchObject({ cardNumber: 'SA000007', status: 'activated', route: 'self-applied', certSerial: 'a1b2c3d4e5f' });
    expect(reply.acceptedAt).toBeTruthy();
    expect(reply.activatedAt).toBeTruthy();
    expect(reply.history.map((event) => event.type)).toEqual(['imported', 'verified', 'accepted', 'pin-granted', 'activated']);
    const text = JSON.stringify(reply);
    for (const secret of ['scrypt$', SAMPLE_USER_CODE, 'so-SA000007', 'userCodeHash', 'soCredential']) expect(text).not.toContain(secret);
  });

  it('names the branch (OU) of a card whose certificate has one, so staff tell it from the head office', async () => {
    const branch = await ask('staffCard', await signed({ cardNumber: 'PP000001' }), StaffCardReplySchema);
    expect(branch.orgUnit).toBe('台灣分公司');
    expect((await ask('staffCard', await signed({ cardNumber: 'SA000007' }), StaffCardReplySchema)).orgUnit).toBeUndefined();
  });
});

describe('per-kiosk subjects (<subject>.<kiosk>)', () => {
  it('takes the kiosk from the subject and refuses a body that claims another', async () => {
    expect((await refusal('verify', verifySelf('SA000005', SAMPLE_USER_CODE, 'kiosk-1'), 'kiosk-2')).code).toBe('BAD_REQUEST');
    const key = { certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 };
    expect((await refusal('identify', { cardNumber: 'SA000005', certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', ...key }, 'kiosk-2')).code).toBe('BAD_REQUEST');
    expect((await ask('identify', { cardNumber: 'SA000005', certSerial: SAMPLE_CERT_SERIAL, ...key }, IdentifyReplySchema, 'kiosk-2')).route).toBe('self-applied');
    const { activationId } = await ask('verify', verifySelf('SA000005', SAMPLE_USER_CODE, 'kiosk-2'), VerifyReplySchema, 'kiosk-2');
    expect((await refusal('accept', { activationId }, 'kiosk-3')).code).toBe('BAD_REQUEST');
    await ask('accept', { activationId }, AcceptReplySchema, 'kiosk-2');
    const grant = await grantFor(activationId, 'SA000005', 'kiosk-2');
    expect((await refusal('pinGrant', grant, 'kiosk-3')).code).toBe('BAD_REQUEST');
    const { proofNonce } = await ask('pinGrant', grant, PinGrantReplySchema, 'kiosk-2');
    expect((await refusal('complete', completeWith(activationId, 'SA000005', proofNonce), 'kiosk-3')).code).toBe('BAD_REQUEST');
    await ask('complete', completeWith(activationId, 'SA000005', proofNonce), CompleteReplySchema, 'kiosk-2');
  });

  it('refuses a last token that is not a kiosk id', async () => {
    const reply = await nc.request(`${REGISTRY_SUBJECTS.identify}.NOT_A_KIOSK`, JSON.stringify({ cardNumber: 'SA000001', certSerial: SAMPLE_CERT_SERIAL }));
    expect(reply.headers?.get('Nats-Service-Error')).toBe('BAD_REQUEST');
  });
});

describe('the wire form of errors, and what a bad request changes', () => {
  it('answers with the service-error headers and the JSON error body', async () => {
    const reply = await nc.request(REGISTRY_SUBJECTS.verify, JSON.stringify(verifySelf('RV000001')));
    expect(reply.headers?.get('Nats-Service-Error')).toBe('4931');
    expect(reply.headers?.get('Nats-Service-Error-Code')).toBe('403');
    const body = v.parse(WireErrorBodySchema, reply.json());
    expect(body.error).toMatchObject({ code: '4931', retryable: false });
    const badJson = await nc.request(REGISTRY_SUBJECTS.accept, 'not json');
    expect(badJson.headers?.get('Nats-Service-Error-Code')).toBe('400');
    expect(v.parse(WireErrorBodySchema, badJson.json()).error.code).toBe('BAD_REQUEST');
  });

  it('changes no record and records no event for a bad request', async () => {
    const js = jetstream(nc);
    const before = { events: (await readAll(js, 'RA_EVENTS', 'ra.events.>')).length, cards: (await readAll(js, 'KV_ra_cards', '$KV.ra_cards.>')).length };
    const bad: Array<[RegistryEndpoint, unknown]> = [
      ['identify', { cardNumber: 'SA000001' }],
      ['verify', { ...verifySelf('SA000001'), route: 'other' }],
      ['verify', { ...verifySelf('SA000001'), userCode: 'x'.repeat(500) }],
      ['accept', {}],
      ['pinGrant', { activationId: 'x', cardNumber: 'SA000001' }],
      ['complete', { activationId: 'x' }],
      ['staffUnlock', {}],
      ['staffReturn', { cardNumber: 7 }],
      ['adminImport', { records: 'all' }],
      ['adminList', { limit: -1 }],
    ];
    for (const [endpoint, body] of bad) expect((await refusal(endpoint, body)).code).toBe('BAD_REQUEST');
    const after = { events: (await readAll(js, 'RA_EVENTS', 'ra.events.>')).length, cards: (await readAll(js, 'KV_ra_cards', '$KV.ra_cards.>')).length };
    expect(after).toEqual(before);
  });

  it('logs one JSON line per request with endpoint, card, outcome and time', () => {
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const verifies = lines.filter((line) => line.endpoint === 'verify');
    expect(verifies.length).toBeGreaterThan(10);
    for (const line of verifies) {
      expect(typeof line.outcome).toBe('string');
      expect(typeof line.ms).toBe('number');
    }
    expect(verifies.some((line) => line.card === 'LK000001' && line.outcome === 'LOCKED')).toBe(true);
  });

  it('logs identify only when it fails: a read asked on every insertion is counted, not logged', () => {
    const identifies = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.endpoint === 'identify');
    expect(identifies.length).toBeGreaterThan(0);
    for (const line of identifies) expect(line.outcome).not.toBe('ok');
  });
});
