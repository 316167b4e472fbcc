// The fuzz run against the running stack (real nats-server, registry, card agent on SoftHSM2,
// engine): thousands of hostile messages to every subject of the contract — random bytes, invalid
// UTF-8, wrong types, unknown and out-of-order events, payloads near 1 MiB, replays of a real
// activation, floods — and then the proof: every reply was a contract error (or the answer of an
// endpoint that takes no body), nothing went unanswered, nothing died, the kiosk still activates a
// card, and no registry record changed. Then malformed cards, each with its own code.
//
// CI-sized by default; FUZZ_MESSAGES (or `npm run fuzz`) makes it bigger.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { decodeJson, isErrorCode, kioskSubjects, REGISTRY_SUBJECTS, WireErrorBodySchema, type View } from '../../machines/contract/index.ts';
import { issueCardCertificate, randomCertSerial } from '../../card/demo/demo-ca.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { secretBytes } from '../../card/token/token.client.ts';
import { DEFAULT_KIOSK_RATE_LIMIT } from '../../services/registry/kiosk-rate-limit.ts';
import { KIOSK_LIMITS_BUCKET } from '../../services/registry/registry-store.ts';
import { isStaffErrorCode, staffErrorIn } from '../../machines/contract/staff.ts';
import { testCardKey } from '../support/card-keys.ts';
import { cardRecord, checkTokenElsewhere, startTestTokens, type TestTokens } from '../support/softhsm.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { until } from '../support/until.ts';
import { fuzzSubjects, hostilePayload, hugePayload, type FuzzKind } from './fuzz-messages.ts';

const MESSAGES = Number(process.env.FUZZ_MESSAGES || 2000);
const HUGE = Number(process.env.FUZZ_HUGE || 12);
const FLOOD = Number(process.env.FUZZ_FLOOD || 500);
const IN_FLIGHT = 64;
const PIN = 'Fz!Pin12';
const USER_CODE = 'Fz$Code1';
const KIOSK = 'kiosk-fuzz';
const CARDS = { before: 'TF00000000000001', after: 'TF00000000000002' } as const;

interface Outcome {
  subject: string;
  kind: FuzzKind | 'replay' | 'flood';
  result: 'contract-error' | 'answer' | 'no-responders' | 'timeout' | 'malformed-reply';
  code?: string;
}

/** Sends one request and classifies what came back. */
async function probe(nc: NatsConnection, subject: string, data: Uint8Array, kind: Outcome['kind']): Promise<Outcome> {
  let reply: Msg;
  try {
    reply = await nc.request(subject, data, { timeout: 15_000 });
  } catch (error) {
    const text = String((error as Error)?.message ?? error);
    return { subject, kind, result: /no responders|503/i.test(text) ? 'no-responders' : 'timeout' };
  }
  const decoded = decodeJson(WireErrorBodySchema, reply.data);
  if (decoded.ok) return { subject, kind, result: 'contract-error', code: decoded.value.error.code };
  // ra.staff.* and the engines' staff-check refuse in the contract's error form with the staff-only codes (docs/contract.md).
  const staffSubject = subject.startsWith('ra.staff.') || subject.startsWith(REGISTRY_SUBJECTS.staffCheck);
  const staffRefusal = staffSubject && isJson(reply.data) ? staffErrorIn(JSON.parse(new TextDecoder().decode(reply.data))) : undefined;
  if (staffRefusal !== undefined && reply.headers?.get('Nats-Service-Error') === staffRefusal.code) {
    return { subject, kind, result: 'contract-error', code: staffRefusal.code };
  }
  if (reply.headers?.get('Nats-Service-Error-Code')) return { subject, kind, result: 'malformed-reply' };
  return reply.data.length === 0 || isJson(reply.data) ? { subject, kind, result: 'answer' } : { subject, kind, result: 'malformed-reply' };
}

function isJson(data: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    return true;
  } catch {
    return false;
  }
}

