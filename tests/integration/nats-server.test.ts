import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { readFileSync } from 'node:fs';
import { freePort } from '../../platform/nats-server.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

describe('the nats-server launcher', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats({ websocket: true });
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('starts a real server with JetStream and a websocket listener on loopback', async () => {
    const nc = await nats.connect();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.getAccountInfo();
    expect(info.limits).toBeDefined();
    expect(nats.server.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('picks free ports below the kernel\'s ephemeral range, where no outgoing connection can take them first', async () => {
    const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart ?? 0);
    expect(Number(new URL(nats.server.url).port)).toBeLessThan(ephemeralStart ?? 0);
  });

  it('stops the server and leaves no process behind', async () => {
    const extra = await startTestNats();
    const pid = extra.server.pid;
    await extra.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
