// Canaries: run both activation paths end to end with known user codes, IDs, birth dates and SO
// credentials, at the production scrypt cost and with the key the registry generates itself, then
// read back every KV value (all revisions), every RA_EVENTS message, every log line and every
// reply a non-kiosk sees, and require that no secret appears in any of them, in any encoding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import * as v from 'valibot';
import {
  AcceptReplySchema,
  CompleteReplySchema,
  ContractError,
  PinGrantReplySchema,
  REGISTRY_SUBJECTS,
  VerifyReplySchema,
  type RegistryEndpoint,
} from '../../machines/contract/index.ts';
import { readReply } from '../../platform/nats-json.ts';
import { generateOneTimeKeyPair, openGrant, pinGrantContext } from '../../platform/pin-grant-jwe.ts';
import { importCards, listCards } from '../../platform/registry-admin-client.ts';
import { enrolledAgentKey, testCardKey, type TestAgentKey } from '../support/card-keys.ts';

const CARD_KEY = testCardKey();
import { StaffCardReplySchema } from '../../machines/contract/staff.ts';
import { loadRegistryKey, PRODUCTION_SCRYPT_COST, RegistrySecrets } from '../../services/registry/registry-secrets.ts';
import { cardOfSubject, openSealed, sealedOf } from '../../services/registry/card-stream.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';

const USER_CODE = 'Canary$UC1';
const NEW_USER_CODE = 'Canary$UC2';
const WRONG_USER_CODE = 'Canary$WR1';
const RESPONSIBLE_ID = 'A123456789';
const WRONG_ID = 'F131104093';
const BIRTH_DATE = '1975-03-05';
const SO_SELF = 'so-canary-7f3a9c51e0';
const SO_BUNDLED = 'so-canary-b2d41e88aa';
const SERIAL = '5ca1ab1e';

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
const logs: string[] = [];
/** Everything a party other than the kiosk's card agent sees: staff and admin replies, errors. */
const seenReplies: string[] = [];
const activationIds: string[] = [];

function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, secret.toLowerCase(), secret.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
}

const CANARIES = [
  ...[USER_CODE, NEW_USER_CODE, WRONG_USER_CODE, RESPONSIBLE_ID, WRONG_ID, SO_SELF, SO_BUNDLED].flatMap(encodings),
  BIRTH_DATE,
  BIRTH_DATE.replaceAll('-', ''),
  '64/03/05',
];

function expectNoCanary(where: string, texts: readonly string[]): void {
  const joined = texts.join('\n');
  for (const canary of CANARIES) {
    if (joined.includes(canary)) throw new Error(`secret ${JSON.stringify(canary.slice(0, 3))}… found in ${where}`);
  }
}

// The production scrypt cost makes each verify slow: room for it on a busy machine.
const { ask } = registryRequests(() => nc, { timeout: 30_000 });

