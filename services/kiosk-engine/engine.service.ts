// The kiosk engine: hosts the session statechart as one long-lived actor per kiosk and connects it
// to NATS. It takes the UI's input, the card agent's events and staff actions; publishes the
// contract View on every change; answers `view.get`; streams redacted inspection events; and
// persists the secret-free snapshot to JetStream KV after every transition, so that an engine
// killed mid-session and started again continues the session.
//
// Nothing secret leaves this process: views come from `deriveView` (never reads secrets), the
// snapshot from `toPersisted` (drops secrets and child inputs), inspection events carry only
// event types and state values, and logs name event types, never payloads.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { createActor, type Actor } from 'xstate';
import {
  CardEventSchema,
  ContractError,
  decodeJson,
  JETSTREAM,
  KIOSK_DISCOVER_SUBJECT,
  kioskSubjects,
  registrySubjectFor,
  StaffEventSchema,
  UnreadRequestSchema,
  UserEventSchema,
  type InspectionEvent,
  type View,
} from '../../machines/contract/index.ts';
import {
  deriveView,
  restoreSnapshot,
  sessionActorsFrom,
  sessionMachine,
  toPersisted,
  type CompleteActivationInput,
  type PersistedSession,
  type SessionEvent,
  type SessionTiming,
} from '../../machines/session/index.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { answerRequest, endpoint, EndpointCounters, replyAllowed, type Endpoint, type EndpointRuntime } from '../../platform/endpoint.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { describeMachine } from './machine-description.ts';
import {
  DEFAULT_EFFECT_TIMEOUTS,
  natsSessionEffects,
  sessionClockOptions,
  type EffectTimeouts,
  type EngineClock,
} from './session-effects.ts';
import { statelyInspectorFromEnv } from './stately-inspect.ts';
import { startCompletionOutbox } from './completion-outbox.ts';
import { inspectionOf } from './inspection.ts';
import { StaffError, staffErrorIn } from '../../machines/contract/staff.ts';
import { respondWithStaffError } from '../../platform/staff-errors.ts';
import { loadStaffTokenPublicKey, verifyStaffToken, type StaffIdentity, type StaffTokenKeys } from '../staff-auth/staff-token.ts';

type StaffTokenKey = StaffTokenKeys['publicKey'];

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

/** Counters an operator can read on `kiosk.<kiosk>.engine.stats`. */
export interface EngineStats {
  accepted: number;
  /** Well-formed events the current state does not take (docs/contract.md: ignored and counted). */
  ignored: number;
  /** Messages that failed their schema. */
  rejected: number;
  /** Staff events refused for want of a valid staff token. */
  staffRefused: number;
  viewsPublished: number;
  snapshotsPersisted: number;
  persistFailures: number;
  restoredFromSnapshot: boolean;
  /** Activations an ended session left with the PIN set and the registry not yet told (completion-outbox.ts). */
  completionsPending: number;
  /** Of those, how many the registry has since confirmed. */
  completionsDelivered: number;
}

export interface RunningEngine {
  currentView(): View;
  stats(): EngineStats;
  /** Waits until every snapshot so far is in KV (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** What the engine keeps in KV per kiosk: the view sequence continues across restarts. */
interface StoredSession {
  seq: number;
  savedAt: string;
  session: PersistedSession;
  /** The completion outbox: what ended sessions left for the registry. */
  pendingCompletions?: CompleteActivationInput[];
}

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const { nc, kioskId } = options;
  const log = (options.log ?? createLogger('engine')).child(kioskId);
  const subjects = kioskSubjects(kioskId);
  const kv: KV = await new Kvm(nc).create(JETSTREAM.kioskSnapshotsBucket, { history: 1 });

  const stats: Omit<EngineStats, 'completionsPending' | 'completionsDelivered'> = {
    accepted: 0,
    ignored: 0,
    rejected: 0,
    staffRefused: 0,
    viewsPublished: 0,
    snapshotsPersisted: 0,
    persistFailures: 0,
    restoredFromSnapshot: false,
  };

