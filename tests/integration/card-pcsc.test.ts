// The card agent on real PC/SC: pcscd with the vsmartcard virtual reader, vicc as the card, a
// SoftHSM2 token standing for it (OpenSC does not see vicc as a PKCS#11 token; docs/card-agent.md). Reader
// and card events, status, read and selfcheck, and recovery when pcscd restarts mid-run or is not
// running when the agent starts. Skipped, with the reason printed, only where pcscd cannot run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import {
  CardDataSchema,
  CardEventSchema,
  ContractError,
  kioskSubjects,
  SelfcheckSchema,
  type CardEvent,
} from '../../machines/contract/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { pcscdRunning, pcscdUnavailable, startTestPcscd, VICC_ATR, VPCD_READER, type TestPcscd } from '../support/pcscd.ts';
import { cardRecord, startTestTokens, type TestTokens } from '../support/softhsm.ts';
import { until as untilShared } from '../support/until.ts';

const unavailable = await pcscdUnavailable();
if (unavailable !== undefined) console.warn(`card-pcsc tests skipped: ${unavailable}`);
// Stopping and restarting pcscd is only for a pcscd these tests start themselves.
const foreignDaemon = unavailable === undefined && (await pcscdRunning());
if (foreignDaemon) console.warn('card-pcsc restart tests skipped: a pcscd these tests did not start is running');

const KIOSK = 'kiosk-pcsc';
const s = kioskSubjects(KIOSK);
const TOKEN = 'TP00000000000001';
const BACKOFF = { initialMs: 100, maxMs: 400 };

const StatusReplySchema = v.object({
  readers: v.array(v.object({ name: v.string(), cardPresent: v.boolean(), atr: v.optional(v.string()) })),
  readerService: v.object({ kind: v.string(), ok: v.boolean(), detail: v.string() }),
});

let nats: TestNats;
let tokens: TestTokens;
let pcscd: TestPcscd;
let agent: CardAgent;
let engine: NatsConnection;
const events: CardEvent[] = [];

/** The shared poller, in this file's argument order; 10 s before giving up. */
const until = (what: string, check: () => boolean | Promise<boolean>) => untilShared(check, what, { giveUpMs: 10_000 });

function eventAfter(mark: number, type: CardEvent['type'], reader = VPCD_READER): () => boolean {
  return () => events.slice(mark).some((e) => e.type === type && e.reader === reader);
}

const status = (subjects = s) => requestJson(engine, subjects.cardStatus, {}, StatusReplySchema, { unreachable: 'CARD_UNREADABLE' });

async function readError(): Promise<string> {
  try {
    await requestJson(engine, s.cardRead, {}, CardDataSchema, { unreachable: 'CARD_UNREADABLE' });
    return 'none';
  } catch (error) {
    return error instanceof ContractError ? error.code : String(error);
  }
}

describe.skipIf(unavailable !== undefined)('card agent on pcscd with a virtual reader', () => {
  beforeAll(async () => {
    nats = await startTestNats();
    tokens = await startTestTokens();
    await tokens.make(cardRecord(TOKEN));
    pcscd = await startTestPcscd();
    engine = await nats.connect('engine');
    engine.subscribe(`kiosk.*.card.events`, {
      callback: (_error, msg: Msg) => {
        events.push(v.parse(CardEventSchema, msg.json()));
      },
    });
    await engine.flush();
    agent = await startCardAgent({
      nc: await nats.connect('card-agent'),
      kioskId: KIOSK,
      dataDir: tokens.dataDir,
      reader: 'pcsc',
      tokenLabel: TOKEN,
      pcscBackoff: BACKOFF,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await pcscd?.stop();
    await tokens?.stop();
    await nats?.stop();
  });

  it('reports the virtual readers attached, then a card inserted with its ATR and removed', async () => {
    await until('reader attached', eventAfter(0, 'reader.attached'));
    expect((await status()).readers.map((r) => r.name)).toContain(VPCD_READER);

    const mark = events.length;
    await pcscd.insertCard();
    await until('card inserted', eventAfter(mark, 'card.inserted'));
    expect(events.slice(mark).find((e) => e.type === 'card.inserted')).toMatchObject({ reader: VPCD_READER, atr: VICC_ATR });
    expect((await status()).readers.find((r) => r.name === VPCD_READER)).toEqual({ name: VPCD_READER, cardPresent: true, atr: VICC_ATR });

    const card = await requestJson(engine, s.cardRead, {}, CardDataSchema, { unreachable: 'CARD_UNREADABLE' });
    expect(card.cardNumber).toBe(TOKEN);
    const check = await requestJson(engine, s.cardSelfcheck, {}, SelfcheckSchema, { unreachable: 'CARD_UNREADABLE' });
    expect(check.ok).toBe(true);

    const out = events.length;
    await pcscd.removeCard();
    await until('card removed', eventAfter(out, 'card.removed'));
    expect(await readError()).toBe('CARD_NOT_DETECTED');
  });

  it.skipIf(foreignDaemon)('recovers when pcscd restarts mid-run, and says so meanwhile', async () => {
    await pcscd.insertCard();
    await until('card in', async () => (await status()).readers.some((r) => r.cardPresent));

    const down = events.length;
    await pcscd.stopDaemon();
    await until('card removed', eventAfter(down, 'card.removed'));
    await until('reader detached', eventAfter(down, 'reader.detached'));
    // The readers go first; that the service itself is gone shows once the watcher's next call to
    // pcscd fails, a moment later.
    await until('agent says pcscd is gone', async () => !(await status()).readerService.ok);
    const meanwhile = await status();
    expect(meanwhile.readers).toEqual([]);
    expect(meanwhile.readerService.ok).toBe(false);
    expect(meanwhile.readerService.detail).toMatch(/pcscd not reachable/);
    const check = await requestJson(engine, s.cardSelfcheck, {}, SelfcheckSchema, { unreachable: 'CARD_UNREADABLE' });
    expect(check.checks.find((c) => c.id === 'service')).toMatchObject({ ok: false, code: 'READER_NOT_FOUND' });
    expect(await readError()).toBe('READER_NOT_FOUND');

    const up = events.length;
    await pcscd.startDaemon();
    await until('reader back', eventAfter(up, 'reader.attached'));
    expect((await status()).readerService.ok).toBe(true);
    await pcscd.insertCard();
    await until('card back', eventAfter(up, 'card.inserted'));
    const card = await requestJson(engine, s.cardRead, {}, CardDataSchema, { unreachable: 'CARD_UNREADABLE' });
    expect(card.cardNumber).toBe(TOKEN);
    await pcscd.removeCard();
  });

  it.skipIf(foreignDaemon)('starts without pcscd and attaches the readers once it runs', async () => {
    await pcscd.stopDaemon();
    const late = kioskSubjects('kiosk-late');
    const lateAgent = await startCardAgent({
      nc: await nats.connect('late-agent'),
      kioskId: 'kiosk-late',
      dataDir: tokens.dataDir,
      reader: 'pcsc',
      tokenLabel: TOKEN,
      pcscBackoff: BACKOFF,
      log: () => undefined,
    });
    try {
      const before = await status(late);
      expect(before.readerService.ok).toBe(false);
      expect(before.readerService.detail).toMatch(/SCARD_E_NO_SERVICE/);
      await pcscd.startDaemon();
      await until('late agent sees pcscd', async () => (await status(late)).readerService.ok);
      await until('late agent sees the reader', async () => (await status(late)).readers.some((r) => r.name === VPCD_READER));
    } finally {
      await lateAgent.stop();
    }
  });
});
