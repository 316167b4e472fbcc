// The kiosk engine: hosts the session statechart as one long-lived actor per kiosk and connects it
// to NATS. It takes the UI's input, the card agent's events and staff actions; publishes the
// contract View on every change; answers `view.get`; streams redacted inspection events; and
// persists the secret-free snapshot to JetStream KV after every transition, so that an engine
// killed mid-session and started again continues the session. This file is the wiring of its
// pieces (docs/architecture.md, "The kiosk engine"):
//   input-gate.ts      decode, staff token (staff-check.ts), arrival order (arrival-order.ts)
//   session-host.ts    the actor, its views, persist then publish (persist-then-publish.ts)
//   snapshot-store.ts  the kiosk's KV entry
//   completion-outbox.ts  what ended sessions left for the registry
//   engine-stats.ts    the counters of all of them
//
// Nothing secret leaves this process: views come from `deriveView` (never reads secrets), the
// snapshot from `toPersisted` (drops secrets and child inputs), inspection events carry only
// event types and state values, and logs name event types, never payloads.
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError, KIOSK_DISCOVER_SUBJECT, kioskSubjects, UnreadRequestSchema, type View } from '../../machines/contract/index.ts';
import { sessionMachine, type SessionTiming } from '../../machines/session/index.ts';
import { endpoint } from '../../platform/endpoint.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { PartRuntime } from '../../platform/nats-runtime.ts';
import { startCompletionOutbox, type CompletionOutbox } from './completion-outbox.ts';
import { engineStats, type EngineStats } from './engine-stats.ts';
import { InputGate } from './input-gate.ts';
import { sessionInspector } from './inspection.ts';
import { describeMachine } from './machine-description.ts';
import { DEFAULT_EFFECT_TIMEOUTS, natsSessionEffects, type EffectTimeouts, type EngineClock } from './session-effects.ts';
import { SessionHost } from './session-host.ts';
import { openSnapshotStore } from './snapshot-store.ts';
import { openStaffCheck, type StaffTokenKey } from './staff-check.ts';
import { statelyInspectorFromEnv } from './stately-inspect.ts';

export interface EngineOptions {
  nc: NatsConnection;
  kioskId: string;
  log?: Logger;
  /** Overrides of the machine's timers (tests use short ones). */
  timing?: Partial<SessionTiming>;
  timeouts?: EffectTimeouts;
  /** The session's clock (timers and now; staff tokens are checked against it too); the system clock when left out. */
  clock?: EngineClock;
  /**
   * The public key staff tokens verify with. Without one (and without `dataDir` to load it from)
   * the engine refuses every staff event: secure by default.
   */
  staffTokenKey?: StaffTokenKey;
  /** Where loadStaffTokenPublicKey finds the key when `staffTokenKey` is not given. */
  dataDir?: string;
}

export type { EngineStats };

export interface RunningEngine {
  currentView(): View;
  stats(): EngineStats;
  /** Waits until every snapshot so far is in KV (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const { nc, kioskId } = options;
  const log = (options.log ?? createLogger('engine')).child(kioskId);
  const subjects = kioskSubjects(kioskId);
  const part = await PartRuntime.open({
    nc,
    log,
    answering: {
      logEveryRequest: false,
      badRequest: (_name, problems) => new ContractError('BAD_REQUEST', problems.join('; ')),
      unexpected: () => new ContractError('BAD_REQUEST', 'the engine could not answer'),
    },
  });
  const store = await openSnapshotStore(nc, kioskId, log);
  const clock = options.clock;
  const staff = await openStaffCheck({
    nc,
    kioskId,
    log,
    ...(options.staffTokenKey === undefined ? {} : { key: options.staffTokenKey }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    now: () => (clock === undefined ? new Date() : new Date(clock.now())),
  });
  const stored = await store.load();
  const effects = natsSessionEffects(nc, kioskId, options.timeouts ?? DEFAULT_EFFECT_TIMEOUTS);
  // Opt-in (STATELY_INSPECT_URL): the same events, redacted, to Stately's websocket inspector too.
  const stately = statelyInspectorFromEnv();

  let outbox: CompletionOutbox | undefined;
  const host = new SessionHost({
    kioskId,
    stored,
    effects,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(clock === undefined ? {} : { clock }),
    save: (record) => store.save(record),
    publish: (view) => nc.publish(subjects.view, encodeJson(view)),
    inspect: sessionInspector((event) => nc.publish(subjects.inspect, encodeJson(event)), stately),
    pendingCompletions: () => outbox?.pending() ?? stored?.pendingCompletions ?? [],
    log,
  });
  outbox = startCompletionOutbox({
    initial: stored?.pendingCompletions ?? [],
    complete: (input) => effects.completeActivation(input, new AbortController().signal),
    // Awaited before a handed-over activation is first sent: the list is in KV before the registry hears it.
    onChange: () => host.persist(),
    log,
    baseDelayMs: host.timing.completeRetryBaseDelay,
    maxDelayMs: host.timing.completeRetryMaxDelay,
  });
  host.onHandedOver((input) => void outbox.add(input));

  // The actor starts and the subscriptions are made in one go: no message is taken before it runs.
  const started = host.start();
  const gate = new InputGate({ part, subjects, checkStaff: staff.check, deliver: (event, source) => host.deliver(event, source) });
  /** The counters, as `engine.stats` answers them and as `stats()` returns them in-process. */
  const stats = () => engineStats(host.counts(), gate.counts(), outbox);
  const machineDescription = describeMachine(sessionMachine);
  part.serve(subjects.viewGet, endpoint('view.get', UnreadRequestSchema, () => host.view));
  part.serve(KIOSK_DISCOVER_SUBJECT, endpoint('discover', UnreadRequestSchema, () => host.view));
  part.serve(subjects.engineStats, endpoint('engine.stats', UnreadRequestSchema, () => stats()));
  part.serve(subjects.inspectMachine, endpoint('inspect.machine', UnreadRequestSchema, () => machineDescription));
  await started;
  // The subscriptions must reach the server before anyone is told the engine is up.
  await part.ready();
  log.info('engine started', { restored: stored !== undefined, seq: host.seq, screen: host.view?.screen, staffTokenKey: staff.keySource });

  return {
    currentView: () => {
      if (host.view === undefined) throw new Error('engine has no view yet');
      return host.view;
    },
    stats,
    flush: () => host.idle(),
    async stop() {
      await part.stop();
      outbox.stop();
      // host.stop waits for every write before the actor stops: no save is left to wait for.
      await host.stop();
      store.close();
      stately?.stop();
      log.info('engine stopped', { seq: host.seq });
    },
  };
}
