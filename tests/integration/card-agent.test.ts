// The card agent with the simulated reader over real SoftHSM2 tokens, a real nats-server and a
// real registry: events, status, read, selfcheck (no PIN ever tried), set-pin end to end with the
// new PIN proven by a real user login from another process, 27011 from a real wrong login, a card
// removed during set-pin and the resume after it, no second SO login, tokens made by another
// process noticed without a restart, and canaries for the PIN and the SO credential.
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import {
  AcceptReplySchema,
  CardDataSchema,
  CardEventSchema,
  CardStatusSchema,
  ContractError,
  IdentifyReplySchema,
  kioskSubjects,
  OkReplySchema,
  REGISTRY_SUBJECTS,
  SelfcheckSchema,
  SetPinReplySchema,
  VerifyReplySchema,
  type CardEvent,
} from '../../machines/contract/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { SIM_ATR, SIM_READER_NAME } from '../../card/readers/sim.reader.ts';
import { enrollAgentKey, importCards } from '../../platform/registry-admin-client.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { CompleteReplySchema, PinGrantReplySchema, registrySubjectFor } from '../../machines/contract/index.ts';
import { StaffCardSummarySchema } from '../../machines/contract/staff.ts';
import { generateOneTimeKeyPair } from '../../platform/pin-grant-jwe.ts';
import { grantKeyStatement, signWithAgentKey } from '../../platform/card-proofs.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { cardRecord, checkTokenElsewhere, startTestTokens, type TestTokens } from '../support/softhsm.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';
import { until as untilShared } from '../support/until.ts';

const KIOSK = 'kiosk-card';
const s = kioskSubjects(KIOSK);
const USER_CODE = 'Test$123';
// Canary PINs: each must show up only inside card.set-pin requests.
const PIN_HAPPY = 'Cn4ry#P1';
const PIN_BEFORE_REMOVAL = 'Cn4ry#R1';
const PIN_RESUMED = 'Cn4ry#R2';
const PIN_COUNT_LOW = 'Cn4ry#L1';
const PIN_WRONG_SO = 'Cn4ry#S1';
const PIN_RSA = 'Cn4ry#A1';
const CANARY_PINS = [PIN_HAPPY, PIN_BEFORE_REMOVAL, PIN_RESUMED, PIN_COUNT_LOW, PIN_WRONG_SO, PIN_RSA];

const CARD = {
  happy: 'TC00000000000001',
  countLow: 'TC00000000000002',
  removed: 'TC00000000000003',
  wrongSo: 'TC00000000000004',
  wrongSoUnheard: 'TC00000000000006',
  fromOtherProcess: 'TC00000000000005',
  /** An RSA-2048 key, as real MOEACA cards carry. */
  rsa: 'TC00000000000007',
  unknown: 'TC00000000000099',
} as const;

