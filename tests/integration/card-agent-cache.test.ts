// The card agent's reading once per insertion (card/insertion-cache.ts) against real SoftHSM2
// tokens and a real nats-server: a second card.read of the same insertion is the first reading (a
// flag changed on the token since, by a real wrong login from another process, does not show),
// the card taken out and put back or swapped is read afresh, the self-check reads the card itself,
// and set-pin still checks the token's live flags before it asks for any grant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { CardDataSchema, ContractError, kioskSubjects, OkReplySchema, registrySubjectFor, SelfcheckSchema } from '../../machines/contract/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { cardRecord, checkTokenElsewhere, startTestTokens, type TestTokens } from '../support/softhsm.ts';

const KIOSK = 'kiosk-card-cache';
const s = kioskSubjects(KIOSK);
const CARD = { first: 'TK00000000000001', second: 'TK00000000000002', selfcheck: 'TK00000000000003', setPin: 'TK00000000000004' } as const;

let nats: TestNats;
let tokens: TestTokens;
let agent: CardAgent;
let engine: NatsConnection;
const grantRequests: string[] = [];

const ask = <S extends v.GenericSchema>(subject: string, body: unknown, schema: S) =>
  requestJson(engine, subject, body, schema, { unreachable: '3125', timeout: 60_000 });
const insert = (cardNumber: string) => ask(s.cardSimInsert, { cardNumber }, OkReplySchema);
const remove = () => ask(s.cardSimRemove, {}, OkReplySchema);
const read = () => ask(s.cardRead, {}, CardDataSchema);

/** A real wrong user login from another process: the token's CKF_USER_PIN_COUNT_LOW goes up. */
async function wrongLoginElsewhere(cardNumber: string): Promise<void> {
  const check = await checkTokenElsewhere(tokens.dataDir, cardNumber, 'Wr0ng#PIN');
  expect(check.accepted).toBe(false);
  expect(check.userPinCountLow).toBe(true);
}

beforeAll(async () => {
  nats = await startTestNats();
  tokens = await startTestTokens();
  for (const cardNumber of Object.values(CARD)) await tokens.make(cardRecord(cardNumber));
  engine = await nats.connect('engine');
  // Stands where the registry's pin-grant subject is: nobody answers, every request is seen.
  engine.subscribe(registrySubjectFor('pinGrant', KIOSK), { callback: (_error, msg) => void grantRequests.push(msg.subject) });
  await engine.flush();
  agent = await startCardAgent({ nc: await nats.connect('card-agent'), kioskId: KIOSK, dataDir: tokens.dataDir, reader: 'sim', registryTimeoutMs: 2_000, log: () => undefined });
});

afterAll(async () => {
  await agent?.stop();
  await engine?.close();
  await tokens?.stop();
  await nats?.stop();
});

describe('one reading per insertion', () => {
  it('answers a second read of the same insertion from the first reading, and reads the card again once it is put back', async () => {
    await insert(CARD.first);
    expect((await read()).pinFlags.userPinCountLow).toBe(false);
    await wrongLoginElsewhere(CARD.first);
    // Same insertion: the first reading, not the card (which now says COUNT_LOW).
    expect((await read()).pinFlags.userPinCountLow).toBe(false);
    await remove();
    await insert(CARD.first);
    expect((await read()).pinFlags.userPinCountLow).toBe(true);
    await remove();
  });

  it('reads a swapped card afresh', async () => {
    await insert(CARD.first);
    expect((await read()).cardNumber).toBe(CARD.first);
    await remove();
    await insert(CARD.second);
    expect((await read()).cardNumber).toBe(CARD.second);
    await remove();
  });

  it('answers CARD_NOT_DETECTED once the card is out, whatever was read before', async () => {
    await insert(CARD.second);
    await read();
    await remove();
    await expect(read()).rejects.toSatisfy((error) => error instanceof ContractError && error.code === 'CARD_NOT_DETECTED');
  });

  it('has the self-check read the card itself, and keeps that reading', async () => {
    await insert(CARD.selfcheck);
    expect((await read()).pinFlags.userPinCountLow).toBe(false);
    await wrongLoginElsewhere(CARD.selfcheck);
    const selfcheck = await ask(s.cardSelfcheck, {}, SelfcheckSchema);
    expect(selfcheck.checks.find((check) => check.id === 'token')?.ok).toBe(true);
    expect((await read()).pinFlags.userPinCountLow).toBe(true);
    await remove();
  });

  it("refuses set-pin with 27011 on the token's live flags, before any grant, though the reading it has says clean", async () => {
    await insert(CARD.setPin);
    expect((await read()).pinFlags.userPinCountLow).toBe(false);
    await wrongLoginElsewhere(CARD.setPin);
    const refused = await ask(s.cardSetPin, { activationId: 'act-cache-test', newPin: 'Cache#P1' }, v.unknown()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ContractError);
    expect((refused as ContractError).code).toBe('27011');
    expect(grantRequests).toEqual([]);
    // The set-pin that was tried leaves nothing cached: the next read is the card's.
    expect((await read()).pinFlags.userPinCountLow).toBe(true);
    await remove();
  });
});
