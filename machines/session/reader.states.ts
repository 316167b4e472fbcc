// Outside a session: the kiosk checks its reader, waits for a card (after asking for the last
// one to be taken out), or is out of service. Screens: outOfService, insertCard, removeCard.
import { step } from './context.ts';
import { afterSelfcheck } from './chart-pieces.ts';
import { screen, type SessionStates } from './setup.ts';

export const readerStates = {
  checkingReader: {
    ...screen({
      screen: 'outOfService',
      description: 'Self-test of the card agent and the reader at start-up (never tries a PIN).',
    }),
    tags: ['busy'],
    // The check finds out afresh whether a card is in.
    entry: ['readClock', 'noteCardOut'],
    invoke: {
      id: 'selfcheck',
      src: 'selfcheck',
      input: { expectCard: false },
      onDone: afterSelfcheck({ target: '#kioskSession.awaitingCard' }, { actions: 'noteCardIn' }),
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
    ...(() => {
      const base = screen({
        screen: 'insertCard',
        description: 'Idle, screen wiped: waiting for a card. A session that ended with its card in asks for it first (removeCard).',
        step: step('insert'),
      });
      return { ...base, entry: [...base.entry, 'noteCardOutOnRemoval' as const] };
    })(),
    tags: ['needsUser'],
    always: { guard: 'isCardInReader', target: '#kioskSession.awaitingCardRemoval' },
    on: {
      'card.inserted': { target: '#session', actions: 'noteCardIn' },
      'reader.detached': { target: '#kioskSession.outOfService' },
      'user.callStaff': { target: '#session.awaitingStaff' },
    },
  },

  awaitingCardRemoval: {
    ...screen({
      screen: 'removeCard',
      description: 'The session ended (done, cancelled, timed out, failed) with the card still in: take it out first.',
    }),
    tags: ['needsUser'],
    on: {
      'card.removed': { target: '#kioskSession.awaitingCard', actions: 'noteCardOut' },
      'reader.detached': { target: '#kioskSession.outOfService', actions: 'noteCardOut' },
      'user.callStaff': { target: '#session.awaitingStaff' },
    },
  },
} satisfies SessionStates;