async function refusal(endpoint: RegistryEndpoint, body: unknown): Promise<ContractError> {
  const reply = await nc.request(REGISTRY_SUBJECTS[endpoint], JSON.stringify(body), { timeout: 30_000 });
  seenReplies.push(reply.string(), ...(reply.headers ? [...reply.headers.keys()].map((key) => reply.headers?.get(key) ?? '') : []));
  try {
    readReply(reply, v.unknown(), endpoint);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error(`${endpoint} should have failed`);
}

/**
 * After acceptance, what the card agent and engine do: the PIN grant for a one-time key signed by the
 * kiosk's enrolled agent key, then `complete` with the card's proof. Returns the SO credential the
 * grant sealed, as the agent opens it.
 */
async function grantAndComplete(activationId: string, cardNumber: string, agent: TestAgentKey): Promise<string> {
  const oneTimeKey = generateOneTimeKeyPair();
  const grant = await ask(
    'pinGrant',
    { activationId, cardNumber, agentPublicKey: oneTimeKey.publicKey, agentKeySignature: agent.signGrant(activationId, oneTimeKey.publicKey) },
    PinGrantReplySchema,
  );
  const soCredential = (await openGrant(grant.sealed, oneTimeKey, pinGrantContext(activationId, cardNumber))).toString();
  await ask('complete', { activationId, cardNumber, proof: CARD_KEY.prove(activationId, cardNumber, grant.proofNonce) }, CompleteReplySchema);
  return soCredential;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('canary-client');
  registry = await startRegistry({ nc: await nats.connect('registry'), dataDir: join(nats.dataDir, 'registry'), log: (line) => logs.push(line) });

  const common = {
    holderName: '金絲雀公司',
    ubn: '97969933',
    email: 'canary@example.com.tw',
    validFrom: '2020-01-01T00:00:00Z',
    validTo: '2040-01-01T00:00:00Z',
    status: 'issued' as const,
    certSerial: SERIAL,
    certificateKeySha256: CARD_KEY.certificateKeySha256,
  };
  const agents = { 'kiosk-1': await enrolledAgentKey(nc, 'kiosk-1'), 'kiosk-2': await enrolledAgentKey(nc, 'kiosk-2') };
  await importCards(nc, [
    { ...common, cardNumber: 'CN000001', route: 'self-applied', userCode: USER_CODE, soCredential: SO_SELF },
    { ...common, cardNumber: 'CN000002', route: 'registration-bundled', responsibleId: RESPONSIBLE_ID, birthDate: BIRTH_DATE, soCredential: SO_BUNDLED },
  ]);

  // Path A, with one wrong user code first.
  expect((await refusal('verify', { cardNumber: 'CN000001', certSerial: SERIAL, kioskId: 'kiosk-1', route: 'self-applied', userCode: WRONG_USER_CODE })).code).toBe('3005');
  const a = await ask('verify', { cardNumber: 'CN000001', certSerial: SERIAL, kioskId: 'kiosk-1', route: 'self-applied', userCode: USER_CODE }, VerifyReplySchema);
  activationIds.push(a.activationId);
  await ask('accept', { activationId: a.activationId }, AcceptReplySchema);
  expect(await grantAndComplete(a.activationId, 'CN000001', agents['kiosk-1'])).toBe(SO_SELF);

  // Path B, with a wrong ID and a missing birth date first.
  const bundledBase = { cardNumber: 'CN000002', certSerial: SERIAL, kioskId: 'kiosk-2', route: 'registration-bundled' };
  expect((await refusal('verify', { ...bundledBase, responsibleId: WRONG_ID, birthDate: BIRTH_DATE })).code).toBe('3005');
  // A record that holds a birth date asks for it (no attempt counted), never a 3005 (docs/registry.md).
  expect((await refusal('verify', { ...bundledBase, responsibleId: RESPONSIBLE_ID })).code).toBe('BIRTH_DATE_REQUIRED');
  const b = await ask('verify', { ...bundledBase, responsibleId: RESPONSIBLE_ID, birthDate: '64/03/05' }, VerifyReplySchema);
  activationIds.push(b.activationId);
  expect((await refusal('accept', { activationId: b.activationId, contactEmail: 'new@example.com', newUserCode: `${NEW_USER_CODE}\u0007` })).code).toBe('USER_CODE_FORMAT');
  await ask('accept', { activationId: b.activationId, contactEmail: 'new@example.com', newUserCode: NEW_USER_CODE }, AcceptReplySchema);
  expect(await grantAndComplete(b.activationId, 'CN000002', agents['kiosk-2'])).toBe(SO_BUNDLED);

  // Requests that fail validation carry secrets too: their error messages must not echo them.
  expect((await refusal('verify', { ...bundledBase, responsibleId: RESPONSIBLE_ID, birthDate: BIRTH_DATE, extra: USER_CODE, route: 'x' })).code).toBe('BAD_REQUEST');
  expect((await refusal('verify', { cardNumber: 'CN000001', certSerial: SERIAL, kioskId: 'kiosk-1', route: 'self-applied', userCode: `${USER_CODE}${'!'.repeat(60)}` })).code).toBe('BAD_REQUEST');

  for (const cardNumber of ['CN000001', 'CN000002']) seenReplies.push(JSON.stringify(await ask('staffCard', { cardNumber, token: await enrolledStaffToken(nc, join(nats.dataDir, 'registry'), 'staff-canary') }, StaffCardReplySchema)));
  seenReplies.push(JSON.stringify(await listCards(nc)));
});

