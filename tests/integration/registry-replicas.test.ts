// How many JetStream replicas the registry asks for when it creates its stream and buckets: one on
// the embedded server, three on the production hub (REGISTRY_REPLICAS). The three-node case runs
// in the hub cluster test of deploy/production; here, the single server and the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { JETSTREAM } from '../../machines/contract/index.ts';
import { startRegistry } from '../../services/registry/registry.service.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

describe('registry stream and bucket replicas', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('refuses a replica count that is not 1 to 5, before touching JetStream', async () => {
    const nc = await nats.connect();
    for (const replicas of [0, 6, 1.5]) {
      await expect(startRegistry({ nc, dataDir: nats.dataDir, replicas })).rejects.toThrow(/replicas must be/);
    }
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info(JETSTREAM.registryEventsStream)).rejects.toThrow();
  });

  it('creates the events stream and the buckets with one replica by default', async () => {
    const nc = await nats.connect();
    const registry = await startRegistry({ nc, dataDir: nats.dataDir, scryptCost: { N: 1024, r: 8, p: 1 } });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of [JETSTREAM.registryEventsStream, `KV_${JETSTREAM.registryCardsBucket}`, `KV_${JETSTREAM.registryActivationsBucket}`]) {
        expect((await jsm.streams.info(stream)).config.num_replicas).toBe(1);
      }
    } finally {
      await registry.stop();
    }
  });

  it('a single server refuses three replicas, and the registry does not start half-made', async () => {
    const other = await startTestNats();
    try {
      const nc = await other.connect();
      await expect(startRegistry({ nc, dataDir: other.dataDir, replicas: 3 })).rejects.toThrow();
    } finally {
      await other.stop();
    }
  });
});
