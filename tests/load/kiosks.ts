// Simulated kiosks for the load run: each one the real engine (its XState actor) and the real card
// agent with the simulated reader over SoftHSM2 tokens, many of them in one process, and a driver
// that plays the person at each kiosk by publishing user events and waiting for the views.
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJson, kioskSubjects, ViewSchema, type UserEvent, type View } from '../../machines/contract/index.ts';
import type { SessionTiming } from '../../machines/session/index.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { enrollAgentKey } from '../../platform/registry-admin-client.ts';
import { startEngine, type RunningEngine } from '../../services/kiosk-engine/engine.service.ts';
import { createLogger } from '../../platform/log.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';

/** Timers long enough that no session times out under load; the machine's own floors apply. */
const LOAD_TIMING: Partial<SessionTiming> = {
  idleTimeout: 600_000,
  reinsertGrace: 600_000,
  finishedScreenTimeout: 600_000,
  failureScreenTimeout: 600_000,
  staffWaitTimeout: 600_000,
  selfcheckRetryDelay: 600_000,
};

/** How long one step may take before the driver calls the activation failed (a guard, not a measure). */
const STEP_GUARD_MS = 120_000;

/** A step ended on a view with an error it did not expect. */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly view: View,
  ) {
    super(message);
  }
}

export interface SimulatedKiosk {
  readonly id: string;
  /** Publishes a user event and resolves with the first later view that matches. */
  step(event: UserEvent | 'insert' | 'remove', until: (view: View) => boolean, cardNumber?: string): Promise<View>;
  /** After a failed activation: the card out, staff abort, and back on the idle screen. */
  reset(): Promise<void>;
}

interface Watch {
  readonly match: (view: View) => boolean;
  readonly resolve: (view: View) => void;
  /** A view with an error the step did not expect ends the step: the activation failed with it. */
  readonly fail: (view: View) => void;
}

/** Kiosks started at once in one process (each enrolls its key and opens its card agent and engine). */
const STARTING_AT_ONCE = 8;

/**
 * Starts `count` kiosks, `load-<first>` onwards; their parts share `partsConnections` round-robin,
 * the driver uses `driver`. Several kiosk hosts may run side by side on one nats-server: each
 * driver decodes only the views of its own kiosks.
 */
export async function startKiosks(options: {
  first?: number;
  count: number;
  dataDir: string;
  partsConnections: NatsConnection[];
  driver: NatsConnection;
  /** A staff token for the abort after a failed activation; enrolled here when not given. */
  staffToken?: string;
}): Promise<{ kiosks: SimulatedKiosk[]; stop(): Promise<void> }> {
  const silent = () => undefined;
  const watches = new Map<string, Set<Watch>>();
  const sub = options.driver.subscribe('kiosk.*.view', {
    callback: (_error, msg) => {
      // kiosk.<id>.view: another host's kiosk, or one nobody waits on, is not even decoded.
      const pending = watches.get(msg.subject.slice('kiosk.'.length, -'.view'.length));
      if (pending === undefined || pending.size === 0) return;
      const decoded = decodeJson(ViewSchema, msg.data);
      if (!decoded.ok) return;
      // Over a copy: a watch may put itself back (reset's), and a Set's iteration visits an entry
      // added during it, so iterating the Set itself would visit that watch forever.
      for (const watch of [...(watches.get(decoded.value.kioskId) ?? [])]) {
        if (watch.match(decoded.value)) {
          watches.get(decoded.value.kioskId)?.delete(watch);
          watch.resolve(decoded.value);
        } else if (decoded.value.error !== undefined && decoded.value.screen !== 'insertCard') {
          watches.get(decoded.value.kioskId)?.delete(watch);
          watch.fail(decoded.value);
        }
      }
    },
  });
  await options.driver.flush();

  // The staff abort after a failed activation needs a staff token the engines verify (DATA_DIR's key).
  const staffToken = options.staffToken ?? (await enrolledStaffToken(options.driver, options.dataDir, 'LOAD'));
  const engines: RunningEngine[] = [];
  const agents: CardAgent[] = [];
  const kiosks: SimulatedKiosk[] = [];
  const startOne = async (index: number) => {
    const id = `load-${(options.first ?? 0) + index}`;
    const nc = options.partsConnections[index % options.partsConnections.length]!;
    // Provisioning of each kiosk, as `npm start` does it: its card-agent key enrolled with the registry.
    await enrollAgentKey(nc, id, (await loadOrCreateAgentKey(options.dataDir, id)).publicKey);
    agents.push(await startCardAgent({ nc, kioskId: id, dataDir: options.dataDir, reader: 'sim', log: silent }));
    engines.push(await startEngine({ nc, kioskId: id, timing: LOAD_TIMING, log: createLogger('engine', silent), dataDir: options.dataDir }));
    watches.set(id, new Set());
    const subjects = kioskSubjects(id);
    kiosks[index] = {
      id,
      step(event, until, cardNumber) {
        return new Promise<View>((resolve, reject) => {
          const guard = setTimeout(() => {
            watches.get(id)?.delete(watch);
            reject(new Error(`${id}: no matching view after ${typeof event === 'string' ? event : event.type}`));
          }, STEP_GUARD_MS);
          const what = typeof event === 'string' ? event : event.type;
          const watch: Watch = {
            match: until,
            resolve: (view) => (clearTimeout(guard), resolve(view)),
            fail: (view) => (clearTimeout(guard), reject(new StepFailed(`${id}: ${view.error?.code} on ${view.screen} after ${what}`, view))),
          };
          watches.get(id)!.add(watch);
          if (event === 'insert') void options.driver.request(subjects.cardSimInsert, encodeJson({ cardNumber }), { timeout: STEP_GUARD_MS }).catch(reject);
          else if (event === 'remove') void options.driver.request(subjects.cardSimRemove, encodeJson({}), { timeout: STEP_GUARD_MS }).catch(reject);
          else options.driver.publish(subjects.input, encodeJson(event));
        });
      },
      async reset() {
        const idle = new Promise<void>((resolve) => {
          const guard = setTimeout(resolve, STEP_GUARD_MS);
          const watch: Watch = { match: (view) => view.screen === 'insertCard', resolve: () => (clearTimeout(guard), resolve()), fail: () => watches.get(id)?.add(watch) };
          watches.get(id)!.add(watch);
        });
        await options.driver.request(subjects.cardSimRemove, encodeJson({}), { timeout: STEP_GUARD_MS }).catch(() => undefined);
        options.driver.publish(subjects.staff, encodeJson({ type: 'staff.abort', token: staffToken }));
        await idle;
      },
    };
  };
  for (let index = 0; index < options.count; index += STARTING_AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(STARTING_AT_ONCE, options.count - index) }, (_, i) => startOne(index + i)));
  }
  return {
    kiosks,
    async stop() {
      for (const engine of engines) await engine.stop();
      for (const agent of agents) await agent.stop();
      sub.unsubscribe();
    },
  };
}