/** Runs `jobs` with at most IN_FLIGHT at once. */
async function bounded<T>(jobs: Array<() => Promise<T>>, limit = IN_FLIGHT): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await jobs[index]!();
      }
    }),
  );
  return results;
}

/**
 * Every message of the registry's stream and buckets: its records. RA_AUDIT is not one: it records
 * every staff request, refused ones included (docs/contract.md), and is checked on its own.
 */
async function registryRecords(nc: NatsConnection): Promise<string> {
  return (await registryStreams(nc)).filter((line) => !line.startsWith('RA_AUDIT ') && !line.startsWith(`KV_${KIOSK_LIMITS_BUCKET} `)).join('\n');
}

/** The kiosk's verify tokens as the rate limit stores them (every admission writes; a refund gives the token back). */
async function kioskTokens(nc: NatsConnection): Promise<number | undefined> {
  const line = (await registryStreams(nc)).filter((entry) => entry.startsWith(`KV_${KIOSK_LIMITS_BUCKET} `) && entry.includes(`.${KIOSK} `)).at(-1);
  return line === undefined ? undefined : (JSON.parse(line.slice(line.indexOf('{'))) as { tokens: number }).tokens;
}

/** The staff audit's entries, as stored. */
async function staffAudit(nc: NatsConnection): Promise<Array<{ action: string; outcome: string }>> {
  return (await registryStreams(nc))
    .filter((line) => line.startsWith('RA_AUDIT ') && !line.includes(' last='))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { action: string; outcome: string });
}

async function registryStreams(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const lines: string[] = [];
  for await (const stream of jsm.streams.list()) {
    const name = stream.config.name;
    if (!name.startsWith('RA_') && !name.startsWith('KV_ra_')) continue;
    lines.push(`${name} last=${stream.state.last_seq} count=${stream.state.messages}`);
    for (let seq = stream.state.first_seq; seq <= stream.state.last_seq && stream.state.last_seq > 0; seq++) {
      const msg = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (msg) lines.push(`${name} ${seq} ${msg.subject} ${msg.string()}`);
    }
  }
  return lines;
}

let stack: TestStack;
let tokens: TestTokens;
const onScreen = (screen: View['screen']) => (view: View) => view.screen === screen;

async function backToIdle(): Promise<void> {
  await stack.remove();
  const last = stack.views.at(-1);
  if (last?.screen !== 'insertCard') stack.staff({ type: last?.screen === 'staffAssist' ? 'staff.resume' : 'staff.abort' });
  await until(() => stack.views.at(-1)?.screen === 'insertCard' || (stack.views.at(-1)?.accepts.includes('staff.abort') && stack.staff({ type: 'staff.abort' })), 'kiosk idle again', { giveUpMs: 45_000, everyMs: 200 });
}