  const staffToken =
    options.staffTokenKey !== undefined
      ? { publicKey: options.staffTokenKey, source: 'given' }
      : options.dataDir === undefined
        ? undefined
        : await loadStaffTokenPublicKey(options.dataDir);
  const staffTokenKey = staffToken?.publicKey;
  if (staffToken?.source === 'made in DATA_DIR') {
    // Fails closed (no staff token made elsewhere verifies), but say why before staff find out.
    log.warn('no staff token key was configured: made one in DATA_DIR, so only a staff-auth part on this DATA_DIR can sign staff tokens this kiosk accepts (a production kiosk needs STAFF_TOKEN_PUBLIC_KEY: npm run staff -- public-key on a hub node)');
  }
  const sessionClock = options.clock;
  const clock = () => (sessionClock === undefined ? new Date() : new Date(sessionClock.now()));

  const stored = await loadStoredSession(kv, kioskId, log);
  let seq = stored?.seq ?? 0;
  let inspectSeq = 0;

  const clocked = sessionClockOptions(options.clock);
  const effects = natsSessionEffects(nc, kioskId, options.timeouts ?? DEFAULT_EFFECT_TIMEOUTS);
  const machine = sessionMachine.provide({
    actors: sessionActorsFrom({ ...effects, completeActivation: (input, signal) => afterPersisting(() => effects.completeActivation(input, signal)) }),
    actions: clocked.actions,
  });

  const publishInspection = (event: Omit<InspectionEvent, 'seq' | 'at'>) => {
    const message: InspectionEvent = { seq: ++inspectSeq, at: new Date().toISOString(), ...event };
    nc.publish(subjects.inspect, encodeJson(message));
  };

  // Opt-in (STATELY_INSPECT_URL): the same events, redacted, to Stately's websocket inspector too.
  const stately = statelyInspectorFromEnv();

  // A restored snapshot carries its own timing in context; the input only shapes a fresh session.
  const actor: Actor<typeof machine> = createActor(machine, {
    ...clocked.actor,
    input: options.timing === undefined ? {} : { timing: options.timing },
    ...(stored === undefined ? {} : { snapshot: restoreSnapshot(stored.session) }),
    inspect: (event) => {
      inspectionOf(event).forEach(publishInspection);
      stately?.inspect.next?.(event);
    },
  });
  stats.restoredFromSnapshot = stored !== undefined;

  let lastView: View | undefined;
  /** What view.get answers: the newest view already published (and so persisted). */
  let publishedView: View | undefined;
  let lastComparable = '';
  let persistChain: Promise<void> = Promise.resolve();
  /**
   * `complete` leaves only once the snapshot holding the card's proof is in KV: an engine killed
   * after the registry heard it then restarts in `completingActivation` (and resends, idempotent),
   * never at the PIN screen for a card the registry already counts as activated. XState starts an
   * invoked actor before it tells observers of the new snapshot, so one microtask first lets
   * `onSnapshot` queue that snapshot's write.
   */
  const afterPersisting = async <T>(send: () => Promise<T>): Promise<T> => {
    await Promise.resolve();
    await persistChain;
    return send();
  };

  /**
   * Persists the snapshot, then publishes its view (if it changed). In that order, one at a time:
   * a screen is never shown that a crash right after could not come back to.
   */
  const persistThenPublish = (record: StoredSession, view: View | undefined) => {
    persistChain = persistChain.then(async () => {
      try {
        await kv.put(kioskId, encodeJson(record));
        stats.snapshotsPersisted++;
      } catch (error) {
        stats.persistFailures++;
        log.error('could not persist the session snapshot', { error });
      }
      if (view !== undefined) {
        nc.publish(subjects.view, encodeJson(view));
        publishedView = view;
        stats.viewsPublished++;
      }
    });
  };

  const onSnapshot = () => {
    const snapshot = actor.getSnapshot();
    const view = deriveView(snapshot, { kioskId, seq });
    const comparable = JSON.stringify({ ...view, seq: 0 });
    let changed: View | undefined;
    if (comparable !== lastComparable) {
      seq++;
      changed = lastView = { ...view, seq };
      lastComparable = comparable;
      if (changed.screen !== lastLoggedScreen) {
        log.info('screen', { screen: changed.screen, state: changed.state, error: changed.error?.code });
        lastLoggedScreen = changed.screen;
      }
    }
    persistThenPublish(currentRecord(), changed);
  };
  const currentRecord = (): StoredSession => ({
    seq,
    savedAt: new Date().toISOString(),
    session: toPersisted(actor),
    pendingCompletions: outbox.pending(),
  });

