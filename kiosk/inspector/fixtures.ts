// The inspector's fixtures, from the real machine: its description (`describeMachine`, as the
// engine answers `inspect.machine`), and a recorded session — the session machine run with fake
// effects through path A (one wrong user code, then the right one, up to the PIN screen), its
// inspection events redacted the way the engine redacts them and its views derived the way the
// engine derives them. Used by the browser tests and the screenshots; never part of a bundle.
import { createActor, type InspectionEvent as XStateInspectionEvent } from 'xstate';
import { ContractError } from '../../machines/contract/errors.ts';
import type { InspectionEvent, Selfcheck, View } from '../../machines/contract/messages.ts';
import { deriveView, sessionActorsFrom, sessionMachine, type SessionEvent } from '../../machines/session/index.ts';
import { describeMachine, type DescribedState } from '../../machines/session/introspect.ts';
import { FIXTURE_CARDS } from '../consoles/fixtures.ts';

export function fixtureMachine(): DescribedState {
  return describeMachine(sessionMachine);
}

/** The user codes typed in the recorded session: canaries that must never reach the screen. */
export const FIXTURE_SECRETS = { rightUserCode: 'Ab3$xyz9', wrongUserCode: 'Wr0ng#Code' } as const;

/** The card of the recorded session: the staff console's fixture card 51. */
const CARD = FIXTURE_CARDS['51'];

function selfcheck(cardIn: boolean): Selfcheck {
  return {
    ok: cardIn,
    checks: [
      { id: 'service', ok: true },
      { id: 'reader', ok: true },
      { id: 'card', ok: cardIn },
      { id: 'token', ok: cardIn },
    ],
  };
}

export type RecordedMessage = { kind: 'inspect'; event: InspectionEvent } | { kind: 'view'; view: View; at: string };

/** As the engine does: an event becomes its type, a snapshot its state value (the session's only). */
function redact(event: XStateInspectionEvent): Omit<InspectionEvent, 'seq' | 'at'> | undefined {
  const ref = event.actorRef as { id?: string; sessionId: string };
  const actor = ref.id ?? ref.sessionId;
  switch (event.type) {
    case '@xstate.event':
      return { kind: 'event', event: { type: event.event.type }, actor };
    case '@xstate.snapshot':
      return ref.sessionId === event.rootId ? { kind: 'snapshot', state: (event.snapshot as { value?: unknown }).value, actor } : undefined;
    case '@xstate.actor':
      return { kind: 'actor', actor };
    default:
      return undefined;
  }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs the session and returns what an engine for `kioskId` would have published, in order, with
 * times from `startAt` on (the steps a few seconds apart, as a person would take them).
 */
export async function recordFixtureSession(kioskId = 'kiosk-1', startAt = Date.parse('2026-03-25T06:10:00.000Z')): Promise<RecordedMessage[]> {
  const messages: RecordedMessage[] = [];
  let clock = startAt;
  let inspectSeq = 0;
  let viewSeq = 0;
  let lastView = '';
  let verifies = 0;
  let cardIn = false;
  const machine = sessionMachine.provide({
    actors: sessionActorsFrom({
      selfcheck: async () => selfcheck(cardIn),
      readCard: async () => CARD,
      identifyCard: async () => ({ route: 'self-applied', status: 'issued', attemptsLeft: 5 }),
      verifyIdentity: async () => {
        verifies++;
        if (verifies === 1) throw new ContractError('3005', undefined, { attemptsLeft: 4 });
        return { activationId: 'fixture-activation', expiresAt: new Date(clock + 600_000).toISOString() };
      },
      acceptCertificate: async () => ({ acceptedAt: new Date(clock).toISOString() }),
      setPin: async () => ({ at: new Date(clock).toISOString(), proof: { publicKey: 'fixture-key', signature: 'fixture-signature' } }),
      completeActivation: async () => ({ activatedAt: new Date(clock).toISOString() }),
    }),
  });
  const actor = createActor(machine, {
    input: {},
    inspect: (event) => {
      const redacted = redact(event);
      clock += 3;
      if (redacted) messages.push({ kind: 'inspect', event: { seq: ++inspectSeq, at: new Date(clock).toISOString(), ...redacted } });
    },
  });
  actor.subscribe((snapshot) => {
    const view = deriveView(snapshot, { kioskId, seq: 0 });
    const comparable = JSON.stringify(view);
    if (comparable === lastView) return;
    lastView = comparable;
    messages.push({ kind: 'view', view: { ...view, seq: ++viewSeq }, at: new Date(clock).toISOString() });
  });
  const step = async (event: SessionEvent, afterMs: number) => {
    clock += afterMs;
    actor.send(event);
    for (let i = 0; i < 5; i++) await tick();
  };
  actor.start();
  for (let i = 0; i < 5; i++) await tick();
  cardIn = true;
  await step({ type: 'card.inserted', reader: 'Virtual PCD 00 00' }, 4000);
  await step({ type: 'user.choosePath', path: 'self-applied' }, 5200);
  await step({ type: 'user.submitUserCode', userCode: FIXTURE_SECRETS.wrongUserCode }, 9100);
  await step({ type: 'user.submitUserCode', userCode: FIXTURE_SECRETS.rightUserCode }, 7400);
  await step({ type: 'user.confirmCardData' }, 6300);
  // Stopping is not part of the session: what it reports is left out.
  const recorded = messages.slice();
  actor.stop();
  return recorded;
}
