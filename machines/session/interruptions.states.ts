// Interruptions of a session and the way back: "are you still there?", staff called, the card
// taken out (and put back). Screens: stillThere, staffAssist, cardRemoved, readingCard.
// `resuming` is the one place the way back is chosen: the screen `context.resumeAt` names.
import { storeReadCard } from './chart-pieces.ts';
import { ignoreCancel, screen, type SessionStates } from './setup.ts';
import { RESUME_TARGETS, stateIdOf } from './targets.ts';

export const interruptionStates = {
  awaitingPresence: {
    ...screen({
      screen: 'stillThere',
      description: 'Idle timeout on an input screen: are you still there? Answer extends; silence ends the session.',
      timer: 'stillThereTimeout',
    }),
    tags: ['needsUser'],
    after: { stillThereTimeout: { target: '#kioskSession.awaitingCard' } },
    on: { 'user.stillHere': { target: '#session.resuming' } },
  },

  awaitingStaff: {
    ...screen({
      screen: 'staffAssist',
      description: 'The user called staff. Staff resume (the card is checked again first) or end the session.',
      timer: 'staffWaitTimeout',
    }),
    tags: ['needsStaff'],
    after: { staffWaitTimeout: { target: '#kioskSession.awaitingCard' } },
    on: {
      'user.callStaff': {},
      'card.removed': [
        { guard: 'hasCardData', target: '#session.awaitingReinsertion', actions: 'noteCardOut' },
        { target: '#kioskSession.awaitingCard' },
      ],
      'staff.resume': [{ guard: 'hasCardData', target: '#session.checkingReinsertedCard' }, { target: '#kioskSession.awaitingCard' }],
    },
  },

  awaitingReinsertion: {
    ...screen({
      screen: 'cardRemoved',
      description: 'The card was taken out mid-session: put the same card back within the grace period.',
      timer: 'reinsertGrace',
    }),
    tags: ['needsUser'],
    after: { reinsertGrace: { target: '#kioskSession.awaitingCard', actions: 'noteCardOut' } },
    on: {
      'card.removed': { actions: 'noteCardOut' },
      'card.inserted': { target: '#session.checkingReinsertedCard', actions: 'noteCardIn' },
      // No unlock while the card is out of the reader: it waits until the card is back.
      'staff.unlocked': {},
    },
  },

  checkingReinsertedCard: {
    ...screen({
      screen: 'readingCard',
      description: 'Reading the card put back (or still in, after staff or a restart): the same card resumes.',
    }),
    tags: ['busy'],
    on: { ...ignoreCancel, 'staff.unlocked': {} },
    invoke: {
      id: 'rereadCard',
      src: 'readCard',
      input: { reason: 'reinserted' },
      onDone: [
        {
          guard: {
            type: 'isDifferentCard',
            params: ({ event }) => ({ cardNumber: event.output.cardNumber, certSerial: event.output.certSerial }),
          },
          target: '#session.failed.cardSwapped',
        },
        {
          // The card was out of our hands: someone may have tried a PIN on it elsewhere.
          guard: { type: 'wasCardUsedBeforeActivation', params: ({ event }) => ({ card: event.output }) },
          target: '#session.failed.usedBeforeActivation',
          actions: storeReadCard,
        },
        { target: '#session.resuming', actions: storeReadCard },
      ],
      onError: [
        {
          guard: { type: 'isFailedWith', params: { codes: ['CARD_NOT_DETECTED'], fallback: 'CARD_UNREADABLE' } },
          target: '#session.awaitingReinsertion',
        },
        { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: 'CARD_UNREADABLE' } } },
      ],
    },
  },

  // Never shown: chooses the screen to return to, by `context.resumeAt`; with none the session ends.
  resuming: {
    always: [
      ...RESUME_TARGETS.map((at) => ({
        guard: { type: 'isResumingAt' as const, params: { at } },
        target: `#${stateIdOf(at)}`,
      })),
      { target: '#kioskSession.awaitingCard' },
    ],
  },
} satisfies SessionStates;