  const timing = actor.getSnapshot().context.timing;
  const outbox = startCompletionOutbox({
    initial: stored?.pendingCompletions ?? [],
    complete: (input) => effects.completeActivation(input, new AbortController().signal),
    onChange: () => persistThenPublish(currentRecord(), undefined),
    log,
    baseDelayMs: timing.completeRetryBaseDelay,
    maxDelayMs: timing.completeRetryMaxDelay,
  });
  actor.on('completion.handedOver', (event) => void outbox.add(event.input));
  /** The counters, as `engine.stats` answers them and as `stats()` returns them in-process. */
  const statsNow = (): EngineStats => ({ ...stats, completionsPending: outbox.pending().length, completionsDelivered: outbox.delivered() });
  let lastLoggedScreen: string | undefined;

  const deliver = (event: SessionEvent, source: string) => {
    if (!actor.getSnapshot().can(event)) {
      stats.ignored++;
      log.info('event ignored in this state', { source, type: event.type, state: lastView?.state });
      return;
    }
    stats.accepted++;
    actor.send(event);
  };

  // Events reach the machine in the order they arrived. A staff event waits for its token check
  // (asynchronous); whatever arrives meanwhile waits behind it, so that a staff abort sent before a
  // card insert never lands after it.
  let waiting = 0;
  let backlog: Promise<void> = Promise.resolve();
  const inArrivalOrder = (step: (() => void) | Promise<() => void>) => {
    if (waiting === 0 && typeof step === 'function') return step();
    waiting++;
    backlog = backlog
      .then(() => step)
      .then((run) => run())
      .catch((error: unknown) => log.error('event delivery failed', { error }))
      .finally(() => {
        waiting--;
      });
  };

  const subscriptions: Subscription[] = [];
  const listen = (subject: string, handle: (msg: Msg) => void) => {
    const sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) {
          log.error('subscription failed', { subject, error });
          return;
        }
        try {
          handle(msg);
        } catch (failure) {
          log.error('handler failed', { subject, error: failure });
        }
      },
    });
    subscriptions.push(sub);
  };

  const rejectMessage = (source: string, problems: string[], msg: Msg) => {
    stats.rejected++;
    log.warn('message failed validation', { source, problems });
    if (msg.reply && replyAllowed(msg)) msg.respond(encodeJson({ error: { code: 'BAD_REQUEST', message: problems.join('; '), retryable: false } }));
  };

  listen(subjects.input, (msg) => {
    const decoded = decodeJson(UserEventSchema, msg.data);
    if (!decoded.ok) return rejectMessage('input', decoded.problems, msg);
    const event = decoded.value;
    inArrivalOrder(() => deliver(event, 'input'));
  });
  // A staff event acts only with a valid staff token; the staff id is the token's, and the token
  // itself goes no further than this check (not into the machine, its snapshots or inspection).
  listen(subjects.staff, (msg) => {
    const decoded = decodeJson(StaffEventSchema, msg.data);
    if (!decoded.ok) return rejectMessage('staff', decoded.problems, msg);
    const { type, token } = decoded.value;
    const verified =
      staffTokenKey === undefined
        ? Promise.reject(new StaffError('STAFF_TOKEN_INVALID', 'this engine has no staff token key'))
        : verifyStaffToken(staffTokenKey, token, clock()).then((staff) => staffStillStands(nc, kioskId, token, staff, log));
    inArrivalOrder(
      verified.then(
        (staff) => () => {
          log.info('staff event', { type, staffId: staff.staffId });
          deliver({ type, staffId: staff.staffId } as SessionEvent, 'staff');
        },
        (error: unknown) => () => {
          stats.staffRefused++;
          const refusal = error instanceof StaffError ? error : new StaffError('STAFF_TOKEN_INVALID', 'the staff token does not verify');
          log.warn('staff event refused', { type, code: refusal.code });
          if (msg.reply && replyAllowed(msg)) respondWithStaffError(msg, refusal);
        },
      ),
    );
  });
  listen(subjects.cardEvents, (msg) => {
    const decoded = decodeJson(CardEventSchema, msg.data);
    if (!decoded.ok) return rejectMessage('card.events', decoded.problems, msg);
    const { type, reader, atr, at } = decoded.value;
    inArrivalOrder(() => deliver({ type, reader, at, ...(atr === undefined ? {} : { atr }) } as SessionEvent, 'card'));
  });

  // The engine's requests, answered through the shared endpoint helper (none takes a body).
  const runtime: EndpointRuntime = {
    log,
    counters: new EndpointCounters(),
    logEveryRequest: false,
    badRequest: (_name, problems) => new ContractError('BAD_REQUEST', problems.join('; ')),
    unexpected: () => new ContractError('BAD_REQUEST', 'the engine could not answer'),
  };
  const serve = (subject: string, answered: Endpoint<typeof UnreadRequestSchema>) => listen(subject, (msg) => void answerRequest(runtime, answered, msg));
  const machineDescription = describeMachine(sessionMachine);
  serve(subjects.viewGet, endpoint('view.get', UnreadRequestSchema, () => publishedView));
  serve(KIOSK_DISCOVER_SUBJECT, endpoint('discover', UnreadRequestSchema, () => publishedView));
  serve(subjects.engineStats, endpoint('engine.stats', UnreadRequestSchema, () => statsNow()));
  serve(subjects.inspectMachine, endpoint('inspect.machine', UnreadRequestSchema, () => machineDescription));

  const subscription = actor.subscribe({
    next: onSnapshot,
    error: (error) => log.error('session actor failed', { error }),
  });
  actor.start();
  onSnapshot();
  await persistChain;
  // The subscriptions must reach the server before anyone is told the engine is up.
  await nc.flush();
  log.info('engine started', { restored: stats.restoredFromSnapshot, seq, screen: lastView?.screen, staffTokenKey: staffToken?.source ?? 'none' });

  return {
    currentView: () => {
      if (publishedView === undefined) throw new Error('engine has no view yet');
      return publishedView;
    },
    stats: statsNow,
    flush: () => persistChain,
    async stop() {
      for (const sub of subscriptions) sub.unsubscribe();
      subscription.unsubscribe();
      outbox.stop();
      // Persist what we have, then stop the actor without recording the stopped state: a restart
      // must find the live session, not a dead one.
      await persistChain;
      actor.stop();
      stately?.stop();
      log.info('engine stopped', { seq });
    },
  };
}

