// The card's new PIN: typed twice, set on the card by the card agent, then the registry is told
// (`complete`) with the card's proof of possession. Screens: enterPin, settingPin, activated.
//
// Once the PIN is set, nothing asks for it again: `completingActivation` resends `complete` with
// back-off until the registry answers, keeps going when the card is taken out (the proof is in
// context, the card is no longer needed), and is where a restarted engine resumes.
import { inputErrorCodesOn } from '../contract/index.ts';
import { step } from './context.ts';
import { idle, rejectUnless } from './identity.states.ts';
import { completeInputOf, ignoreCancel, screen, setPinInputOf, type SessionStates } from './setup.ts';

export const pinStates = {
  awaitingPin: {
    ...screen({
      screen: 'enterPin',
      description: 'The new card PIN, twice (6–8 characters, within what the token allows).',
      step: step('pin'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingPin',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.submitPin': [
        rejectUnless('isPinWellFormed', '#session.awaitingPin', 'PIN_FORMAT'),
        rejectUnless('doPinsMatch', '#session.awaitingPin', 'PIN_MISMATCH'),
        { target: '#session.settingPin', actions: ['holdPin', 'clearInputError'] },
      ],
      'user.reset': { target: '#session.awaitingPin', reenter: true, actions: 'clearInputError' },
    },
  },

  settingPin: {
    ...screen({
      screen: 'settingPin',
      description: "The card agent fetches the sealed PIN grant, sets the new PIN and has the card sign the grant's nonce.",
      step: step('pin'),
      resumeAt: 'awaitingPin',
    }),
    // Holds the PIN for the request.
    exit: 'forgetSecrets',
    tags: ['busy'],
    on: ignoreCancel,
    invoke: {
      id: 'setPin',
      src: 'setPin',
      input: ({ context }) => setPinInputOf(context),
      onDone: {
        target: '#session.completingActivation',
        actions: { type: 'storePossessionProof', params: ({ event }) => ({ proof: event.output.proof }) },
      },
      onError: [
        {
          // A PIN the card refuses (its own length rules) comes back to the PIN screen.
          guard: { type: 'isFailedWith', params: { codes: inputErrorCodesOn('enterPin'), fallback: 'CARD_UNREADABLE' } },
          target: '#session.awaitingPin',
          actions: { type: 'showRejectionAsInputError', params: { fallback: 'PIN_FORMAT' } },
        },
        { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: 'CARD_UNREADABLE' } } },
      ],
    },
  },

  completingActivation: {
    ...screen({
      screen: 'settingPin',
      description: "The PIN is set: telling the registry (complete, with the card's proof). Resent until it answers; never asks for the PIN again.",
      step: step('pin'),
      resumeAt: 'completingActivation',
    }),
    tags: ['busy'],
    on: { ...ignoreCancel, 'card.removed': { actions: 'noteCardOut' } },
    invoke: {
      id: 'completeActivation',
      src: 'completeActivation',
      input: ({ context }) => completeInputOf(context),
      onDone: { target: '#session.activated', actions: 'forgetPossessionProof' },
      onError: [
        { guard: 'isRegistryUnreachable', target: '#session.awaitingCompletionRetry', actions: 'countCompleteRetry' },
        // The registry answered and refused (e.g. CARD_MISMATCH): nothing left to hand over.
        { target: '#session.failed', actions: [{ type: 'noteFailure', params: { fallback: '3125' } }, 'forgetPossessionProof'] },
      ],
    },
  },

  awaitingCompletionRetry: {
    ...screen({
      screen: 'settingPin',
      description: 'The registry did not answer complete (3125): backing off (doubling, capped) before sending it again.',
      step: step('pin'),
      resumeAt: 'completingActivation',
    }),
    tags: ['busy'],
    on: { ...ignoreCancel, 'card.removed': { actions: 'noteCardOut' } },
    after: { completeRetryDelay: { target: '#session.completingActivation' } },
  },

  activated: {
    ...screen({
      screen: 'activated',
      description: '恭喜您已完成開卡作業: accepted, PIN set, registry told. The card can be taken out.',
      step: step('done'),
      timer: 'finishedScreenTimeout',
      resumeAt: 'activated',
    }),
    after: { finishedScreenTimeout: { target: '#kioskSession.awaitingCard' } },
    on: { 'card.removed': { target: '#kioskSession.awaitingCard' } },
  },
} satisfies SessionStates;
