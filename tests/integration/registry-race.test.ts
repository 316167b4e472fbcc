// Two registry instances in one queue group, on one real nats-server, racing on the same cards:
// compare-and-set must let exactly one change win each time, and every change must be one event;
// and each instance answers as the other left a card (its view drops a card another changed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { Svcm } from '@nats-io/services';
import * as v from 'valibot';
import {
  AcceptReplySchema,
  CompleteReplySchema,
  IdentifyReplySchema,
  ContractError,
  PinGrantReplySchema,
  VerifyReplySchema,
  type RegistryEndpoint,
} from '../../machines/contract/index.ts';
import { generateOneTimeKeyPair } from '../../platform/pin-grant-jwe.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { enrolledAgentKey } from '../support/card-keys.ts';
import { SAMPLE_CARD_KEY, sampleCardRecord } from '../support/sample-cards.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';

const SERIAL = 'c0ffee';
const USER_CODE = 'Race$123';

let nats: TestNats;
let nc: NatsConnection;
const instances: RunningRegistry[] = [];
const logs: string[][] = [[], []];
/** How far both instances' clocks run ahead: the late-verify test receives one verify "earlier" than another. */
let clockAheadMs = 0;

/** The sample card, with this file's own serial and user code. */
const card = (cardNumber: string) => sampleCardRecord(cardNumber, { certSerial: SERIAL, userCode: USER_CODE });

type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** A request that must succeed. */
const { ask: must } = registryRequests(() => nc);

/** A request that may win or lose a race: its reply, or the contract error it lost with. */
async function attempt<S extends v.GenericSchema>(endpoint: RegistryEndpoint, body: unknown, schema: S): Promise<Result<v.InferOutput<S>>> {
  try {
    return { ok: true, value: await must(endpoint, body, schema) };
  } catch (error) {
    if (error instanceof ContractError) return { ok: false, error };
    throw error;
  }
}

function verifyBody(cardNumber: string, kioskId: string, userCode = USER_CODE) {
  return { cardNumber, certSerial: SERIAL, kioskId, route: 'self-applied', userCode };
}

async function eventTypes(cardNumber: string): Promise<string[]> {
  const messages = await readAll(jetstream(nc), 'RA_EVENTS', `ra.events.${cardNumber}.>`);
  return messages.map((msg) => msg.json<{ type: string }>().type);
}

/** How many requests of `endpoint` each instance answered. */
function servedBy(endpoint: string): number[] {
  return logs.map((lines) => lines.filter((line) => (JSON.parse(line) as { endpoint?: string }).endpoint === endpoint).length);
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('race-client');
  for (const index of [0, 1]) {
    instances.push(
      await startRegistry({
        // As main.ts connects the registry: no echo of its own publishes.
        nc: await nats.connect(`registry-${index}`, { noEcho: true, noAsyncTraces: true }),
        dataDir: nats.dataDir,
        secretKey: Buffer.alloc(32, 9),
        scryptCost: { N: 1024, r: 8, p: 1 },
        now: () => new Date(Date.now() + clockAheadMs),
        // One kiosk id verifies ten cards at once here, which no real kiosk does: room for the
        // record races under test, not the per-kiosk flood limit (registry-flood.test.ts).
        kioskRateLimit: { burst: 10, perMinute: 10, maxInFlightPerKiosk: 16 },
        log: (line) => logs[index]?.push(line),
      }),
    );
  }
  await importCards(nc, Array.from({ length: 30 }, (_, index) => card(`RC${String(index).padStart(6, '0')}`)));
});

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await nats?.stop();
});