/** A TCP relay between the registry and nats-server whose registry→server direction can be held. */
class HoldableRelay {
  private held = false;
  private readonly queued: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  async start(targetPort: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
      this.sockets.add(client).add(upstream);
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('data', (chunk) => {
        if (this.held) this.queued.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const send of this.queued.splice(0)) send();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let nats: TestNats;
let tokens: TestTokens;
let relay: HoldableRelay;
let registryNc: NatsConnection;
let registry: RunningRegistry;
let agent: CardAgent;
let engine: NatsConnection;
let agentNc: NatsConnection;
const agentLogs: string[] = [];
const registryLogs: string[] = [];
const events: CardEvent[] = [];
/** Every message on the server while the tests run: subject and payload text. */
const wire: Array<{ subject: string; data: string }> = [];
const certSerials = new Map<string, string>();
const keyFingerprints = new Map<string, string>();
const soCredentials: string[] = [];

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/**
 * A request and its answer. A request nobody answered is thrown, never returned as a code: mapped to
 * CARD_UNREADABLE (the agent's "unreachable" code) a set-pin still running on a loaded machine
 * passed for the refusal under test, and the SO-login report it had yet to send was missing from
 * the registry when the next test asked for a grant.
 */
async function ask<S extends v.GenericSchema>(subject: string, body: unknown, schema: S): Promise<Outcome<v.InferOutput<S>>> {
  try {
    return { ok: true, value: await requestJson(engine, subject, body, schema, { unreachable: '3125', timeout: 60_000 }) };
  } catch (error) {
    if (error instanceof ContractError && error.message === `${subject}: no answer`) {
      throw new Error(`${subject}: no answer within 60 s`, { cause: error });
    }
    if (error instanceof ContractError) return { ok: false, error };
    throw error;
  }
}

async function must<S extends v.GenericSchema>(subject: string, body: unknown, schema: S): Promise<v.InferOutput<S>> {
  const outcome = await ask(subject, body, schema);
  if (!outcome.ok) throw new Error(`${subject} failed: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.value;
}

async function failure(subject: string, body: unknown): Promise<ContractError> {
  const outcome = await ask(subject, body, v.unknown());
  if (outcome.ok) throw new Error(`${subject} was expected to fail`);
  return outcome.error;
}

const insert = (cardNumber: string) => must(s.cardSimInsert, { cardNumber }, OkReplySchema);
const remove = () => must(s.cardSimRemove, {}, OkReplySchema);

/** The engine's part of an activation up to the PIN step: verify (and accept unless already accepted). */
async function acceptedActivation(cardNumber: string): Promise<string> {
  const certSerial = certSerials.get(cardNumber) ?? '';
  const verified = await requestJson(
    engine,
    REGISTRY_SUBJECTS.verify,
    { cardNumber, certSerial, kioskId: KIOSK, route: 'self-applied', userCode: USER_CODE },
    VerifyReplySchema,
    { unreachable: '3125' },
  );
  if (verified.acceptedAt === undefined) {
    await requestJson(engine, REGISTRY_SUBJECTS.accept, { activationId: verified.activationId }, AcceptReplySchema, { unreachable: '3125' });
  }
  return verified.activationId;
}

async function registryStatus(cardNumber: string): Promise<string> {
  const reply = await requestJson(
    engine,
    REGISTRY_SUBJECTS.identify,
    { cardNumber, certSerial: certSerials.get(cardNumber) ?? '', certificateKeySha256: keyFingerprints.get(cardNumber) ?? '' },
    IdentifyReplySchema,
    { unreachable: '3125' },
  );
  return reply.status;
}

/**
 * Whether the registry would release this card's SO credential now: a properly signed PIN grant
 * request for a fresh activation, as the kiosk's own agent would send it.
 */
async function grantFor(cardNumber: string): Promise<string> {
  const activationId = await acceptedActivation(cardNumber);
  const oneTime = generateOneTimeKeyPair();
  const key = await loadOrCreateAgentKey(tokens.dataDir, KIOSK);
  const request = {
    activationId,
    cardNumber,
    agentPublicKey: oneTime.publicKey,
    agentKeySignature: signWithAgentKey(key.privateKey, grantKeyStatement(activationId, KIOSK, oneTime.publicKey)),
  };
  const outcome = await ask(registrySubjectFor('pinGrant', KIOSK), request, PinGrantReplySchema);
  return outcome.ok ? 'granted' : outcome.error.code;
}

/** The shared poller, in this file's argument order; 10 s before giving up. */
const until = (what: string, check: () => boolean | Promise<boolean>) => untilShared(check, what, { giveUpMs: 10_000 });

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  nats = await startTestNats();
  tokens = await startTestTokens();
  relay = new HoldableRelay();
  await relay.start(nats.server.port);
  registryNc = await connect({ servers: `nats://127.0.0.1:${relay.port}`, name: 'registry' });
  registry = await startTheRegistry();
  engine = await nats.connect('engine');
  agentNc = await nats.connect('card-agent');

  const spy = await nats.connect('spy');
  spy.subscribe('>', {
    callback: (_error, msg: Msg) => {
      wire.push({ subject: msg.subject, data: msg.string() });
    },
  });
  engine.subscribe(s.cardEvents, {
    callback: (_error, msg: Msg) => {
      events.push(v.parse(CardEventSchema, msg.json()));
    },
  });
  await spy.flush();
  await engine.flush();

  const made = [
    await tokens.make(cardRecord(CARD.happy)),
    await tokens.make(cardRecord(CARD.countLow), { wrongUserLogins: 1 }),
    await tokens.make(cardRecord(CARD.removed)),
    await tokens.make(cardRecord(CARD.wrongSo)),
    await tokens.make(cardRecord(CARD.wrongSoUnheard)),
    await tokens.make(cardRecord(CARD.rsa), { keyType: 'rsa-2048' }),
  ];
  for (const card of made) {
    certSerials.set(card.cardNumber, card.certSerial);
    keyFingerprints.set(card.cardNumber, card.certificateKeySha256);
    soCredentials.push(card.soCredential);
  }
  await importCards(
    engine,
    made.map((card) => ({
      ...cardRecord(card.cardNumber),
      certSerial: card.certSerial,
      certificateKeySha256: card.certificateKeySha256,
      // The wrong-SO card is registered with a credential that does not open its token.
      soCredential: card.cardNumber === CARD.wrongSo || card.cardNumber === CARD.wrongSoUnheard ? 'not-this-cards-so-credential' : card.soCredential,
    })),
  );

  // Provisioning, as `npm start` does it for its kiosk: the agent's key, enrolled for this kiosk.
  await enrollAgentKey(engine, KIOSK, (await loadOrCreateAgentKey(tokens.dataDir, KIOSK)).publicKey);
  agent = await startAgent();
});

function startTheRegistry(): Promise<RunningRegistry> {
  return startRegistry({
    nc: registryNc,
    dataDir: nats.dataDir,
    secretKey: Buffer.alloc(32, 7),
    scryptCost: { N: 1024, r: 8, p: 1 },
    kioskRateLimit: { burst: 100, perMinute: 100 },
    log: (line) => registryLogs.push(line),
  });
}

function startAgent(): Promise<CardAgent> {
  return startCardAgent({
    nc: agentNc,
    kioskId: KIOSK,
    dataDir: tokens.dataDir,
    reader: 'sim',
    registryTimeoutMs: 10_000,
    log: (line) => agentLogs.push(line),
  });
}

afterAll(async () => {
  await agent?.stop();
  await registry?.stop();
  await registryNc?.close();
  await relay?.stop();
  await tokens?.stop();
  await nats?.stop();
});

describe('reader events and status', () => {
  it('publishes reader.attached at start, then card.inserted with the ATR and card.removed', async () => {
    await until('reader attached', () => events.some((e) => e.type === 'reader.attached'));
    expect(events[0]).toMatchObject({ type: 'reader.attached', reader: SIM_READER_NAME });

    const before = events.length;
    expect(await insert(CARD.happy)).toEqual({ ok: true });
    await until('card inserted', () => events.length > before);
    expect(events[before]).toMatchObject({ type: 'card.inserted', reader: SIM_READER_NAME, atr: SIM_ATR });

    const status = await must(s.cardStatus, {}, CardStatusSchema);
    expect(status.readers).toEqual([{ name: SIM_READER_NAME, cardPresent: true, atr: SIM_ATR }]);

    expect(await remove()).toEqual({ ok: true });
    await until('card removed', () => events.some((e, i) => i > before && e.type === 'card.removed'));
    expect((await must(s.cardStatus, {}, CardStatusSchema)).readers[0]?.cardPresent).toBe(false);
    expect(await remove()).toEqual({ ok: false });
  });

  it('rejects a malformed sim.insert with BAD_REQUEST', async () => {
    expect((await failure(s.cardSimInsert, { cardNumber: 'not a card number' })).code).toBe('BAD_REQUEST');
  });
});

describe('card.read', () => {
  it('answers the card number from the token and the fields of its certificate', async () => {
    await insert(CARD.happy);
    const card = await must(s.cardRead, {}, CardDataSchema);
    expect(card).toEqual({
      cardNumber: CARD.happy,
      certSerial: certSerials.get(CARD.happy),
      holderName: '測試公司T',
      ubn: '97969933',
      email: `${CARD.happy.toLowerCase()}@example.com.tw`,
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2031-01-01T00:00:00.000Z',
      certificateKeySha256: keyFingerprints.get(CARD.happy),
      pinFlags: {
        userPinInitialized: true,
        userPinCountLow: false,
        userPinFinalTry: false,
        userPinLocked: false,
        minPinLength: 4,
        maxPinLength: 255,
      },
    });
  });

  it('shows the COUNT_LOW flag a real wrong login left on a token', async () => {
    await insert(CARD.countLow);
    const card = await must(s.cardRead, {}, CardDataSchema);
    expect(card.cardNumber).toBe(CARD.countLow);
    expect(card.pinFlags.userPinCountLow).toBe(true);
  });

  it('answers CARD_NOT_DETECTED with no card, UNKNOWN_CARD for a card with no token', async () => {
    await remove();
    expect((await failure(s.cardRead, {})).code).toBe('CARD_NOT_DETECTED');
    await insert(CARD.unknown);
    const unknown = await failure(s.cardRead, {});
    expect(unknown.code).toBe('UNKNOWN_CARD');
    expect(unknown.retryable).toBe(false);
  });

  it('notices a token made by another process without a restart', async () => {
    await insert(CARD.happy);
    await must(s.cardRead, {}, CardDataSchema);
    const file = join(tokens.dataDir, 'later.json');
    await writeFile(file, JSON.stringify([cardRecord(CARD.fromOtherProcess)]));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/registry/cards-cli.ts', 'import', '--token-only', file], {
      env: { ...process.env, DATA_DIR: tokens.dataDir },
    });
    await insert(CARD.fromOtherProcess);
    expect((await must(s.cardRead, {}, CardDataSchema)).cardNumber).toBe(CARD.fromOtherProcess);
  });
});

describe('card.selfcheck', () => {
  it('passes all four checks with a readable card in the reader', async () => {
    await insert(CARD.happy);
    const result = await must(s.cardSelfcheck, {}, SelfcheckSchema);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.id, c.ok])).toEqual([
      ['service', true],
      ['reader', true],
      ['card', true],
      ['token', true],
    ]);
  });

  it('tells a missing card from a card that is not ours', async () => {
    await remove();
    const empty = await must(s.cardSelfcheck, {}, SelfcheckSchema);
    expect(empty.ok).toBe(false);
    expect(empty.checks.find((c) => c.id === 'reader')?.ok).toBe(true);
    expect(empty.checks.find((c) => c.id === 'card')).toMatchObject({ ok: false, code: 'CARD_NOT_DETECTED' });

    await insert(CARD.unknown);
    const foreign = await must(s.cardSelfcheck, {}, SelfcheckSchema);
    expect(foreign.checks.find((c) => c.id === 'card')?.ok).toBe(true);
    expect(foreign.checks.find((c) => c.id === 'token')).toMatchObject({ ok: false, code: 'UNKNOWN_CARD' });
  });

  it('never tries a PIN: a clean token stays clean and a COUNT_LOW token stays COUNT_LOW', async () => {
    for (const [cardNumber, countLow] of [
      [CARD.happy, false],
      [CARD.countLow, true],
    ] as const) {
      await insert(cardNumber);
      for (let i = 0; i < 3; i++) expect((await must(s.cardSelfcheck, {}, SelfcheckSchema)).ok).toBe(true);
      // A wrong login would set COUNT_LOW on the clean one; a right one would clear it on the other.
      expect((await checkTokenElsewhere(tokens.dataDir, cardNumber)).userPinCountLow).toBe(countLow);
    }
  });
});

