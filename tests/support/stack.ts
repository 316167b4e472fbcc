// The whole kiosk stack for one test file, every part real: a nats-server, the registry, SoftHSM2
// card tokens provisioned the way `npm run cards` does, the card agent with the simulated reader,
// and the kiosk engine. Every log line of every part is captured, for canary checks.
import { enrolledStaffToken } from './staff-token.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  decodeJson,
  kioskSubjects,
  ViewSchema,
  type InspectionEvent,
  type StaffEvent,
  type UserEvent,
  type View,
} from '../../machines/contract/index.ts';
import type { SessionTiming } from '../../machines/session/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { provisionCards, type DemoCardRecord } from '../../card/demo/provision.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { enrollAgentKey } from '../../platform/registry-admin-client.ts';
import { startEngine, type RunningEngine } from '../../services/kiosk-engine/engine.service.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { createLogger } from '../../platform/log.ts';
import { startTestNats, type TestNats } from './nats.ts';

/** Timers short enough for tests; stillThere stays at the machine's 20 s floor (WCAG 2.2.1). */
export const TEST_TIMING: Partial<SessionTiming> = {
  idleTimeout: 60_000,
  reinsertGrace: 60_000,
  acceptRetryBaseDelay: 50,
  acceptRetryLimit: 3,
  finishedScreenTimeout: 60_000,
  failureScreenTimeout: 60_000,
  staffWaitTimeout: 60_000,
  selfcheckRetryDelay: 60_000,
};

export interface TestStack {
  nats: TestNats;
  dataDir: string;
  kioskId: string;
  nc: NatsConnection;
  logs: string[];
  views: View[];
  inspections: InspectionEvent[];
  registry: RunningRegistry | undefined;
  engine: RunningEngine | undefined;
  startRegistry(): Promise<void>;
  stopRegistry(): Promise<void>;
  startEngine(timing?: Partial<SessionTiming>): Promise<void>;
  stopEngine(): Promise<void>;
  /** Tokens made and registered, as `npm run cards -- import` (a record's `keyType` as in a demo card file); `tokenOnly`: the registry never hears of them. */
  provision(records: DemoCardRecord[], options?: { tokenOnly?: boolean }): Promise<void>;
  insert(cardNumber: string): Promise<void>;
  remove(): Promise<void>;
  send(event: UserEvent): void;
  staff(event: StaffEvent): void;
  /** Resolves with the first view (already seen since `sinceSeq`, or arriving) that matches. */
  waitForView(match: (view: View) => boolean, what: string): Promise<View>;
  latestSeq(): number;
  stop(): Promise<void>;
}

export async function startTestStack(options: { kioskId?: string; timing?: Partial<SessionTiming> } = {}): Promise<TestStack> {
  const kioskId = options.kioskId ?? 'kiosk-t1';
  const nats = await startTestNats();
  const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-test-stack-'));
  const logs: string[] = [];
  const sink = (line: string) => logs.push(line);
  const nc = await nats.connect('test-stack');
  const subjects = kioskSubjects(kioskId);
  const views: View[] = [];
  const inspections: InspectionEvent[] = [];
  const waiters = new Set<() => void>();

  const subscriptions: Subscription[] = [
    nc.subscribe(subjects.view, {
      callback: (_error, msg) => {
        const decoded = decodeJson(ViewSchema, msg.data);
        if (!decoded.ok) throw new Error(`engine published an invalid view: ${decoded.problems.join('; ')}`);
        views.push(decoded.value);
        for (const wake of waiters) wake();
      },
    }),
    nc.subscribe(subjects.inspect, {
      callback: (_error, msg) => {
        inspections.push(msg.json<InspectionEvent>());
      },
    }),
  ];
  await nc.flush();

  const partsNc = await nats.connect('parts');
  let registry: RunningRegistry | undefined;
  let engine: RunningEngine | undefined;
  let agent: CardAgent | undefined;

  // Staff events need a staff token (the engine verifies it); one signed-in member for the whole stack.
  const staffToken = await enrolledStaffToken(nc, dataDir, 'S01');

  const stack: TestStack = {
    nats,
    dataDir,
    kioskId,
    nc,
    logs,
    views,
    inspections,
    get registry() {
      return registry;
    },
    get engine() {
      return engine;
    },
    async startRegistry() {
      // A low scrypt cost keeps the suite quick; the registry's own tests cover the real cost.
      registry = await startRegistry({ nc: partsNc, dataDir, log: sink, scryptCost: { N: 1024, r: 8, p: 1 } });
    },
    async stopRegistry() {
      await registry?.stop();
      registry = undefined;
    },
    async startEngine(timing = options.timing ?? TEST_TIMING) {
      engine = await startEngine({ nc: partsNc, kioskId, timing, log: createLogger('engine', sink), dataDir });
    },
    async stopEngine() {
      await engine?.stop();
      engine = undefined;
    },
    async provision(records, provisionOptions = {}) {
      await provisionCards({ dataDir, records, nc: partsNc, log: sink, tokenOnly: provisionOptions.tokenOnly ?? false });
    },
    async insert(cardNumber) {
      const reply = await nc.request(subjects.cardSimInsert, encodeJson({ cardNumber }), { timeout: 5_000 });
      if (!reply.json<{ ok: boolean }>().ok) throw new Error(`could not insert ${cardNumber}`);
    },
    async remove() {
      await nc.request(subjects.cardSimRemove, encodeJson({}), { timeout: 5_000 });
    },
    send(event) {
      nc.publish(subjects.input, encodeJson(event));
    },
    staff(event) {
      nc.publish(subjects.staff, encodeJson({ token: staffToken, ...event }));
    },
    latestSeq: () => views.at(-1)?.seq ?? 0,
    waitForView(match, what) {
      const start = views.length;
      return new Promise((resolve, reject) => {
        let checked = Math.max(0, start - 1);
        const check = () => {
          for (; checked < views.length; checked++) {
            const view = views[checked]!;
            if (match(view)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(view);
              return;
            }
          }
        };
        // Not a time limit on what is measured: a guard so a wrong expectation fails with a
        // message instead of hanging the suite.
        const timer = setTimeout(() => {
          waiters.delete(check);
          const last = views.at(-1);
          reject(new Error(`no view matching "${what}"; last view: ${JSON.stringify(last)}`));
        }, 45_000);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      await engine?.stop();
      await agent?.stop();
      await registry?.stop();
      for (const sub of subscriptions) sub.unsubscribe();
      await nats.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };

  await stack.startRegistry();
  // Provisioning of the kiosk, as `npm start` does it: its card-agent key enrolled with the registry.
  await enrollAgentKey(partsNc, kioskId, (await loadOrCreateAgentKey(dataDir, kioskId)).publicKey);
  agent = await startCardAgent({ nc: partsNc, kioskId, dataDir, reader: 'sim', log: sink, registryTimeoutMs: 2_000 });
  return stack;
}