describe('two registry instances racing on one card', () => {
  it('records one acceptance for 40 simultaneous accepts of one activation, all with the same acceptedAt', async () => {
    const { activationId } = await must('verify', verifyBody('RC000000', 'kiosk-1'), VerifyReplySchema);
    const replies = await Promise.all(Array.from({ length: 40 }, () => must('accept', { activationId }, AcceptReplySchema)));
    expect(new Set(replies.map((reply) => reply.acceptedAt)).size).toBe(1);
    expect(await eventTypes('RC000000')).toEqual(['imported', 'verified', 'accepted']);
    const [first, second] = servedBy('accept');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
  });

  it('lets two kiosks verify and accept the same card at once: one acceptance, one event, one acceptedAt', async () => {
    const cards = Array.from({ length: 10 }, (_, index) => `RC${String(index + 1).padStart(6, '0')}`);
    await Promise.all(
      cards.map(async (cardNumber) => {
        const flows = ['kiosk-a', 'kiosk-b', 'kiosk-c'].map(async (kioskId) => {
          const verified = await attempt('verify', verifyBody(cardNumber, kioskId), VerifyReplySchema);
          if (!verified.ok) return verified;
          return attempt('accept', { activationId: verified.value.activationId }, AcceptReplySchema);
        });
        const outcomes = await Promise.all(flows);
        const accepted = outcomes.filter((outcome) => outcome.ok).map((outcome) => (outcome.ok ? outcome.value.acceptedAt : ''));
        expect(accepted.length).toBeGreaterThan(0);
        expect(new Set(accepted).size).toBe(1);
        for (const outcome of outcomes) if (!outcome.ok) expect(outcome.error.code).toBe('SESSION_EXPIRED');
        expect((await eventTypes(cardNumber)).filter((type) => type === 'accepted')).toHaveLength(1);
      }),
    );
  });

  it('counts 12 simultaneous wrong attempts exactly: four 3005s, then the lock, then LOCKED', async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, index) => attempt('verify', verifyBody('RC000020', `kiosk-w${index}`, 'Wrong$99'), VerifyReplySchema)),
    );
    const errors = replies.map((reply) => (reply.ok ? null : reply.error));
    const counted = errors.filter((error) => error?.code === '3005').map((error) => error?.attemptsLeft);
    expect(counted.sort()).toEqual([1, 2, 3, 4]);
    expect(errors.filter((error) => error?.code === 'LOCKED')).toHaveLength(8);
    expect(await eventTypes('RC000020')).toEqual(['imported', 'attempt-failed', 'attempt-failed', 'attempt-failed', 'attempt-failed', 'locked']);
  });

  it('releases exactly the bounded number of PIN grants to simultaneous requests, and completes once', async () => {
    const { activationId } = await must('verify', verifyBody('RC000021', 'kiosk-1'), VerifyReplySchema);
    await must('accept', { activationId }, AcceptReplySchema);
    const agent = await enrolledAgentKey(nc, 'kiosk-1');
    const grants = await Promise.all(
      Array.from({ length: 10 }, () => {
        const oneTime = generateOneTimeKeyPair().publicKey;
        const body = { activationId, cardNumber: 'RC000021', agentPublicKey: oneTime, agentKeySignature: agent.signGrant(activationId, oneTime) };
        return attempt('pinGrant', body, PinGrantReplySchema);
      }),
    );
    expect(grants.filter((grant) => grant.ok)).toHaveLength(3);
    for (const grant of grants) if (!grant.ok) expect(grant.error.code).toBe('SESSION_EXPIRED');
    // Each grant issues a nonce; the last one written is the one the card must sign.
    const nonces = grants.flatMap((grant) => (grant.ok ? [grant.value.proofNonce] : []));
    const completeBody = (nonce: string) => ({ activationId, cardNumber: 'RC000021', proof: SAMPLE_CARD_KEY.prove(activationId, 'RC000021', nonce) });
    const tried = await Promise.all(nonces.map((nonce) => attempt('complete', completeBody(nonce), CompleteReplySchema)));
    const current = nonces.find((_nonce, index) => tried[index]?.ok) ?? '';
    const completions = await Promise.all(
      Array.from({ length: 10 }, () => must('complete', completeBody(current), CompleteReplySchema)),
    );
    expect(new Set(completions.map((reply) => reply.activatedAt)).size).toBe(1);
    const types = await eventTypes('RC000021');
    expect(types.filter((type) => type === 'pin-granted')).toHaveLength(3);
    expect(types.filter((type) => type === 'activated')).toHaveLength(1);
  });

  it("refuses a verify received before the card's current activation started, and the kiosk's activation stays", async () => {
    // A hub failover: the kiosk's first verify stalls, the kiosk gets 3125 and asks again 5 s later;
    // the repeat is written, then the first one's write conflicts and is decided again on top of it.
    clockAheadMs = 5_000;
    const repeat = await must('verify', verifyBody('RC000022', 'kiosk-1'), VerifyReplySchema);
    clockAheadMs = 0;
    const late = await attempt('verify', verifyBody('RC000022', 'kiosk-1'), VerifyReplySchema);
    expect(late.ok ? 'written' : late.error.code).toBe('SESSION_EXPIRED');
    // The activation the kiosk holds is still the card's current one.
    expect((await must('accept', { activationId: repeat.activationId }, AcceptReplySchema)).acceptedAt).toMatch(/^\d{4}-/);
    expect(await eventTypes('RC000022')).toEqual(['imported', 'verified', 'accepted']);
  });

  it('answers identify from either instance as the other left the card', async () => {
    const cardNumber = 'RC000023';
    const identify = async () =>
      (await must('identify', { cardNumber, certSerial: SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 }, IdentifyReplySchema)).status;
    const statuses = async (times: number) => new Set(await Promise.all(Array.from({ length: times }, identify)));
    expect(await statuses(20)).toEqual(new Set(['issued']));
    const before = await identifiesAnswered();
    // Each change is written by one instance; the other's view held the card and must drop it.
    const { activationId } = await must('verify', verifyBody(cardNumber, 'kiosk-v'), VerifyReplySchema);
    expect(await statuses(40)).toEqual(new Set(['verified']));
    await must('accept', { activationId }, AcceptReplySchema);
    expect(await statuses(40)).toEqual(new Set(['accepted']));
    const after = await identifiesAnswered();
    expect([...after].filter(([instance, count]) => count > (before.get(instance) ?? 0))).toHaveLength(2);
  });

  it('creates a card once when two imports of it race', async () => {
    const results = await Promise.all([importCards(nc, [card('RC000099')]), importCards(nc, [card('RC000099')])]);
    expect(results.map((result) => result[0]?.outcome).sort()).toEqual(['created', 'unchanged']);
    expect(await eventTypes('RC000099')).toEqual(['imported']);
  });
});

/** identify requests each instance has answered, by instance id (their service statistics). */
async function identifiesAnswered(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const stats of await new Svcm(nc).client().stats('registry')) {
    counts.set(stats.id, stats.endpoints?.find((endpoint) => endpoint.name === 'identify')?.num_requests ?? 0);
  }
  return counts;
}
