// The kiosk session statechart: both activation paths and every error of the contract
// (docs/contract.md) as explicit states. Pure: every effect is a named actor (actors.ts) or a
// named action, every timer a named delay (setup.ts), all supplied or overridden with
// `.provide()` by whoever runs it.
//
// The chart, by phase (each file names the screens it shows):
//   reader.states.ts         checkingReader, outOfService, awaitingCard
//   card.states.ts           session.checkingCard, readingCard, identifyingCard
//   identity.states.ts       path choice, user code / responsible ID, ID warning, verifying
//   acceptance.states.ts     card data, contact (path B), accepting (with its retry)
//   pin.states.ts            PIN, settingPin, completingActivation (with its retry), activated
//   interruptions.states.ts  still there?, staff, card removed and put back, resuming
//   failures.states.ts       session.failed.* (routing by FAILURE_STATES in targets.ts)
// beside them chart-pieces.ts (what several phases share: a self-check's outcome, keeping a read
// card) and clock.ts (the one clock the machine reads time from: `readClock`, `readClockFrom`).
//
// docs/states.md is the table of every state (npm run states prints it from this definition).
import type { Language } from '../contract/index.ts';
import { acceptanceStates } from './acceptance.states.ts';
import { cardStates } from './card.states.ts';
import { initialSessionContext } from './context.ts';
import { failureStates } from './failures.states.ts';
import { identityStates } from './identity.states.ts';
import { interruptionStates } from './interruptions.states.ts';
import { pinStates } from './pin.states.ts';
import { readerStates } from './reader.states.ts';
import { sessionSetup } from './setup.ts';
import { resolveTiming } from './timing.ts';

export * from './context.ts';
export * from './targets.ts';
export * from './timing.ts';

export const sessionMachine = sessionSetup.createMachine({
  id: 'kioskSession',
  context: ({ input }) => initialSessionContext(resolveTiming(input?.timing), input?.lang ?? ('zh-TW' as Language)),
  initial: 'checkingReader',
  on: {
    'user.setLanguage': { actions: 'setLanguage' },
    'staff.speechOn': { actions: { type: 'setAutoSpeech', params: { on: true } } },
    'staff.speechOff': { actions: { type: 'setAutoSpeech', params: { on: false } } },
  },
  states: {
    ...readerStates,

    session: {
      id: 'session',
      initial: 'checkingCard',
      // Leaving the session, however it ends, hands an unfinished `complete` to the host (the PIN is
      // set, the registry not yet told) and wipes everything the user entered or was shown.
      exit: ['handOverUnfinishedCompletion', 'wipeSession'],
      on: {
        'card.removed': { target: '#session.awaitingReinsertion', actions: 'noteCardOut' },
        'reader.detached': { target: '#kioskSession.outOfService' },
        'user.callStaff': { target: '#session.awaitingStaff' },
        'user.cancel': { target: '#kioskSession.awaitingCard' },
        'staff.abort': { target: '#kioskSession.awaitingCard' },
        'staff.takeCard': { target: '#kioskSession.awaitingCard' },
        // Staff unlocked a LOCKED card (on its failure screen, or called to it): back to the identity input.
        'staff.unlocked': [
          {
            guard: { type: 'isLockedOnRoute', params: { route: 'self-applied' } },
            target: '#session.awaitingUserCode',
            actions: 'resetAttempts',
          },
          {
            guard: { type: 'isLockedOnRoute', params: { route: 'registration-bundled' } },
            target: '#session.awaitingResponsibleId',
            actions: 'resetAttempts',
          },
        ],
      },
      states: {
        ...cardStates,
        ...identityStates,
        ...acceptanceStates,
        ...pinStates,
        ...interruptionStates,
        ...failureStates,
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;

type ProvidedActions = NonNullable<NonNullable<Parameters<SessionMachine['provide']>[0]>['actions']>;
type ProvidedAction<K extends keyof ProvidedActions> = NonNullable<ProvidedActions[K]>;

/**
 * The machine's clock from its host (deadlines, certificate validity, birth dates): the engine's,
 * or a test's SimulatedClock: `sessionMachine.provide({ actions: { readClock: readClockFrom(() => clock.now()) } })`.
 */
export function readClockFrom(now: () => number): ProvidedAction<'readClock'> {
  // assign() is typed as emitting nothing; the machine's slot allows any emitted event.
  return sessionSetup.assign({ now: () => new Date(now()).toISOString() }) as unknown as ProvidedAction<'readClock'>;
}
