// Grants only to the right agent, SO-login failures kept on the card record, and the card bound to
// its record (docs/security.md, "Card agent keys and card binding"), against a real nats-server and registry: a PIN grant whose
// one-time key is unsigned, signed by an unenrolled key, by another kiosk's enrolled key or for
// another key is refused and counts nothing; a reported SO-login failure stops grants for the card
// on every kiosk and across a registry restart until staff unlock; identify refuses a card whose
// certificate key is not the registered one; complete without the card's proof changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import {
  AcceptReplySchema,
  CompleteReplySchema,
  IdentifyReplySchema,
  PinGrantReplySchema,
  SoLoginFailedReplySchema,
  VerifyReplySchema,
  type AdminImportRequest,
} from '../../machines/contract/index.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { StaffCardSummarySchema } from '../../machines/contract/staff.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { generateOneTimeKeyPair } from '../../platform/pin-grant-jwe.ts';
import { enrolledAgentKey, testAgentKey, testCardKey, type TestAgentKey } from '../support/card-keys.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';

const SERIAL = '0c0ffee1';
const K1 = 'kiosk-b1';
const K2 = 'kiosk-b2';
const CARD_KEYS = { GR000001: testCardKey(), SO000001: testCardKey(), ID000001: testCardKey(), CP000001: testCardKey() };
type CardNumber = keyof typeof CARD_KEYS;

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
let agent1: TestAgentKey;
let agent2: TestAgentKey;

function record(cardNumber: CardNumber): AdminImportRequest['records'][number] {
  return {
    cardNumber,
    route: 'self-applied',
    holderName: '測試公司B',
    ubn: '97969933',
    email: 'b@example.com.tw',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2099-01-01T00:00:00Z',
    status: 'issued',
    userCode: 'Ab3$xyz9',
    certSerial: SERIAL,
    soCredential: `so-${cardNumber}`,
    certificateKeySha256: CARD_KEYS[cardNumber].certificateKeySha256,
  };
}

function start(): Promise<RunningRegistry> {
  return nats.connect('registry').then((registryNc) =>
    startRegistry({ nc: registryNc, dataDir: nats.dataDir, secretKey: Buffer.alloc(32, 9), scryptCost: { N: 1024, r: 8, p: 1 } }),
  );
}

const { ask, refusal } = registryRequests(() => nc, { timeout: 10_000 });

/** verify + accept on kiosk `kioskId`: the activation is at the PIN step. */
async function accepted(cardNumber: CardNumber, kioskId = K1): Promise<string> {
  const body = { cardNumber, certSerial: SERIAL, kioskId, route: 'self-applied', userCode: 'Ab3$xyz9' };
  const { activationId, acceptedAt } = await ask('verify', body, VerifyReplySchema, kioskId);
  if (acceptedAt === undefined) await ask('accept', { activationId }, AcceptReplySchema, kioskId);
  return activationId;
}

function signedGrant(activationId: string, cardNumber: string, signer: TestAgentKey, oneTime = generateOneTimeKeyPair().publicKey) {
  return { activationId, cardNumber, agentPublicKey: oneTime, agentKeySignature: signer.signGrant(activationId, oneTime) };
}

/** A staff request body with a token the registry under test accepts (signed with its DATA_DIR key). */
async function asStaff(body: { cardNumber: string }) {
  return { ...body, token: await enrolledStaffToken(nc, nats.dataDir, 'staff-binding') };
}

async function staffCard(cardNumber: string) {
  return ask('staffCard', await asStaff({ cardNumber }), v.object({ ...StaffCardSummarySchema.entries, history: v.array(v.object({ type: v.string() })) }));
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('binding-test');
  registry = await start();
  agent1 = await enrolledAgentKey(nc, K1);
  agent2 = await enrolledAgentKey(nc, K2);
  await importCards(nc, (Object.keys(CARD_KEYS) as CardNumber[]).map(record));
});

afterAll(async () => {
  await registry?.stop();
  await nats?.stop();
});

describe('PIN grants only to the kiosk’s enrolled card agent', () => {
  it('refuses an unsigned, a wrongly signed, another kiosk’s and a re-pointed one-time key, counting nothing; grants a signed one', async () => {
    const activationId = await accepted('GR000001');
    const oneTime = generateOneTimeKeyPair().publicKey;
    const unsigned = { activationId, cardNumber: 'GR000001', agentPublicKey: oneTime };
    expect((await refusal('pinGrant', unsigned, K1)).code).toBe('BAD_REQUEST');
    const stranger = testAgentKey(K1);
    expect((await refusal('pinGrant', signedGrant(activationId, 'GR000001', stranger), K1)).code).toBe('BAD_REQUEST');
    // Kiosk 2's enrolled agent signing for kiosk 1's activation, asked on either subject.
    expect((await refusal('pinGrant', signedGrant(activationId, 'GR000001', agent2), K1)).code).toBe('BAD_REQUEST');
    expect((await refusal('pinGrant', signedGrant(activationId, 'GR000001', agent2), K2)).code).toBe('BAD_REQUEST');
    // A signature over one key does not cover another.
    const signed = signedGrant(activationId, 'GR000001', agent1);
    expect((await refusal('pinGrant', { ...signed, agentPublicKey: generateOneTimeKeyPair().publicKey }, K1)).code).toBe('BAD_REQUEST');
    expect((await staffCard('GR000001')).history.filter((event) => event.type === 'pin-granted')).toHaveLength(0);

    const grant = await ask('pinGrant', signed, PinGrantReplySchema, K1);
    expect(grant.proofNonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await staffCard('GR000001')).history.filter((event) => event.type === 'pin-granted')).toHaveLength(1);
  });

  it('enrolls a kiosk key only on the admin subject, and a replaced key stops signing for it', async () => {
    const replaced = await enrolledAgentKey(nc, 'kiosk-b3');
    const again = await enrolledAgentKey(nc, 'kiosk-b3');
    const activationId = await accepted('GR000001', 'kiosk-b3');
    expect((await refusal('pinGrant', signedGrant(activationId, 'GR000001', replaced), 'kiosk-b3')).code).toBe('BAD_REQUEST');
    await ask('pinGrant', signedGrant(activationId, 'GR000001', again), PinGrantReplySchema, 'kiosk-b3');
    expect((await refusal('adminEnrollAgent', { kioskId: 'Not A Kiosk', publicKey: again.publicKey })).code).toBe('BAD_REQUEST');
  });
});