async function activate(cardNumber: string): Promise<void> {
  await stack.insert(cardNumber);
  await stack.waitForView((v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, 'choose path');
  stack.send({ type: 'user.choosePath', path: 'self-applied' });
  await stack.waitForView(onScreen('enterUserCode'), 'user code screen');
  stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
  await stack.waitForView(onScreen('confirmCardData'), 'card data');
  stack.send({ type: 'user.confirmCardData' });
  await stack.waitForView(onScreen('enterPin'), 'PIN screen');
  stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
  await stack.waitForView(onScreen('activated'), 'activated');
  expect(await checkTokenElsewhere(stack.dataDir, cardNumber, PIN)).toMatchObject({ found: true, accepted: true });
  await backToIdle();
}

beforeAll(async () => {
  stack = await startTestStack({ kioskId: KIOSK });
  await stack.provision([cardRecord(CARDS.before, { userCode: USER_CODE }), cardRecord(CARDS.after, { userCode: USER_CODE })]);
  await stack.startEngine();
  await stack.waitForView(onScreen('insertCard'), 'idle kiosk');
  tokens = await startTestTokens(stack.dataDir);
}, 120_000);

afterAll(async () => {
  await tokens?.stop();
  await stack?.stop();
});

describe('hostile messages against the running stack', () => {
  const outcomes: Outcome[] = [];
  let before = '';
  const serverPid = () => stack.nats.server.pid;
  let pidAtStart = 0;

  it('answers every hostile request with a contract error, and changes no record', async () => {
    pidAtStart = serverPid();
    // A real activation first, recorded on the wire, to be replayed after the baseline.
    const contractSubjects = new Set(fuzzSubjects(KIOSK));
    const recorded: Array<{ subject: string; data: Uint8Array; request: boolean }> = [];
    const recorder = stack.nc.subscribe('>', {
      callback: (_error, msg) => {
        // Contract subjects only: the registry's own JetStream writes (ra.events.>, $KV) are no request.
        if (contractSubjects.has(msg.subject)) {
          recorded.push({ subject: msg.subject, data: Uint8Array.from(msg.data), request: Boolean(msg.reply) });
        }
      },
    });
    await activate(CARDS.before);
    recorder.unsubscribe();
    expect(recorded.some((m) => m.subject.startsWith(REGISTRY_SUBJECTS.accept))).toBe(true);

    await stack.engine!.flush();
    // The completion's change (record and event, one message) is stored before the reply; the
    // engine's own writes may still be landing, so the baseline waits for the last event anyway.
    before = await until(async () => {
      const records = await registryRecords(stack.nc);
      return records.includes(`ra.events.${CARDS.before}.change {"id":"${CARDS.before}-`) && records.includes('"type":"activated"') && records;
    }, 'the activation\'s events stored');
    const subjects = fuzzSubjects(KIOSK);
    const perSubject = Math.max(1, Math.floor(MESSAGES / subjects.length));
    const jobs: Array<() => Promise<Outcome>> = [];
    for (const subject of subjects) {
      for (const { kind, data } of fc.sample(hostilePayload, perSubject)) {
        // A valid event is a publish (the engine answers only what it refuses); the rest are requests.
        if (kind === 'out-of-order') jobs.push(async () => (stack.nc.publish(subject, data), { subject, kind, result: 'answer' }));
        else jobs.push(() => probe(stack.nc, subject, data, kind));
      }
    }
    for (const [index, { kind, data }] of fc.sample(hugePayload, HUGE).entries()) {
      const subject = subjects[index % subjects.length]!;
      jobs.push(() => probe(stack.nc, subject, data, kind));
    }
    // Replays of the recorded activation, every message again, requests and events alike.
    for (const { subject, data, request } of recorded) {
      if (request) jobs.push(() => probe(stack.nc, subject, data, 'replay'));
      else jobs.push(async () => (stack.nc.publish(subject, data), { subject, kind: 'out-of-order', result: 'answer' }));
    }
    outcomes.push(...(await bounded(jobs)));

    // Floods: every message at once, nothing bounding them but the server.
    const floodSubjects = [kioskSubjects(KIOSK).input, kioskSubjects(KIOSK).cardRead, REGISTRY_SUBJECTS.identify, `${REGISTRY_SUBJECTS.verify}.${KIOSK}`];
    for (const subject of floodSubjects) {
      const garbage = fc.sample(hostilePayload.filter((p) => p.kind !== 'out-of-order'), FLOOD);
      outcomes.push(...(await Promise.all(garbage.map(({ data }) => probe(stack.nc, subject, data, 'flood')))));
    }

    const unanswered = outcomes.filter((o) => o.result === 'timeout' || o.result === 'malformed-reply');
    expect(unanswered, JSON.stringify(unanswered.slice(0, 5))).toEqual([]);
    for (const outcome of outcomes) if (outcome.code !== undefined) expect(isErrorCode(outcome.code) || isStaffErrorCode(outcome.code), outcome.code).toBe(true);
    // A subject either has no responder at all, or answers every hostile request.
    const bySubject = new Map<string, Outcome[]>();
    for (const o of outcomes) if (o.kind !== 'out-of-order') bySubject.set(o.subject, [...(bySubject.get(o.subject) ?? []), o]);
    for (const [subject, list] of bySubject) {
      const silent = list.filter((o) => o.result === 'no-responders').length;
      expect([0, list.length], `${subject}: ${silent} of ${list.length} found no responder`).toContain(silent);
    }
    // Every subject that takes a body refused the malformed ones with a contract error.
    const refused = outcomes.filter((o) => o.result === 'contract-error');
    expect(refused.length).toBeGreaterThan(outcomes.length / 3);
    for (const subject of [...Object.values(REGISTRY_SUBJECTS), kioskSubjects(KIOSK).input, kioskSubjects(KIOSK).cardSetPin]) {
      expect(refused.some((o) => o.subject === subject), subject).toBe(true);
    }

    await stack.engine!.flush();
    const after = await registryRecords(stack.nc);
    const changed = after.split('\n').filter((line) => !before.split('\n').includes(line));
    expect(changed, 'records written by the fuzz run').toEqual([]);
    expect(after).toBe(before);
    // Not one hostile verify cost the kiosk a token: none compared a secret.
    expect(await kioskTokens(stack.nc)).toBe(DEFAULT_KIOSK_RATE_LIMIT.burst);
    // No hostile staff request carried a valid token: each was refused before anything was stored,
    // so the audit holds none of them (docs/security.md, "The audit trail").
    const audit = await staffAudit(stack.nc);
    expect(audit, 'staff requests the fuzz run got into the audit').toEqual([]);
  }, 600_000);

  it('left every part alive and serving: the kiosk still activates a card, and nothing changed before that', async () => {
    expect(serverPid()).toBe(pidAtStart);
    expect(() => process.kill(serverPid(), 0)).not.toThrow();
    await backToIdle();
    await activate(CARDS.after);
    expect(await registryRecords(stack.nc)).not.toBe(before);
  }, 120_000);
});

describe('malformed cards, each with its code', () => {
  const OBJECT = { id: '01', label: 'MOEACA business certificate' };

  /** A token with a key and the given certificate bytes (or none), labelled `label`. */
  async function token(label: string, der: Uint8Array | undefined): Promise<void> {
    const pin = 'Tk$12345';
    const so = secretBytes('so-malformed');
    const user = secretBytes(pin);
    await tokens.client.call({ op: 'create-token', label, soPin: so, userPin: user }, [so, user]);
    const keyPin = secretBytes(pin);
    const { publicKey } = await tokens.client.call({ op: 'generate-key', token: { by: 'label', label }, userPin: keyPin, ...OBJECT }, [keyPin]);
    if (der === undefined) return;
    const certPin = secretBytes(pin);
    const issued = await issueCardCertificate(tokens.ca, { ...certFields(), publicKey });
    await tokens.client.call(
      { op: 'write-certificate', token: { by: 'label', label }, userPin: certPin, ...OBJECT, der: der.length === 0 ? issued.der : der, subject: issued.subject, issuer: issued.issuer, serialNumber: issued.serialNumber },
      [certPin],
    );
  }

  function certFields(overrides: Partial<{ ubn: string; validFrom: string; validTo: string; certSerial: string }> = {}) {
    return { holderName: '壞卡公司', ubn: '97969933', email: 'bad@example.com.tw', validFrom: '2026-01-01T00:00:00Z', validTo: '2031-01-01T00:00:00Z', certSerial: randomCertSerial(), ...overrides };
  }

  async function certificate(overrides: Parameters<typeof certFields>[0]): Promise<Uint8Array> {
    return (await issueCardCertificate(tokens.ca, { ...certFields(overrides), publicKey: await freshPublicKey() })).der;
  }

  async function freshPublicKey(): Promise<Uint8Array> {
    const { webcrypto } = await import('node:crypto');
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    return new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  }

  /** What card.read answers for the card (the card agent's code) and what the kiosk then shows. */
  async function codesFor(cardNumber: string): Promise<{ agent: string | undefined; kiosk: string | undefined }> {
    const since = stack.views.length;
    await stack.insert(cardNumber);
    const view = await stack.waitForView((v) => stack.views.indexOf(v) >= since && (v.error !== undefined || v.screen === 'choosePath'), `${cardNumber} read`);
    const read = await stack.nc.request(kioskSubjects(KIOSK).cardRead, new Uint8Array(), { timeout: 15_000 });
    const refused = decodeJson(WireErrorBodySchema, read.data);
    const agent = refused.ok ? refused.value.error.code : undefined;
    let kiosk = view.error?.code;
    if (kiosk === undefined) {
      // The card reads: the registry decides, at the first step that asks it.
      stack.send({ type: 'user.choosePath', path: 'self-applied' });
      await stack.waitForView(onScreen('enterUserCode'), 'user code screen');
      stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
      kiosk = (await stack.waitForView((v) => v.error !== undefined, `${cardNumber} refused`)).error?.code;
    }
    await backToIdle();
    return { agent, kiosk };
  }

  const BAD_CARDS = [
    // [what, card number, code of card.read, code the kiosk shows, how the token is made]
    ['no certificate', 'TB00000000000001', 'NOT_BUSINESS_CARD', 'NOT_BUSINESS_CARD', () => token('TB00000000000001', undefined)],
    ['a certificate without a UBN', 'TB00000000000002', 'NOT_BUSINESS_CARD', 'NOT_BUSINESS_CARD', async () => token('TB00000000000002', await certificate({ ubn: 'NO-UBN-HERE' }))],
    ['garbage DER', 'TB00000000000003', 'CARD_UNREADABLE', 'CARD_UNREADABLE', () => token('TB00000000000003', Uint8Array.from(fc.sample(fc.uint8Array({ minLength: 40, maxLength: 400 }), 1)[0]!))],
    // Expiry is the registry's to judge: the card reads, the kiosk shows CERT_EXPIRED at identify.
    ['an expired certificate', 'TB00000000000004', undefined, 'CERT_EXPIRED', () => stack.provision([cardRecord('TB00000000000004', { userCode: USER_CODE, validFrom: '2019-01-01T00:00:00Z', validTo: '2020-01-01T00:00:00Z' })])],
    // The label names a card the registry knows, but the certificate on the token is another one
    // (another serial): a certificate the CA did not issue for this card is unknown (docs/contract.md).
    ['a token whose label lies', 'TB00000000000005', undefined, 'UNKNOWN_CARD', async () => {
      await importCards(stack.nc, [
        { ...cardRecord('TB00000000000005', { userCode: USER_CODE }), certSerial: randomCertSerial(), soCredential: 'so-the-real-card', certificateKeySha256: testCardKey().certificateKeySha256 },
      ]);
      await token('TB00000000000005', await certificate({}));
    }],
    // A copy of the registered certificate (same serial) on a token with another key: the key is
    // not the record's, so identify refuses it (docs/security.md, "The card bound to its record").
    ['a certificate copied onto another key', 'TB00000000000006', undefined, 'CARD_MISMATCH', async () => {
      const certSerial = randomCertSerial();
      await importCards(stack.nc, [
        { ...cardRecord('TB00000000000006', { userCode: USER_CODE }), certSerial, soCredential: 'so-the-real-card', certificateKeySha256: testCardKey().certificateKeySha256 },
      ]);
      await token('TB00000000000006', await certificate({ certSerial }));
    }],
  ] as const;
  const seen = new Map<string, { agent: string | undefined; kiosk: string | undefined }>();

  it.each(BAD_CARDS)('%s (%s): card.read answers its code', async (_what, cardNumber, agentCode, _kioskCode, make) => {
    await make();
    const codes = await codesFor(cardNumber);
    seen.set(cardNumber, codes);
    expect(codes.agent).toBe(agentCode);
  }, 120_000);

  // The session keeps the code of a failing token check (a certificate without a UBN, or none, is
  // NOT_BUSINESS_CARD, "take the card back", not 不明連接卡).
  for (const [what, cardNumber, , kioskCode] of BAD_CARDS) {
    it(`${what}: the kiosk shows ${kioskCode}`, () => {
      expect(seen.get(cardNumber)?.kiosk).toBe(kioskCode);
    });
  }
});
