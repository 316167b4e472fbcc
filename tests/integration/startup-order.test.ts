// In service as soon as the parts are, whatever order they start in: a real nats-server, the real
// card agent (simulated reader over SoftHSM2) and the real kiosk engine, each on its own NATS
// connection, started and restarted in every order. The self-test's retry timer is set far beyond
// the test's reach, so the kiosk can only come back into service because nothing was lost; the
// proof is the sequence of screens the engine published (no durations asserted).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJson, kioskSubjects, ViewSchema, type View } from '../../machines/contract/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { startEngine, type RunningEngine } from '../../services/kiosk-engine/engine.service.ts';
import { createLogger } from '../../platform/log.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { TEST_TIMING } from '../support/stack.ts';
import { until } from '../support/until.ts';

/** An hour: no test here lives that long, so only an event can end `outOfService`. */
const TIMING = { ...TEST_TIMING, selfcheckRetryDelay: 3_600_000 };

let nats: TestNats;
let dataDir: string;
let observer: NatsConnection;
const logs: string[] = [];
const sink = (line: string) => logs.push(line);

/** One kiosk: its published screens (consecutive repeats folded), and its two parts. */
function kiosk(kioskId: string) {
  const screens: View['screen'][] = [];
  let engine: { nc: NatsConnection; running: RunningEngine } | undefined;
  let agent: { nc: NatsConnection; running: CardAgent } | undefined;
  const sub = observer.subscribe(kioskSubjects(kioskId).view, {
    callback: (_error, msg) => {
      const decoded = decodeJson(ViewSchema, msg.data);
      if (!decoded.ok) throw new Error(`invalid view: ${decoded.problems.join('; ')}`);
      if (screens.at(-1) !== decoded.value.screen) screens.push(decoded.value.screen);
    },
  });
  return {
    screens,
    ready: () => observer.flush(),
    async startEngine() {
      const nc = await nats.connect(`engine-${kioskId}`);
      engine = { nc, running: await startEngine({ nc, kioskId, timing: TIMING, log: createLogger('engine', sink) }) };
    },
    async stopEngine() {
      await engine?.running.stop();
      await engine?.nc.close();
      engine = undefined;
    },
    async startAgent() {
      const nc = await nats.connect(`agent-${kioskId}`);
      agent = { nc, running: await startCardAgent({ nc, kioskId, dataDir, reader: 'sim', log: sink }) };
    },
    async stopAgent() {
      await agent?.running.stop();
      await agent?.nc.close();
      agent = undefined;
    },
    /** The agent's process dies: its connection drops, and it says nothing (no reader.detached). */
    async killAgent() {
      await agent?.nc.close();
      // What is left of it in this process is cleaned up; nothing it says reaches NATS any more.
      await agent?.running.stop().catch(() => undefined);
      agent = undefined;
    },
    async inService(what: string) {
      await until(() => screens.at(-1) === 'insertCard', `${kioskId} shows insertCard ${what}; screens so far: ${screens.join(' → ')}`);
    },
    /** The usual beginning of the restart cases: agent, then engine, and the kiosk in service. */
    async startInService() {
      await this.startAgent();
      await this.startEngine();
      await this.inService('at first');
    },
    /** The agent stops (saying so): the kiosk must leave service. */
    async agentGoesAway() {
      await this.stopAgent();
      await until(() => screens.at(-1) === 'outOfService', `${kioskId} out of service once the reader is gone`);
    },
    async stop() {
      await this.stopEngine();
      await this.stopAgent();
      sub.unsubscribe();
    },
  };
}

/** Runs one case on a fresh kiosk whose views are already watched, and always stops its parts. */
async function withKiosk(kioskId: string, run: (k: Kiosk) => Promise<void>) {
  const k = kiosk(kioskId);
  await k.ready();
  try {
    await run(k);
  } finally {
    await k.stop();
  }
}
type Kiosk = ReturnType<typeof kiosk>;

beforeAll(async () => {
  nats = await startTestNats();
  dataDir = await mkdtemp(join(tmpdir(), 'kiosk-startup-order-'));
  observer = await nats.connect('observer');
});

afterAll(async () => {
  await nats?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('the kiosk is in service as soon as its card agent and reader are', () => {
  it('engine first, then the agent: out of service, then insertCard without waiting for the retry timer', async () => {
    await withKiosk('kiosk-order-a', async (k) => {
      await k.startEngine();
      await until(() => k.screens.at(-1) === 'outOfService' && k.screens.length === 1, 'the engine alone is out of service');
      await k.startAgent();
      await k.inService('after its agent started');
      expect(k.screens).toEqual(['outOfService', 'insertCard']);
    });
  });

  it('agent first, then the engine: straight to insertCard', async () => {
    await withKiosk('kiosk-order-b', async (k) => {
      await k.startAgent();
      await k.startEngine();
      await k.inService('with its agent already up');
      expect(k.screens).toEqual(['outOfService', 'insertCard']);
    });
  });

  it('agent and engine started together, many times: every start ends in service', async () => {
    for (let round = 0; round < 5; round++) {
      await withKiosk(`kiosk-order-c${round}`, async (k) => {
        await Promise.all([k.startEngine(), k.startAgent()]);
        await k.inService(`(round ${round})`);
        expect(k.screens).toEqual(['outOfService', 'insertCard']);
      });
    }
  });

  it('agent restarted: out of service while it is away, back in service as soon as it is up', async () => {
    await withKiosk('kiosk-order-d', async (k) => {
      await k.startInService();
      await k.agentGoesAway();
      await k.startAgent();
      await k.inService('after the agent came back');
      expect(k.screens).toEqual(['outOfService', 'insertCard', 'outOfService', 'insertCard']);
    });
  });

  it('engine restarted while the agent is away: out of service, then in service when the agent is back', async () => {
    await withKiosk('kiosk-order-e', async (k) => {
      await k.startInService();
      await k.agentGoesAway();
      await k.stopEngine();
      // The engine comes back (from its stored out-of-service session) to a kiosk without an agent.
      await k.startEngine();
      await k.startAgent();
      await k.inService('after the agent came back');
      expect(k.screens).toEqual(['outOfService', 'insertCard', 'outOfService', 'insertCard']);
    });
  });

  it('agent killed (no word from it) and started again while the kiosk is in service: it stays in service', async () => {
    await withKiosk('kiosk-order-f', async (k) => {
      await k.startInService();
      await k.killAgent();
      await k.startAgent();
      // The announcement reached the engine (which ignores it in service): nothing was re-checked.
      await until(() => logs.some((line) => line.includes('event ignored') && line.includes('kiosk-order-f')), 'the announcement reached the engine');
      expect(k.screens).toEqual(['outOfService', 'insertCard']);
    });
  });
});
