// How the per-kiosk rate limit uses its store (docs/registry.md, "The per-kiosk rate limit"): a
// verify takes its token and gives it back with one compare-and-set write each, starting from the
// bucket as this instance last wrote it, so an honest kiosk's verifies read the bucket only once
// (before, every take and every refund read it first: two reads per verify on the hashing path,
// docs/benchmarks.md). A bucket another instance changed since is still obeyed: its write is
// refused as stale and the bucket read again, and a refusal is only decided on a bucket just read.
// Watched from outside, on a real nats-server: the bucket's direct gets and writes are subjects a
// test connection can subscribe to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { VerifyReplySchema } from '../../machines/contract/index.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { KIOSK_LIMITS_BUCKET } from '../../services/registry/registry-store.ts';
import { SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE, sampleCardRecord } from '../support/sample-cards.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { refusalOf, registryRequests } from '../support/registry-requests.ts';

const NOW = new Date('2026-03-01T09:00:00Z');
const CARDS = Array.from({ length: 6 }, (_, i) => `KL${String(i).padStart(6, '0')}`);
const BURST = 10;

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
/** Subjects of the bucket's reads (direct gets) and writes, in the order nats-server routed them. */
const reads: string[] = [];
const writes: string[] = [];

let watcher: NatsConnection;
const { ask } = registryRequests(() => nc, { timeout: 20_000 });

function verify(cardNumber: string, kioskId: string, userCode = SAMPLE_USER_CODE) {
  return ask('verify', { cardNumber, certSerial: SAMPLE_CERT_SERIAL, kioskId, route: 'self-applied', userCode }, VerifyReplySchema, kioskId);
}

/** Sets a kiosk's bucket as another registry instance would have left it. */
async function setBucketElsewhere(kioskId: string, tokens: number): Promise<void> {
  const kv = await new Kvm(jetstream(nc)).open(KIOSK_LIMITS_BUCKET);
  await kv.put(kioskId, JSON.stringify({ tokens, at: NOW.getTime() }));
}

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect('kiosk-limit-test');
  registry = await startRegistry({
    nc: await nats.connect('registry'),
    dataDir: nats.dataDir,
    secretKey: Buffer.alloc(32, 5),
    scryptCost: { N: 1024, r: 8, p: 1 },
    // A fixed clock: no token comes back by refilling while the test runs.
    now: () => NOW,
    kioskRateLimit: { burst: BURST, perMinute: 1 },
  });
  await importCards(nc, CARDS.map((cardNumber) => sampleCardRecord(cardNumber)));
  watcher = await nats.connect('bucket-watcher');
  watcher.subscribe(`$JS.API.DIRECT.GET.KV_${KIOSK_LIMITS_BUCKET}.>`, { callback: (_error, msg) => void reads.push(msg.subject) });
  watcher.subscribe(`$KV.${KIOSK_LIMITS_BUCKET}.>`, { callback: (_error, msg) => void writes.push(msg.subject) });
  await watcher.flush();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await nats?.stop();
});

describe("the kiosk rate limit's store", () => {
  it('reads an honest kiosk\'s bucket once, then takes and gives back each token with one write each', async () => {
    const kiosk = 'kiosk-honest';
    for (const card of CARDS.slice(0, 3)) expect((await verify(card, kiosk)).activationId).toBeTruthy();
    // Every write was acked before its verify was answered; the watcher has heard them once its
    // own round trip to the server is done.
    await watcher.flush();
    const own = (subjects: string[]) => subjects.filter((subject) => subject.endsWith(`.${kiosk}`));
    // Three verifies: a take and a refund each; the bucket read only before the first.
    expect(own(writes)).toHaveLength(6);
    expect(own(reads)).toHaveLength(1);
  });

  it('obeys a bucket another instance emptied, and one another instance refilled', async () => {
    const kiosk = 'kiosk-shared';
    expect((await verify(CARDS[3] as string, kiosk)).activationId).toBeTruthy();
    // This instance last wrote a full bucket; elsewhere the kiosk spent it all.
    await setBucketElsewhere(kiosk, 0);
    expect((await refusalOf(verify(CARDS[4] as string, kiosk))).code).toBe('LOCKED');
    // This instance last read an empty bucket; elsewhere tokens came back.
    await setBucketElsewhere(kiosk, BURST);
    expect((await verify(CARDS[4] as string, kiosk)).activationId).toBeTruthy();
  });

  it('refuses a rate-limited kiosk with LOCKED before it looks at the card', async () => {
    const kiosk = 'kiosk-spent';
    await setBucketElsewhere(kiosk, 0);
    // An unknown card: the kiosk's refusal comes first, as when the token was taken before the read.
    expect((await refusalOf(verify('KL999999', kiosk))).code).toBe('LOCKED');
  });
});
