// Outside a session: the kiosk checks its reader, waits for a card, or is out of service.
// Screens: outOfService, insertCard.
import { step } from './context.ts';
import { screen, type SessionStates } from './setup.ts';

export const readerStates = {
  checkingReader: {
    ...screen({
      screen: 'outOfService',
      description: 'Self-test of the card agent and the reader at start-up (never tries a PIN).',
    }),
    tags: ['busy'],
    invoke: {
      id: 'selfcheck',
      src: 'selfcheck',
      input: { expectCard: false },
      onDone: [
        {
          guard: { type: 'isReaderDown', params: ({ event }) => ({ selfcheck: event.output }) },
          target: '#kioskSession.outOfService',
        },
        {
          guard: { type: 'isCardReady', params: ({ event }) => ({ selfcheck: event.output }) },
          target: '#session.readingCard',
        },
        { target: '#kioskSession.awaitingCard' },
      ],
      onError: { target: '#kioskSession.outOfService' },
    },
    // What the reader or the agent says while the check is in flight may make its answer stale
    // (an agent that announces itself has just started answering): check again at once, never drop it.
    on: {
      'reader.attached': { target: '#kioskSession.checkingReader', reenter: true },
      'reader.detached': { target: '#kioskSession.checkingReader', reenter: true },
      'card.inserted': { target: '#kioskSession.checkingReader', reenter: true },
      'card.removed': { target: '#kioskSession.checkingReader', reenter: true },
    },
  },

  outOfService: {
    ...screen({
      screen: 'outOfService',
      description: 'No usable reader (or no card agent): staff must look. Checks again by itself.',
      error: 'READER_NOT_FOUND',
      timer: 'selfcheckRetryDelay',
    }),
    tags: ['failure', 'needsStaff'],
    after: { selfcheckRetryDelay: { target: '#kioskSession.checkingReader' } },
    on: {
      'reader.attached': { target: '#kioskSession.checkingReader' },
      // A card put in means a reader (and an agent) that works again: no need to wait for the timer.
      'card.inserted': { target: '#kioskSession.checkingReader' },
      'staff.resume': { target: '#kioskSession.checkingReader' },
    },
  },

  awaitingCard: {
    ...screen({
      screen: 'insertCard',
      description: 'Idle, screen wiped: waiting for a card (or, after a session ended, for it to be taken out and put back).',
      step: step('insert'),
    }),
    tags: ['needsUser'],
    on: {
      'card.inserted': { target: '#session' },
      'reader.detached': { target: '#kioskSession.outOfService' },
      'user.callStaff': { target: '#session.awaitingStaff' },
    },
  },
} satisfies SessionStates;
