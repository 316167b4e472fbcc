// A registry instance that dies in the middle of a change can never leave a card record changed
// without its event, nor an event without its record change (docs/registry.md, "How a change and
// its event are written"). The crash is made exact: the instance talks to nats-server through a
// relay that passes the write of the card's record, then cuts the connection for good, as the
// process's death right after it would. Another instance then shows the card to staff: its status must be the
// one its latest event leads to, the events must follow one another without a gap or a double,
// and the card must go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { AcceptReplySchema, VerifyReplySchema } from '../../machines/contract/index.ts';
import { StaffCardReplySchema, type StaffCardReply } from '../../machines/contract/staff.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE, sampleCardRecord } from '../support/sample-cards.ts';
import { startCrashingLink } from '../support/crashing-link.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { registryRequests } from '../support/registry-requests.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';

let nats: TestNats;
let nc: NatsConnection;
let survivor: RunningRegistry;
const clockMs = Date.parse('2026-06-01T09:00:00Z');

const { ask } = registryRequests(() => nc, { timeout: 10_000 });

function registryOn(connection: NatsConnection): Promise<RunningRegistry> {
  return startRegistry({
    nc: connection,
    dataDir: nats.dataDir,
    secretKey: Buffer.alloc(32, 9),
    scryptCost: { N: 1024, r: 8, p: 1 },
    now: () => new Date(clockMs),
    kioskRateLimit: { burst: 100, perMinute: 100 },
  });
}

const verifyBody = (cardNumber: string, userCode = SAMPLE_USER_CODE) => ({
  cardNumber,
  certSerial: SAMPLE_CERT_SERIAL,
  kioskId: 'kiosk-1',
  route: 'self-applied',
  userCode,
});

/**
 * Runs `request` against an instance whose process "dies" right after its write of the card's
 * record reaches nats-server, and waits for that instance to be gone.
 */
async function crashDuring(cardNumber: string, request: () => Promise<unknown>): Promise<string> {
  const link = await startCrashingLink(Number(new URL(nats.server.url).port));
  const connection = await connect({ servers: link.url, name: 'registry-crashing', reconnectTimeWait: 50 });
  const doomed = await registryOn(connection);
  // The write of the card's record: its change subject (before one-write changes: its ra_cards key).
  link.arm((subject) => subject === `ra.events.${cardNumber}.change` || subject === `$KV.ra_cards.${cardNumber}`);
  // Its answer never comes (the request times out after the test, which stops nothing).
  void request().catch(() => undefined);
  const subject = await link.crashed;
  await connection.close();
  await doomed.stop().catch(() => undefined);
  await link.close();
  return subject;
}

async function staffView(cardNumber: string): Promise<StaffCardReply> {
  return ask('staffCard', { cardNumber, token: await enrolledStaffToken(nc, nats.dataDir, 'staff-crash', new Date(clockMs)) }, StaffCardReplySchema);
}

/** The record and its events agree: numbered 1…n without a gap, each starting where the last ended, the last ending at the status. */
function expectRecordAndEventsAgree(reply: StaffCardReply): void {
  const { history } = reply;
  expect(history.map((event) => event.id)).toEqual(history.map((_, index) => `${reply.cardNumber}-${index + 1}`));
  history.slice(1).forEach((event, index) => expect(event.from).toBe(history[index]?.to));
  expect(history.at(-1)?.to).toBe(reply.status);
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('registry-crash-test');
  survivor = await registryOn(await nats.connect('registry-survivor'));
  await importCards(nc, ['CR000001', 'CR000002', 'CR000003'].map((cardNumber) => sampleCardRecord(cardNumber)));
});

afterAll(async () => {
  await survivor?.stop();
  await nats?.stop();
});

describe('a registry that dies in the middle of a change', () => {
  it('during a verify: the card is verified with its event, or neither; a new verify goes on', async () => {
    // Only the crashing instance may answer, so the write is surely its own.
    await survivor.stop();
    await crashDuring('CR000001', () => ask('verify', verifyBody('CR000001'), VerifyReplySchema));
    survivor = await registryOn(await nats.connect('registry-survivor'));
    await expect.poll(async () => (await staffView('CR000001')).status).toBe('verified');
    expectRecordAndEventsAgree(await staffView('CR000001'));

    await ask('verify', verifyBody('CR000001'), VerifyReplySchema);
    const after = await staffView('CR000001');
    expectRecordAndEventsAgree(after);
    expect(after.history.map((event) => event.type)).toEqual(['imported', 'verified', 'verified']);
  });

  it('during a wrong attempt: the attempt is counted with its event, or neither', async () => {
    await survivor.stop();
    await crashDuring('CR000002', () => ask('verify', verifyBody('CR000002', 'Wrong$999'), VerifyReplySchema));
    survivor = await registryOn(await nats.connect('registry-survivor'));
    await expect.poll(async () => (await staffView('CR000002')).attemptsLeft).toBe(4);
    expectRecordAndEventsAgree(await staffView('CR000002'));
    expect((await staffView('CR000002')).history.at(-1)).toMatchObject({ type: 'attempt-failed', attemptsLeft: 4 });
  });

  it('during an accept: the card is accepted with its event, or neither; the accept repeats', async () => {
    const { activationId } = await ask('verify', verifyBody('CR000003'), VerifyReplySchema);
    await survivor.stop();
    await crashDuring('CR000003', () => ask('accept', { activationId }, AcceptReplySchema));
    survivor = await registryOn(await nats.connect('registry-survivor'));
    await expect.poll(async () => (await staffView('CR000003')).status).toBe('accepted');
    expectRecordAndEventsAgree(await staffView('CR000003'));

    const again = await ask('accept', { activationId }, AcceptReplySchema);
    const after = await staffView('CR000003');
    expect(after.acceptedAt).toBe(again.acceptedAt);
    expectRecordAndEventsAgree(after);
    expect(after.history.map((event) => event.type)).toEqual(['imported', 'verified', 'accepted']);
  });
});