afterAll(async () => {
  await registry?.stop();
  await nats?.stop();
});

describe('secrets at rest and in transit (canaries)', () => {
  it('keeps them out of every KV value, every revision, in every bucket', async () => {
    const js = jetstream(nc);
    const texts: string[] = [];
    for (const bucket of ['ra_cards', 'ra_activations', 'ra_kiosk_limits']) {
      const messages = await readAll(js, `KV_${bucket}`, `$KV.${bucket}.>`);
      // ra_activations is only read by the migration from the bucket layout now.
      if (bucket !== 'ra_activations') expect(messages.length).toBeGreaterThan(0);
      texts.push(...messages.map((msg) => `${msg.subject} ${msg.string()}`));
    }
    expectNoCanary('KV', texts);
    for (const id of activationIds) expect(texts.join('\n')).not.toContain(id);
  });

  it('keeps them out of every RA_EVENTS message, headers included; the records there are sealed', async () => {
    const messages = await readAll(jetstream(nc), 'RA_EVENTS', 'ra.events.>');
    // One message per change (event and record); the missing birth date changed nothing, so it has none.
    expect(messages).toHaveLength(12);
    const texts = messages.map((msg) => `${msg.subject} ${msg.string()} ${msg.headers?.toString() ?? ''}`);
    expectNoCanary('RA_EVENTS', texts);
    for (const id of activationIds) expect(texts.join('\n')).not.toContain(id);
    // The user codes are in the records, as production-cost scrypt hashes (one for path A, one set
    // at path B's acceptance), but only a holder of the registry key can read them.
    const prefix = `scrypt$${PRODUCTION_SCRYPT_COST.N}$${PRODUCTION_SCRYPT_COST.r}$${PRODUCTION_SCRYPT_COST.p}$`;
    expect(texts.join('\n')).not.toContain(prefix);
    const secrets = new RegistrySecrets(await loadRegistryKey({ dataDir: join(nats.dataDir, 'registry') }));
    const opened = messages.map((msg) => {
      const cardNumber = cardOfSubject(msg.subject) as string;
      return JSON.stringify(openSealed(secrets, cardNumber, sealedOf(cardNumber, msg.data)));
    });
    expectNoCanary('the opened records', opened);
    expect(opened.some((text) => text.includes('CN000001') && text.includes(prefix))).toBe(true);
    expect(opened.some((text) => text.includes('CN000002') && text.includes(prefix))).toBe(true);
  });

  it('keeps them out of every log line', () => {
    expect(logs.length).toBeGreaterThanOrEqual(15);
    expectNoCanary('the log', logs);
    for (const id of activationIds) expect(logs.join('\n')).not.toContain(id);
  });

  it('keeps them out of staff and admin replies and of error replies', () => {
    expect(seenReplies.length).toBeGreaterThan(5);
    expectNoCanary('replies', seenReplies);
  });

  it('keeps them out of the JetStream files on disk', async () => {
    const storeDir = join(nats.dataDir, 'jetstream');
    const contents = await Promise.all((await filesUnder(storeDir)).map((file) => readFile(file, 'latin1')));
    expect(contents.join('').includes('CN000002')).toBe(true);
    expectNoCanary('the JetStream store', contents);
  });

  it('generated its key in the data dir, readable by the owner only, and stored it nowhere else', async () => {
    const keyFile = join(nats.dataDir, 'registry', 'registry.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = (await readFile(keyFile, 'utf8')).trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const js = jetstream(nc);
    const all = [
      ...(await readAll(js, 'KV_ra_cards', '$KV.ra_cards.>')).map((msg) => msg.string()),
      ...(await readAll(js, 'RA_EVENTS', 'ra.events.>')).map((msg) => msg.string()),
      ...logs,
    ].join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain(Buffer.from(key, 'hex').toString('base64url'));
  });
});
