// The session host: the one long-lived session actor of a kiosk. It starts the statechart (afresh,
// or from the stored snapshot), numbers its views (`seq` continues across restarts and rises only
// when the view changed), hands every change to persist-then-publish, delivers the events the
// input gate lets through (counting those the current state does not take: docs/contract.md,
// ignored and counted), and holds the registry's `complete` back until the snapshot holding the
// card's proof is stored: an engine killed after the registry heard it then restarts in
// `completingActivation` (and resends, idempotent), never at the PIN screen for a card the
// registry already counts as activated.
import { isDeepStrictEqual } from 'node:util';
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { View } from '../../machines/contract/index.ts';
import {
  deriveView,
  restoreSnapshot,
  sessionActorsFrom,
  sessionMachine,
  toPersisted,
  type CompleteActivationInput,
  type SessionEffects,
  type SessionEvent,
  type SessionTiming,
} from '../../machines/session/index.ts';
import type { Logger } from '../../platform/log.ts';
import { PersistThenPublish, type WriteCounts } from './persist-then-publish.ts';
import { sessionClockOptions, type EngineClock } from './session-effects.ts';
import type { StoredSession } from './snapshot-store.ts';

export interface SessionHostOptions {
  kioskId: string;
  /** What the last engine left in the store; a fresh session when undefined. */
  stored: StoredSession | undefined;
  /** The machine's named effects (the card agent and the registry). */
  effects: SessionEffects;
  /** Overrides of the machine's timers for a fresh session (a restored one keeps its own). */
  timing?: Partial<SessionTiming>;
  clock?: EngineClock;
  save: (record: StoredSession) => Promise<void>;
  publish: (view: View) => void;
  /** XState's inspection events, as they happen. */
  inspect?: (event: InspectionEvent) => void;
  /** The completion outbox's list, stored with every snapshot. */
  pendingCompletions: () => CompleteActivationInput[];
  log: Logger;
}

export interface SessionCounts extends WriteCounts {
  accepted: number;
  ignored: number;
  restoredFromSnapshot: boolean;
}

/** Whether a stored record holds the card's proof that `input` sends. */
export function holdsProofFor(record: StoredSession, input: CompleteActivationInput): boolean {
  const { context } = record.session;
  return context.possessionProof !== null && context.activation?.activationId === input.activationId && isDeepStrictEqual(context.possessionProof, input.proof);
}

export class SessionHost {
  readonly #options: SessionHostOptions;
  readonly #writes: PersistThenPublish;
  readonly #actor: Actor<typeof sessionMachine>;
  #seq: number;
  #accepted = 0;
  #ignored = 0;
  #lastComparable = '';
  #lastView: View | undefined;
  #observing: { unsubscribe(): void } | undefined;

  constructor(options: SessionHostOptions) {
    this.#options = options;
    this.#seq = options.stored?.seq ?? 0;
    this.#writes = new PersistThenPublish({ save: options.save, publish: options.publish, log: options.log });
    const { effects } = options;
    const clocked = sessionClockOptions(options.clock);
    const machine = sessionMachine.provide({
      actors: sessionActorsFrom({
        ...effects,
        completeActivation: async (input, signal) => {
          await this.#writes.writtenWhere((record) => holdsProofFor(record, input));
          return effects.completeActivation(input, signal);
        },
      }),
      actions: clocked.actions,
    });
    this.#actor = createActor(machine, {
      ...clocked.actor,
      input: options.timing === undefined ? {} : { timing: options.timing },
      ...(options.stored === undefined ? {} : { snapshot: restoreSnapshot(options.stored.session) }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
  }

  /** Starts the session; resolves once its first record is written and its view published. */
  start(): Promise<void> {
    this.#observing = this.#actor.subscribe({
      next: () => this.#onSnapshot(),
      error: (error) => this.#options.log.error('session actor failed', { error }),
    });
    this.#actor.start();
    this.#onSnapshot();
    return this.#writes.idle();
  }

  /** Gives `event` to the session if its current state takes it; else counts it as ignored. */
  deliver(event: SessionEvent, source: string): void {
    if (!this.#actor.getSnapshot().can(event)) {
      this.#ignored++;
      this.#options.log.info('event ignored in this state', { source, type: event.type, state: this.#lastView?.state });
      return;
    }
    this.#accepted++;
    this.#actor.send(event);
  }

  /** Writes the current record again (the outbox changed); resolves once it is written. */
  persist(): Promise<void> {
    return this.#writes.write(this.#record());
  }

  /** Calls `take` with each activation an ending session hands over (completion-outbox.ts). */
  onHandedOver(take: (input: CompleteActivationInput) => void): void {
    this.#actor.on('completion.handedOver', (event) => take(event.input));
  }

  /** The newest view published (and so persisted). */
  get view(): View | undefined {
    return this.#writes.published;
  }

  get seq(): number {
    return this.#seq;
  }

  /** The session's timers (a restored session's own). */
  get timing(): SessionTiming {
    return this.#actor.getSnapshot().context.timing;
  }

  counts(): SessionCounts {
    return { accepted: this.#accepted, ignored: this.#ignored, restoredFromSnapshot: this.#options.stored !== undefined, ...this.#writes.counts() };
  }

  /** Resolves once every change so far is written and published. */
  idle(): Promise<void> {
    return this.#writes.idle();
  }

  /**
   * Writes what is queued, then stops the actor without recording the stopped state: a restart
   * must find the live session, not a dead one.
   */
  async stop(): Promise<void> {
    this.#observing?.unsubscribe();
    await this.#writes.idle();
    this.#actor.stop();
  }

  #onSnapshot(): void {
    const view = deriveView(this.#actor.getSnapshot(), { kioskId: this.#options.kioskId, seq: this.#seq });
    const comparable = JSON.stringify({ ...view, seq: 0 });
    let changed: View | undefined;
    if (comparable !== this.#lastComparable) {
      this.#seq++;
      changed = { ...view, seq: this.#seq };
      if (changed.screen !== this.#lastView?.screen) {
        this.#options.log.info('screen', { screen: changed.screen, state: changed.state, error: changed.error?.code });
      }
      this.#lastView = changed;
      this.#lastComparable = comparable;
    }
    void this.#writes.write(this.#record(), changed);
  }

  #record(): StoredSession {
    return { seq: this.#seq, savedAt: new Date().toISOString(), session: toPersisted(this.#actor), pendingCompletions: this.#options.pendingCompletions() };
  }
}
