// Persisting a session across an engine restart, without its secrets.
//
// XState's persisted snapshot holds the whole context and, for every running promise actor, the
// input it was started with: while `verifying`, that input is the user code. `toPersisted` drops
// both. It also cannot hold timers (XState does not persist delayed events) nor restart a request
// whose input is gone, so `restoreSnapshot` never lands in the state that was saved. It lands in
// one of three safe places:
//   - `awaitingCard` after a fresh self-check of the reader (`checkingReader`): the reader may
//     have gone while the engine was down;
//   - mid-activation with the PIN already set (`context.resumeAt` is `completingActivation`):
//     `session.completingActivation` itself, which sends `complete` again with the card's proof
//     kept in context (the card is not needed, and the PIN is never asked for again);
//   - mid-session with a card read: `session.checkingReinsertedCard`, which reads the card again
//     and, if it is the same card, enters `context.resumeAt` afresh (timers armed, and for a busy
//     state its meta.resumeAt: verifying → the identity input, accepting → the card data or contact
//     screen, settingPin → enterPin), or reports CARD_SWAPPED / cardRemoved;
//   - otherwise a fresh start at `checkingReader`, with the context wiped.
// The request that lands there is re-created as a running child actor (same id and src as the
// state's own invoke), which XState starts when the restored actor starts.
import type { Actor, Snapshot } from 'xstate';
import type { CompleteActivationInput, ReadCardInput, SelfcheckInput } from './actors.ts';
import { DEFAULT_TIMING, initialSessionContext, type SessionContext, type SessionMachine } from './session.machine.ts';
import { completeInputOf } from './setup.ts';
import type { SessionSnapshot } from './view.ts';

type JsonObject = { [key: string]: unknown };

/** A persisted session: JSON-safe, no `context.secrets`, no child actor inputs. */
export interface PersistedSession extends JsonObject {
  readonly status: string;
  readonly value: unknown;
  readonly context: Omit<SessionContext, 'secrets'>;
  readonly children: Record<string, { src: unknown; snapshot: JsonObject } & JsonObject>;
}

function isActor(source: Actor<SessionMachine> | SessionSnapshot): source is Actor<SessionMachine> {
  return typeof (source as Actor<SessionMachine>).send === 'function';
}

export function toPersisted(source: Actor<SessionMachine> | SessionSnapshot): PersistedSession {
  const raw = (
    isActor(source) ? source.getPersistedSnapshot() : source.machine.getPersistedSnapshot(source)
  ) as unknown as JsonObject & { context: JsonObject; children?: Record<string, JsonObject> };
  const { secrets: _secrets, ...context } = raw.context;
  const children: Record<string, JsonObject> = {};
  for (const [id, child] of Object.entries(raw.children ?? {})) {
    const { input: _input, ...snapshot } = (child.snapshot ?? {}) as JsonObject;
    children[id] = { ...child, snapshot };
  }
  // Stripped before serialising, so the secrets never exist in JSON form at all.
  return JSON.parse(JSON.stringify({ ...raw, context, children })) as PersistedSession;
}

function runningRequest(src: string, input: SelfcheckInput | ReadCardInput | CompleteActivationInput) {
  return { src, snapshot: { status: 'active', output: undefined, error: undefined, input } };
}

function machineSnapshot(value: unknown, context: SessionContext, children: Record<string, unknown>) {
  const snapshot = { status: 'active' as const, output: undefined, error: undefined, value, historyValue: {}, context, children };
  return snapshot as Snapshot<unknown>;
}

function isInSession(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'session' in value;
}

/** What to pass to `createActor(machine, { snapshot })` to continue a persisted session safely. */
export function restoreSnapshot(persisted: PersistedSession): Snapshot<unknown> {
  const saved = persisted.context as Partial<SessionContext>;
  const timing = { ...DEFAULT_TIMING, ...saved.timing };
  const lang = saved.defaultLang ?? saved.lang ?? 'zh-TW';
  const fresh = initialSessionContext(timing, lang);
  const context: SessionContext = { ...fresh, ...saved, timing, secrets: {}, deadline: null };

  const inSession = persisted.status === 'active' && isInSession(persisted.value);
  if (inSession && context.resumeAt === 'completingActivation' && context.possessionProof !== null) {
    return machineSnapshot({ session: 'completingActivation' }, context, {
      completeActivation: runningRequest('completeActivation', completeInputOf(context)),
    });
  }
  if (inSession && context.card !== null && context.resumeAt !== null) {
    return machineSnapshot({ session: 'checkingReinsertedCard' }, context, {
      rereadCard: runningRequest('readCard', { reason: 'reinserted' }),
    });
  }
  return machineSnapshot('checkingReader', fresh, {
    selfcheck: runningRequest('selfcheck', { expectCard: false }),
  });
}