describe('card.set-pin', () => {
  it('sets the new PIN with the registry grant, completes the activation, and the PIN works', async () => {
    await insert(CARD.happy);
    const activationId = await acceptedActivation(CARD.happy);
    const reply = await must(s.cardSetPin, { activationId, newPin: PIN_HAPPY }, SetPinReplySchema);
    expect(reply.ok).toBe(true);
    // The agent does not tell the registry; the engine does, with the proof the agent returned.
    expect(await registryStatus(CARD.happy)).toBe('accepted');
    await must(registrySubjectFor('complete', KIOSK), { activationId, cardNumber: CARD.happy, proof: reply.proof }, CompleteReplySchema);
    expect(await registryStatus(CARD.happy)).toBe('activated');
    const check = await checkTokenElsewhere(tokens.dataDir, CARD.happy, PIN_HAPPY);
    expect(check).toMatchObject({ found: true, accepted: true, userPinCountLow: false });
  });

  it('does the same on an RSA-2048 card: read, PIN set, and a CKM_SHA256_RSA_PKCS proof the registry accepts', async () => {
    await insert(CARD.rsa);
    const card = await must(s.cardRead, {}, CardDataSchema);
    expect(card).toMatchObject({ cardNumber: CARD.rsa, certSerial: certSerials.get(CARD.rsa), certificateKeySha256: keyFingerprints.get(CARD.rsa), holderName: '測試公司T' });
    const activationId = await acceptedActivation(CARD.rsa);
    const reply = await must(s.cardSetPin, { activationId, newPin: PIN_RSA }, SetPinReplySchema);
    const proofKey = createPublicKey({ key: Buffer.from(reply.proof.publicKey, 'base64url'), format: 'der', type: 'spki' });
    expect([proofKey.asymmetricKeyType, proofKey.asymmetricKeyDetails?.modulusLength]).toEqual(['rsa', 2048]);
    // A PKCS#1 v1.5 signature is as long as the modulus; an ECDSA r‖s would be 64 bytes.
    expect(Buffer.from(reply.proof.signature, 'base64url')).toHaveLength(256);
    await must(registrySubjectFor('complete', KIOSK), { activationId, cardNumber: CARD.rsa, proof: reply.proof }, CompleteReplySchema);
    expect(await registryStatus(CARD.rsa)).toBe('activated');
    expect(await checkTokenElsewhere(tokens.dataDir, CARD.rsa, PIN_RSA)).toMatchObject({ found: true, accepted: true });
  });

  it('refuses with 27011, before asking for a grant, on a token a wrong PIN was tried on', async () => {
    await insert(CARD.countLow);
    const activationId = await acceptedActivation(CARD.countLow);
    const grantsBefore = wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length;
    const error = await failure(s.cardSetPin, { activationId, newPin: PIN_COUNT_LOW });
    expect(error.code).toBe('27011');
    expect(error.retryable).toBe(false);
    expect(wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length).toBe(grantsBefore);
    expect(await registryStatus(CARD.countLow)).toBe('accepted');
    expect((await checkTokenElsewhere(tokens.dataDir, CARD.countLow)).userPinCountLow).toBe(true);
  });

  it("answers PIN_FORMAT for a PIN outside the token's length bounds, CARD_NOT_DETECTED with no card", async () => {
    await insert(CARD.removed);
    expect((await failure(s.cardSetPin, { activationId: 'irrelevant', newPin: 'abc' })).code).toBe('PIN_FORMAT');
    await remove();
    expect((await failure(s.cardSetPin, { activationId: 'irrelevant', newPin: 'Abc12345' })).code).toBe('CARD_NOT_DETECTED');
    expect((await failure(s.cardSetPin, { newPin: 'Abc12345' })).code).toBe('BAD_REQUEST');
  });

  it('answers a clear error when the card is removed during set-pin, and the kiosk can resume', async () => {
    await insert(CARD.removed);
    const activationId = await acceptedActivation(CARD.removed);

    // Hold the registry's outgoing traffic so that the grant cannot arrive before the card is out.
    relay.hold();
    const grantAsked = wire.length;
    const pending = ask(s.cardSetPin, { activationId, newPin: PIN_BEFORE_REMOVAL }, SetPinReplySchema);
    await until('pin-grant requested', () => wire.slice(grantAsked).some((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)));
    await remove();
    relay.release();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('CARD_NOT_DETECTED');
    expect(outcome.error.message).toMatch(/removed while its PIN was being set/);
    expect(await registryStatus(CARD.removed)).toBe('accepted');

    await insert(CARD.removed);
    const resumed = await acceptedActivation(CARD.removed);
    const done = await must(s.cardSetPin, { activationId: resumed, newPin: PIN_RESUMED }, SetPinReplySchema);
    await must(registrySubjectFor('complete', KIOSK), { activationId: resumed, cardNumber: CARD.removed, proof: done.proof }, CompleteReplySchema);
    expect(await registryStatus(CARD.removed)).toBe('activated');
    expect(await checkTokenElsewhere(tokens.dataDir, CARD.removed, PIN_RESUMED)).toMatchObject({ accepted: true });
  });

  it('never tries an SO login twice on a card whose SO credential failed', async () => {
    await insert(CARD.wrongSo);
    const first = await failure(s.cardSetPin, { activationId: await acceptedActivation(CARD.wrongSo), newPin: PIN_WRONG_SO });
    expect(first.code).toBe('CARD_UNREADABLE');
    // The agent answered only after the registry confirmed its report of the failed SO login.
    expect(agentLogs.filter((line) => line.includes('SO login problem reported') && line.includes(CARD.wrongSo)).length).toBe(1);
    const grantsAfterFirst = wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length;

    const second = await failure(s.cardSetPin, { activationId: await acceptedActivation(CARD.wrongSo), newPin: PIN_WRONG_SO });
    expect(second.code).toBe('CARD_UNREADABLE');
    expect(wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length).toBe(grantsAfterFirst);
    expect(agentLogs.filter((line) => line.includes('"so-login"')).length).toBe(1);
  });

  it('after a failed SO login: the card is refused on its SO COUNT_LOW flag before any SO login, across an agent restart, and the registry grants nothing until staff unlock', async () => {
    // The wrong SO login of the test above left CKF_SO_PIN_COUNT_LOW on the token (SoftHSM2 keeps it),
    // and the agent reported it: the card record says so.
    expect(await grantFor(CARD.wrongSo)).toBe('CARD_UNREADABLE');

    await agent.stop();
    agent = await startAgent();
    await insert(CARD.wrongSo);
    const grantsBefore = wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length;
    const refused = await failure(s.cardSetPin, { activationId: await acceptedActivation(CARD.wrongSo), newPin: PIN_WRONG_SO });
    expect(refused.code).toBe('CARD_UNREADABLE');
    expect(wire.filter((m) => m.subject.startsWith(REGISTRY_SUBJECTS.pinGrant)).length).toBe(grantsBefore);
    expect(agentLogs.filter((line) => line.includes('"so-login"')).length).toBe(1);
    expect(agentLogs.some((line) => line.includes('so-pin-count-low'))).toBe(true);
    // The registry refuses a properly signed grant for the card, whatever agent asks (it survives restarts).
    expect(await grantFor(CARD.wrongSo)).toBe('CARD_UNREADABLE');

    // Staff requests carry a staff token from sign-in, signed with the registry's staff-token key.
    const token = await enrolledStaffToken(engine, nats.dataDir, 'staff-card-agent');
    const staffRequest = { cardNumber: CARD.wrongSo, token };
    const summary = await requestJson(engine, REGISTRY_SUBJECTS.staffCard, staffRequest, StaffCardSummarySchema, { unreachable: '3125' });
    expect(summary.soLoginFailedAt).toBeTruthy();
    await requestJson(engine, REGISTRY_SUBJECTS.staffUnlock, staffRequest, StaffCardSummarySchema, { unreachable: '3125' });
    expect(await grantFor(CARD.wrongSo)).toBe('granted');
  });

  it('a report of a failed SO login that the registry did not hear is kept and sent again, across an agent restart', async () => {
    await insert(CARD.wrongSoUnheard);
    const activationId = await acceptedActivation(CARD.wrongSoUnheard);
    const soLogins = () => agentLogs.filter((line) => line.includes('"so-login"')).length;
    const soLoginsBefore = soLogins();
    // The registry goes away right after releasing the grant (its stop answers the request in
    // flight): the agent's report of the wrong SO login finds nobody.
    const grants = engine.subscribe(registrySubjectFor('pinGrant', KIOSK), { max: 1 });
    const registryGone = (async () => {
      for await (const _grant of grants) await registry.stop();
    })();
    await engine.flush();
    const refused = await failure(s.cardSetPin, { activationId, newPin: PIN_WRONG_SO });
    await registryGone;
    expect(refused.code).toBe('CARD_UNREADABLE');
    const unheard = (line: string) => line.includes('not reported yet') && line.includes(CARD.wrongSoUnheard);
    await until('the report failed once', () => agentLogs.some(unheard));

    await agent.stop();
    agent = await startAgent();
    registry = await startTheRegistry();
    const reported = (line: string) => line.includes('SO login problem reported') && line.includes(CARD.wrongSoUnheard);
    // Each attempt waits the agent's registry timeout (10 s here) when nobody answers: allow a few.
    await untilShared(() => agentLogs.some(reported), 'the kept report delivered', { giveUpMs: 60_000 });
    // Every kiosk is refused this card's SO credential now, as if the first report had been heard.
    expect(await grantFor(CARD.wrongSoUnheard)).toBe('CARD_UNREADABLE');
    // One SO login on this card, ever: the one that failed.
    expect(soLogins()).toBe(soLoginsBefore + 1);
  });
});

