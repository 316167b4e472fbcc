// platform/nats-runtime.ts against a real nats-server: endpoints answer through the contract's
// forms, a NATS service is discoverable, subscription errors are logged rather than dropped, and
// `stop` answers every request it took before it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError, UnreadRequestSchema } from '../../machines/contract/index.ts';
import { StaffError } from '../../machines/contract/staff.ts';
import { endpoint } from '../../platform/endpoint.ts';
import { createLogger } from '../../platform/log.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { PartRuntime } from '../../platform/nats-runtime.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

const answering = {
  logEveryRequest: false,
  badRequest: (_name: string, problems: string[]) => new ContractError('BAD_REQUEST', problems.join('; ')),
  unexpected: () => new ContractError('3125', 'could not answer'),
};

function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger('runtime-test', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)) };
}

describe('the NATS runtime of a part', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let client: NatsConnection;
  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect('part');
    client = await nats.connect('client');
  });
  afterAll(() => nats.stop());

  it('answers requests through the contract: a reply, a schema refusal, an unexpected failure', async () => {
    const { log } = recordingLog();
    const part = await PartRuntime.open({ nc, log, answering });
    part.serve('t.echo', endpoint('echo', v.object({ word: v.string() }), ({ word }) => ({ word: word.toUpperCase() })));
    part.serve('t.boom', endpoint('boom', UnreadRequestSchema, () => { throw new Error('internal detail'); }));
    await part.ready();
    expect((await client.request('t.echo', encodeJson({ word: 'hi' }))).json()).toEqual({ word: 'HI' });
    expect((await client.request('t.echo', encodeJson({ word: 3 }))).json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const boom = (await client.request('t.boom')).json<{ error: { code: string; message: string } }>();
    expect(boom.error.code).toBe('3125');
    expect(boom.error.message).not.toContain('internal detail');
    expect(part.counters.snapshot()).toEqual({ echo: { ok: 1, BAD_REQUEST: 1 }, boom: { '3125': 1 } });
    await part.stop();
  });

  it('registers as a NATS service that $SRV.PING finds, and stops being found after stop', async () => {
    const { log } = recordingLog();
    const part = await PartRuntime.open({ nc, log, answering, service: { name: 'runtime-test', version: '1.0.0', description: 'test' } });
    part.serve('t.svc', endpoint('svc', UnreadRequestSchema, () => ({ ok: true })));
    await part.ready();
    const pong = (await client.request('$SRV.PING.runtime-test')).json<{ name: string; id: string }>();
    expect(pong).toMatchObject({ name: 'runtime-test', id: part.serviceId });
    expect((await client.request('t.svc')).json()).toEqual({ ok: true });
    await part.stop();
    await expect(client.request('$SRV.PING.runtime-test', undefined, { timeout: 300 })).rejects.toThrow();
  });

  it('refuses with the contract error form, and only to an inbox', async () => {
    const { log } = recordingLog();
    const part = await PartRuntime.open({ nc, log, answering });
    part.listen('t.event', (msg) => part.refuse(msg, new StaffError('STAFF_TOKEN_INVALID', 'no')));
    await part.ready();
    const reply = await client.request('t.event', encodeJson({}));
    expect(reply.headers?.get('Nats-Service-Error')).toBe('STAFF_TOKEN_INVALID');
    // A reply subject outside _INBOX. is never answered: a part must not publish where it was told to.
    const outside = client.subscribe('kiosk.k1.input', { max: 1 });
    client.publish('t.event', encodeJson({}), { reply: 'kiosk.k1.input' });
    await client.flush();
    await part.stop();
    await nc.flush();
    outside.unsubscribe();
    expect(outside.getProcessed()).toBe(0);
  });

  it('logs a handler that throws, and keeps taking messages', async () => {
    const { log, lines } = recordingLog();
    const limited = await nats.connect('limited');
    const part = await PartRuntime.open({ nc: limited, log, answering });
    let seen = 0;
    part.listen('t.flaky', () => {
      seen++;
      if (seen === 1) throw new Error('first one fails');
    });
    await part.ready();
    client.publish('t.flaky');
    client.publish('t.flaky');
    await client.flush();
    await limited.flush();
    expect(seen).toBe(2);
    expect(lines.filter((line) => line.msg === 'handler failed')).toHaveLength(1);
    await part.stop();
  });

  it('answers every request it took before stop returns', async () => {
    const { log } = recordingLog();
    const part = await PartRuntime.open({ nc, log, answering });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const taken = new Promise<void>((resolve) => (started = resolve));
    part.serve('t.slow', endpoint('slow', UnreadRequestSchema, async () => {
      started();
      await held;
      return { done: true };
    }));
    await part.ready();
    const answer = client.request('t.slow', undefined, { timeout: 5_000 });
    await taken;
    expect(part.inFlight).toBe(1);
    let stopped = false;
    const stopping = part.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await answer).json()).toEqual({ done: true });
    expect(part.inFlight).toBe(0);
  });
});
