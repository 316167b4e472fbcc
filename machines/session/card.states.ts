// A session starts: the card is checked, read, and the registry says how it was issued.
// Screen: readingCard (all three states).
import type { IdentifyCardOutput } from './actors.ts';
import { step } from './context.ts';
import { afterSelfcheck, selfcheckAnswer, storeReadCard } from './chart-pieces.ts';
import { ignoreCancel, screen, type SessionStates } from './setup.ts';

/** Registry record statuses that end the session on a failure screen, and which one. */
const STATUS_FAILURES = [
  [['revoked'], '#session.failed.certificateRevoked'],
  [['suspended'], '#session.failed.certificateSuspended'],
  [['activated'], '#session.failed.alreadyActivated'],
  // A returned card was taken in at a counter after 27011; it belongs with staff again.
  [['used-before-activation', 'returned'], '#session.failed.usedBeforeActivation'],
  [['locked'], '#session.failed.cardLocked'],
] as const;

const storeIdentity = {
  type: 'storeIdentity' as const,
  params: ({ event }: { event: { output: IdentifyCardOutput } }) => event.output,
};

export const cardStates = {
  checkingCard: {
    ...screen({
      screen: 'readingCard',
      description: 'Per-session self-test with the card in: service, reader, card, token (no PIN).',
      step: step('insert'),
    }),
    tags: ['busy'],
    on: { ...ignoreCancel, 'card.removed': { target: '#kioskSession.awaitingCard' } },
    invoke: {
      id: 'selfcheck',
      src: 'selfcheck',
      input: { expectCard: true },
      onDone: afterSelfcheck({ target: '#session.failed', actions: { type: 'noteSelfcheckFailure' as const, params: selfcheckAnswer } }),
      onError: { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: 'READER_NOT_FOUND' } } },
    },
  },

  readingCard: {
    ...screen({
      screen: 'readingCard',
      description: 'Reading the card number and certificate from the token.',
      step: step('insert'),
    }),
    tags: ['busy'],
    on: { ...ignoreCancel, 'card.removed': { target: '#kioskSession.awaitingCard' } },
    invoke: {
      id: 'readCard',
      src: 'readCard',
      input: { reason: 'inserted' },
      onDone: [
        {
          guard: {
            type: 'isOutsideValidity',
            params: ({ event }) => ({ validFrom: event.output.validFrom, validTo: event.output.validTo }),
          },
          target: '#session.failed.certificateExpired',
          actions: storeReadCard,
        },
        {
          target: '#session.identifyingCard',
          actions: ['resetCardNotDetected', storeReadCard],
        },
      ],
      onError: [
        {
          // Nobody answered (an infrastructure fault, not the card): check the kiosk and the card
          // again once and read again. A second time lands in failed, and READER_NOT_FOUND routes
          // to outOfService, which comes back by itself.
          guard: 'isFirstUnansweredCardRead',
          target: '#session.checkingCard',
          actions: 'countUnansweredCardRead',
        },
        { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: 'CARD_UNREADABLE' } } },
      ],
    },
  },

  identifyingCard: {
    ...screen({
      screen: 'readingCard',
      description: 'Asking the registry how this card was issued and where its record stands.',
      step: step('insert'),
      resumeAt: 'identifyingCard',
    }),
    tags: ['busy'],
    on: ignoreCancel,
    invoke: {
      id: 'identifyCard',
      src: 'identifyCard',
      input: ({ context }) => ({
        cardNumber: context.card?.cardNumber ?? '',
        certSerial: context.card?.certSerial ?? '',
        certificateKeySha256: context.card?.certificateKeySha256 ?? '',
      }),
      onDone: [
        ...STATUS_FAILURES.map(([expected, target]) => ({
          guard: {
            type: 'hasRecordStatus' as const,
            params: ({ event }: { event: { output: IdentifyCardOutput } }) => ({ actual: event.output.status, expected }),
          },
          target,
          actions: storeIdentity,
        })),
        {
          guard: { type: 'hasNoAttemptsLeft', params: ({ event }) => ({ attemptsLeft: event.output.attemptsLeft }) },
          target: '#session.failed.cardLocked',
          actions: storeIdentity,
        },
        {
          guard: { type: 'wasCardUsedBeforeActivation', params: ({ context }) => ({ card: context.card }) },
          target: '#session.failed.usedBeforeActivation',
          actions: storeIdentity,
        },
        { target: '#session.awaitingPathChoice', actions: storeIdentity },
      ],
      onError: { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: '3125' } } },
    },
  },
} satisfies SessionStates;