describe('secrets', () => {
  it('shows the PINs only inside card.set-pin requests, and the SO credentials only in the admin import', async () => {
    await engine.flush();
    for (const pin of CANARY_PINS) {
      const carriers = wire.filter((m) => m.data.includes(pin)).map((m) => m.subject);
      expect(carriers.length).toBeGreaterThan(0);
      expect(new Set(carriers)).toEqual(new Set([s.cardSetPin]));
    }
    for (const credential of soCredentials) {
      expect(wire.filter((m) => m.data.includes(credential)).map((m) => m.subject)).toEqual(
        wire.filter((m) => m.subject === REGISTRY_SUBJECTS.adminImport && m.data.includes(credential)).map((m) => m.subject),
      );
    }
  });

  it('keeps them out of the agent and registry logs and out of every file the agent wrote', async () => {
    const logs = [...agentLogs, ...registryLogs].join('\n');
    expect(agentLogs.length).toBeGreaterThan(0);
    for (const secret of [...CANARY_PINS, ...soCredentials, USER_CODE]) expect(logs).not.toContain(secret);
    for (const file of await filesUnder(tokens.dataDir)) {
      const content = await readFile(file);
      for (const secret of [...CANARY_PINS, ...soCredentials]) expect(content.includes(Buffer.from(secret))).toBe(false);
    }
  });
});
