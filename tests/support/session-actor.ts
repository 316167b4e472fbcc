// The session statechart as its unit tests run it: the real machine with the test's fake effects,
// every call recorded, and a SimulatedClock for every timer. Fakes resolve at once; `settle()` lets
// their promises land. Shared so that the machine, persistence and start-up tests set the machine up
// the one way the engine does (`sessionActorsFrom`, `readClockFrom`), differing only in their fakes.
import { createActor, SimulatedClock, type Snapshot } from 'xstate';
import type { CardData, Selfcheck, View } from '../../machines/contract/index.ts';
import {
  deriveView,
  readClockFrom,
  sessionActorsFrom,
  sessionMachine,
  type SessionEffects,
  type SessionInput,
  type SessionSnapshot,
} from '../../machines/session/index.ts';
import { SAMPLE_CARD } from '../../kiosk/tools/states-graph-model.ts';

/** The clock's start: the sample card is valid then. */
export const NOW = Date.parse('2026-06-01T00:00:00Z');

/** The card of the graph model, so the path tests and the machine's tests read the same card. */
export const CARD: CardData = SAMPLE_CARD;
export const OTHER_CARD: CardData = { ...CARD, cardNumber: 'TT00000000000099', certSerial: '0BADCAFE' };

/** What the card agent hands back after C_InitPIN: the card's key and its signature over the grant's nonce. */
export const PROOF = { publicKey: 'card-public-key', signature: 'card-signature-over-nonce' };

/** Lets the fakes' promises (and what the machine does with their outcome) land. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The view the engine would publish for a snapshot of kiosk `kiosk-1`. */
export const viewOf = (snapshot: SessionSnapshot, seq = 0): View => deriveView(snapshot, { kioskId: 'kiosk-1', seq });

/** A self-check's answer: the service is up; reader, card and token as given. */
export function selfcheckOf(reader: boolean, card: boolean, token = card): Selfcheck {
  return {
    ok: reader && card && token,
    checks: [
      { id: 'service', ok: true },
      { id: 'reader', ok: reader },
      { id: 'card', ok: card },
      { id: 'token', ok: token },
    ],
  };
}

export type EffectCall = { effect: keyof SessionEffects; input: unknown };

/** Starts the machine on `effects` (each call recorded) and returns the handles the tests drive it with. */
export function startSessionActor(effects: SessionEffects, options: { input?: SessionInput; snapshot?: Snapshot<unknown> } = {}) {
  const calls: EffectCall[] = [];
  const recording = Object.fromEntries(
    (Object.keys(effects) as (keyof SessionEffects)[]).map((effect) => [
      effect,
      (input: unknown, signal: AbortSignal) => {
        calls.push({ effect, input });
        return (effects[effect] as (i: unknown, s: AbortSignal) => Promise<unknown>)(input, signal);
      },
    ]),
  ) as unknown as SessionEffects;

  const clock = new SimulatedClock();
  clock.set(NOW);
  const machine = sessionMachine.provide({
    actors: sessionActorsFrom(recording),
    actions: { readClock: readClockFrom(() => clock.now()) },
  });
  const actor = createActor(machine, {
    clock,
    input: options.input ?? {},
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
  });
  // Every snapshot and its view as the engine would publish it, numbered in order.
  const snapshots: SessionSnapshot[] = [];
  const views: View[] = [];
  actor.subscribe((snapshot) => {
    snapshots.push(snapshot);
    views.push(viewOf(snapshot, views.length));
  });
  actor.start();

  const view = () => viewOf(actor.getSnapshot(), views.length);
  const send = async (event: Parameters<typeof actor.send>[0]) => {
    actor.send(event);
    await settle();
    return view();
  };
  const advance = async (ms: number) => {
    clock.increment(ms);
    await settle();
    return view();
  };
  const callsOf = (effect: keyof SessionEffects) => calls.filter((call) => call.effect === effect).map((call) => call.input);
  return { actor, clock, calls, callsOf, snapshots, views, view, send, advance };
}
