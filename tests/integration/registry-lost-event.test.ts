// A change whose event publish fails after its record was written (the events stream's leader
// died, the stream stopped storing the subject): the event is published later, before the card's
// next change, exactly once and in order. The failure is made real: RA_EVENTS stops listening on
// one event type's subjects for the failing request and listens again afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import * as v from 'valibot';
import { VerifyReplySchema } from '../../machines/contract/index.ts';
import { EVENT_TYPES, RegistryEventSchema, type RegistryEventType } from '../../machines/contract/registry.ts';
import { importCards } from '../../services/registry/admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE, sampleCardRecord } from '../support/sample-cards.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { refusalOf, registryRequests } from '../support/registry-requests.ts';


let nats: TestNats;
let nc: NatsConnection;
const registries: RunningRegistry[] = [];
let clockMs = Date.parse('2026-06-01T09:00:00Z');

const { ask } = registryRequests(() => nc);

function verify(cardNumber: string, userCode = SAMPLE_USER_CODE) {
  return ask('verify', { cardNumber, certSerial: SAMPLE_CERT_SERIAL, kioskId: 'kiosk-1', route: 'self-applied', userCode }, VerifyReplySchema);
}

/** The card's events in stream order: their ids and types. */
async function eventsOf(cardNumber: string) {
  const messages = await readAll(jetstream(nc), 'RA_EVENTS', `ra.events.${cardNumber}.>`);
  return messages.map((msg) => {
    const event = v.parse(RegistryEventSchema, msg.json());
    expect(msg.headers?.get('Nats-Msg-Id')).toBe(event.id);
    return `${event.id} ${event.type}`;
  });
}

/** Runs `failing` while RA_EVENTS stores no event of `lost` type: its publishes find no stream. */
async function withoutEventsOf(lost: RegistryEventType, failing: () => Promise<void>): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info('RA_EVENTS');
  const others = EVENT_TYPES.filter((type) => type !== lost).map((type) => `ra.events.*.${type}`);
  await jsm.streams.update('RA_EVENTS', { ...info.config, subjects: others });
  try {
    await failing();
  } finally {
    await jsm.streams.update('RA_EVENTS', { ...info.config, subjects: ['ra.events.>'] });
  }
}

function startInstance(): Promise<RunningRegistry> {
  return nats.connect('registry').then((connection) =>
    startRegistry({
      nc: connection,
      dataDir: nats.dataDir,
      secretKey: Buffer.alloc(32, 7),
      scryptCost: { N: 1024, r: 8, p: 1 },
      now: () => new Date(clockMs),
      kioskRateLimit: { burst: 100, perMinute: 100 },
    }),
  );
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('registry-test');
  registries.push(await startInstance());
  await importCards(nc, [sampleCardRecord('LE000001'), sampleCardRecord('LE000002'), sampleCardRecord('LE000003')]);
});

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  await nats?.stop();
});

describe('an event lost after its record was written', () => {
  it('a retried verify publishes the first verify\'s event before its own', async () => {
    await withoutEventsOf('verified', async () => {
      await refusalOf(verify('LE000001'));
    });
    expect(await eventsOf('LE000001')).toEqual(['LE000001-1 imported']);

    await verify('LE000001');
    expect(await eventsOf('LE000001')).toEqual(['LE000001-1 imported', 'LE000001-2 verified', 'LE000001-3 verified']);
  });

  it('any next change, by another instance, publishes it first; nothing is doubled', async () => {
    await withoutEventsOf('attempt-failed', async () => {
      await refusalOf(verify('LE000002', 'Wrong0000'));
    });
    expect(await eventsOf('LE000002')).toEqual(['LE000002-1 imported']);

    // Only the new instance answers: it has never seen this card's events.
    const second = await startInstance();
    registries.push(second);
    await (registries.shift() as RunningRegistry).stop();
    await verify('LE000002');
    await verify('LE000002');
    expect(await eventsOf('LE000002')).toEqual([
      'LE000002-1 imported',
      'LE000002-2 attempt-failed',
      'LE000002-3 verified',
      'LE000002-4 verified',
    ]);
  });

  it('past the duplicate window the event is looked up on its subject and published once', async () => {
    await withoutEventsOf('verified', async () => {
      await refusalOf(verify('LE000003'));
    });
    clockMs += 20 * 60_000;
    await verify('LE000003');
    await verify('LE000003');
    expect(await eventsOf('LE000003')).toEqual([
      'LE000003-1 imported',
      'LE000003-2 verified',
      'LE000003-3 verified',
      'LE000003-4 verified',
    ]);
  });
});