describe('a failed SO login stops grants for the card until staff act', () => {
  it('keeps the report on the card record: every kiosk and a restarted registry refuse grants; staff unlock clears it', async () => {
    const activationId = await accepted('SO000001');
    const unsignedReport = { activationId, cardNumber: 'SO000001', problem: 'wrong-so-credential', agentKeySignature: agent2.signSoReport(activationId, 'SO000001', 'wrong-so-credential') };
    expect((await refusal('soLoginFailed', unsignedReport, K1)).code).toBe('BAD_REQUEST');
    expect((await staffCard('SO000001')).soLoginFailedAt).toBeUndefined();

    const report = { ...unsignedReport, agentKeySignature: agent1.signSoReport(activationId, 'SO000001', 'wrong-so-credential') };
    expect(await ask('soLoginFailed', report, SoLoginFailedReplySchema, K1)).toEqual({ recorded: true });
    expect(await ask('soLoginFailed', report, SoLoginFailedReplySchema, K1)).toEqual({ recorded: false });
    expect((await refusal('pinGrant', signedGrant(activationId, 'SO000001', agent1), K1)).code).toBe('CARD_UNREADABLE');

    await registry.stop();
    registry = await start();
    const elsewhere = await accepted('SO000001', K2);
    expect((await refusal('pinGrant', signedGrant(elsewhere, 'SO000001', agent2), K2)).code).toBe('CARD_UNREADABLE');
    expect((await staffCard('SO000001')).soLoginFailedAt).toBeTruthy();

    await ask('staffUnlock', await asStaff({ cardNumber: 'SO000001' }), StaffCardSummarySchema);
    expect((await staffCard('SO000001')).soLoginFailedAt).toBeUndefined();
    await ask('pinGrant', signedGrant(elsewhere, 'SO000001', agent2), PinGrantReplySchema, K2);
  });
});

describe('the card bound to its record', () => {
  it('refuses at identify a card whose certificate key is not the registered one (CARD_MISMATCH)', async () => {
    const registered = { cardNumber: 'ID000001', certSerial: SERIAL, certificateKeySha256: CARD_KEYS.ID000001.certificateKeySha256 };
    expect((await ask('identify', registered, IdentifyReplySchema, K1)).status).toBe('issued');
    const forged = { ...registered, certificateKeySha256: testCardKey().certificateKeySha256 };
    const error = await refusal('identify', forged, K1);
    expect(error.code).toBe('CARD_MISMATCH');
    expect(error.retryable).toBe(false);
    expect((await refusal('identify', { cardNumber: 'ID000001', certSerial: SERIAL }, K1)).code).toBe('BAD_REQUEST');
  });

  it('completes only with the registered card’s signature over this grant’s nonce; a refused complete changes nothing', async () => {
    const activationId = await accepted('CP000001');
    const { proofNonce } = await ask('pinGrant', signedGrant(activationId, 'CP000001', agent1), PinGrantReplySchema, K1);
    const before = await staffCard('CP000001');
    const otherCard = testCardKey();
    const attempts = [
      // no proof at all
      [{ activationId, cardNumber: 'CP000001' }, 'BAD_REQUEST'],
      // another card's key, correctly signed
      [{ activationId, cardNumber: 'CP000001', proof: otherCard.prove(activationId, 'CP000001', proofNonce) }, 'CARD_MISMATCH'],
      // the registered key named, another key's signature
      [{ activationId, cardNumber: 'CP000001', proof: { ...CARD_KEYS.CP000001.prove(activationId, 'CP000001', proofNonce), signature: otherCard.prove(activationId, 'CP000001', proofNonce).signature } }, 'CARD_MISMATCH'],
      // the registered key over a nonce the registry never issued
      [{ activationId, cardNumber: 'CP000001', proof: CARD_KEYS.CP000001.prove(activationId, 'CP000001', 'A'.repeat(43)) }, 'CARD_MISMATCH'],
    ] as const;
    for (const [body, code] of attempts) expect((await refusal('complete', body, K1)).code).toBe(code);
    const after = await staffCard('CP000001');
    expect(after.status).toBe('accepted');
    expect(after.history).toEqual(before.history);

    const done = await ask('complete', { activationId, cardNumber: 'CP000001', proof: CARD_KEYS.CP000001.prove(activationId, 'CP000001', proofNonce) }, CompleteReplySchema, K1);
    expect(done.activatedAt).toBeTruthy();
    expect((await staffCard('CP000001')).status).toBe('activated');
  });
});
