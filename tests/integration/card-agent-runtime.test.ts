// The card agent's wiring on the part runtime (card/agent.service.ts, platform/nats-runtime.ts),
// against a real nats-server and real SoftHSM2 tokens: it is still the `card-agent` NATS service
// ($SRV discovery with its endpoints and metadata), it announces its readers again after a
// reconnect (its connection runs through a loopback relay the test cuts and restores), a failure's
// raw cause goes to its log and not on the wire, and its readers' last events go out at stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import type { ReaderEvent } from '../../card/readers/reader.ts';
import { SIM_READER_NAME } from '../../card/readers/sim.reader.ts';
import { CardDataSchema, ContractError, kioskSubjects, OkReplySchema } from '../../machines/contract/index.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { connectNats } from '../../platform/nats-runtime.ts';
import { startCuttableLink, type CuttableLink } from '../support/cuttable-link.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { cardRecord, startTestTokens, type TestTokens } from '../support/softhsm.ts';
import { until } from '../support/until.ts';

const KIOSK = 'kiosk-card-runtime';
const CARD = 'TK00000000000011';
const NO_TOKEN = 'TK00000000000099';
const s = kioskSubjects(KIOSK);

let nats: TestNats;
let tokens: TestTokens;
let link: CuttableLink;
let agentConnection: NatsConnection;
let agent: CardAgent | undefined;
let engine: NatsConnection;
const events: ReaderEvent[] = [];
const logLines: string[] = [];

const ask = <S extends v.GenericSchema>(subject: string, body: unknown, schema: S) =>
  requestJson(engine, subject, body, schema, { unreachable: '3125', timeout: 60_000 });

beforeAll(async () => {
  nats = await startTestNats();
  tokens = await startTestTokens();
  await tokens.make(cardRecord(CARD));
  link = await startCuttableLink({ host: '127.0.0.1', port: nats.server.port }, { host: '127.0.0.1', port: 0 });
  engine = await nats.connect('engine');
  engine.subscribe(s.cardEvents, { callback: (_error, msg) => void events.push(msg.json<ReaderEvent>()) });
  await engine.flush();
  agentConnection = await connectNats({ servers: `nats://127.0.0.1:${link.port}`, name: 'card-agent', maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  agent = await startCardAgent({ nc: agentConnection, kioskId: KIOSK, dataDir: tokens.dataDir, reader: 'sim', log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await agent?.stop();
  await agentConnection?.close();
  await engine?.close();
  await link?.close();
  await tokens?.stop();
  await nats?.stop();
});

describe('the card agent on the part runtime', () => {
  it('is the card-agent NATS service, found by $SRV with its endpoints and metadata', async () => {
    const pong = (await engine.request('$SRV.PING.card-agent')).json<{ name: string; version: string; metadata: Record<string, string> }>();
    expect(pong).toMatchObject({ name: 'card-agent', version: '1.0.0', metadata: { kiosk: KIOSK, reader: 'sim' } });
    const info = (await engine.request('$SRV.INFO.card-agent')).json<{ endpoints: Array<{ name: string; subject: string }> }>();
    expect(Object.fromEntries(info.endpoints.map((e) => [e.name, e.subject]))).toEqual({
      status: s.cardStatus,
      selfcheck: s.cardSelfcheck,
      read: s.cardRead,
      'set-pin': s.cardSetPin,
      'sim-insert': s.cardSimInsert,
      'sim-remove': s.cardSimRemove,
    });
  });

  it('announces reader.attached when it starts answering, and again after each reconnect to NATS', async () => {
    await until(() => events.some((e) => e.type === 'reader.attached'), 'the start announcement');
    const before = events.filter((e) => e.type === 'reader.attached').length;
    const statuses = agentConnection.status();
    const seen: string[] = [];
    const reconnected = (async () => {
      for await (const status of statuses) {
        seen.push(status.type);
        if (status.type === 'reconnect') return;
      }
    })();
    link.cut();
    await until(() => seen.includes('disconnect'), 'the agent noticing the cut');
    link.restore();
    await reconnected;
    await until(() => events.filter((e) => e.type === 'reader.attached').length > before, 'an announcement after the reconnect');
    expect(events.at(-1)).toMatchObject({ type: 'reader.attached', reader: SIM_READER_NAME });
    // And it answers again on the same connection.
    expect((await ask(s.cardStatus, {}, v.object({ readers: v.array(v.unknown()) }))).readers).toHaveLength(1);
  });

  it("answers a failure with the contract code alone and logs its raw cause", async () => {
    await ask(s.cardSimInsert, { cardNumber: NO_TOKEN }, OkReplySchema);
    const refused = await ask(s.cardRead, {}, CardDataSchema).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractError);
    expect((refused as ContractError).code).toBe('UNKNOWN_CARD');
    expect(JSON.stringify(refused)).not.toContain('no-token-for-card');
    const failure = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.code === 'UNKNOWN_CARD');
    expect(failure).toMatchObject({ part: 'card-agent', code: 'UNKNOWN_CARD', cause: { name: 'no-token-for-card' } });
    await ask(s.cardSimInsert, { cardNumber: CARD }, OkReplySchema);
    expect((await ask(s.cardRead, {}, CardDataSchema)).cardNumber).toBe(CARD);
  });

  it('at stop, sends its readers\' last events, then is no longer found', async () => {
    await agent!.stop();
    agent = undefined;
    await until(() => events.some((e) => e.type === 'reader.detached'), 'reader.detached at stop');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['card.removed', 'reader.detached']);
    await expect(engine.request('$SRV.PING.card-agent', undefined, { timeout: 500 })).rejects.toThrow();
  });
});