async function loadStoredSession(kv: KV, kioskId: string, log: Logger): Promise<StoredSession | undefined> {
  const entry = await kv.get(kioskId);
  if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return undefined;
  try {
    const stored = entry.json<StoredSession>();
    if (typeof stored.seq !== 'number' || typeof stored.session !== 'object' || stored.session === null) {
      throw new Error('unexpected shape');
    }
    return stored;
  } catch (error) {
    // A snapshot we cannot read is not worth a crash loop: start a fresh session, say so.
    log.error('stored session unreadable; starting fresh', { error });
    return undefined;
  }
}

/** Staff token checks at the registry: long enough for a hub round trip, short enough for a person waiting. */
const STAFF_CHECK_TIMEOUT_MS = 3_000;

/**
 * Signature and claims are checked here; whether the staff member is still enrolled and the token
 * not revoked or signed out only the hub knows, so the registry is asked (`ra.activation.staff-check.<kiosk>`).
 * Its refusal refuses. When no registry answers, the signature and claims decide (a token lives 15
 * minutes at most), with a warning: staff must still be able to end a session while the registry
 * is down, and a staff console reaches a production kiosk only through the hub anyway.
 */
async function staffStillStands(nc: NatsConnection, kioskId: string, token: string | undefined, staff: StaffIdentity, log: Logger): Promise<StaffIdentity> {
  let reply: unknown;
  try {
    reply = (await nc.request(registrySubjectFor('staffCheck', kioskId), encodeJson({ token }), { timeout: STAFF_CHECK_TIMEOUT_MS })).json();
  } catch {
    log.warn('staff token checked without the registry: it does not answer', { staffId: staff.staffId });
    return staff;
  }
  const refused = staffErrorIn(reply);
  if (refused) throw refused;
  if ((reply as { staffId?: unknown }).staffId !== staff.staffId) throw new StaffError('STAFF_TOKEN_INVALID', 'the registry did not confirm the staff token');
  return staff;
}
