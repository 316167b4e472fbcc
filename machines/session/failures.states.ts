// Every failure of the session, under one parent `failed` (screen `failed`; the code is each
// child's meta.error). The parent holds what all failures share: the screen wipes itself after
// `failureScreenTimeout`, taking the card out ends the session, and the step that failed is noted
// for "try again". Actors that fail go to `failed`, with the code noted; `failed.routing` picks the
// child by the table FAILURE_STATES (targets.ts). States that know their failure go to the child.
import { ERRORS, type ErrorCode } from '../contract/index.ts';
import type { SessionTag } from './context.ts';
import { onToIssuedPath } from './identity.states.ts';
import { screen, type SessionStates } from './setup.ts';
import { FAILURE_STATES, type FailureCode, type FailureState } from './targets.ts';

function failureTags(code: ErrorCode): SessionTag[] {
  return ['failure', ERRORS[code].remedy === 'staff' ? 'needsStaff' : 'needsUser'];
}

/** A failure screen for `code`, resuming at itself after an interruption. */
function failure(code: FailureCode, state: FailureState, description: string) {
  return {
    ...screen({
      screen: 'failed',
      description,
      error: code,
      timer: 'failureScreenTimeout',
      // A swapped card is not a place to return to: removing it goes back to waiting for the first one.
      ...(state === 'cardSwapped' ? {} : { resumeAt: state }),
    }),
    tags: failureTags(code),
  };
}

/** `failed.routing`: the one place a failure code becomes a state. */
const ROUTES = [
  { guard: { type: 'isFailure' as const, params: { code: 'READER_NOT_FOUND' as ErrorCode } }, target: '#kioskSession.outOfService' },
  ...(Object.entries(FAILURE_STATES) as [FailureCode, FailureState][]).map(([code, state]) => ({
    guard: { type: 'isFailure' as const, params: { code: code as ErrorCode } },
    target: `#session.failed.${state}`,
  })),
  // An input code or 3005 where none can come: the other end rejected what we sent.
  { target: '#session.failed.requestRejected' },
];

export const failureStates = {
  failed: {
    initial: 'routing',
    entry: 'recordRetryPoint',
    after: { failureScreenTimeout: { target: '#kioskSession.awaitingCard' } },
    on: { 'card.removed': { target: '#kioskSession.awaitingCard' } },
    states: {
      routing: { always: ROUTES },

      wrongPathChosen: {
        ...failure('WRONG_PATH', 'wrongPathChosen', 'The user chose the path this card was not issued by: the screen offers the right one.'),
        on: {
          'user.choosePath': onToIssuedPath,
          'user.reset': { target: '#session.awaitingPathChoice' },
        },
      },

      // Staff unlock it with `staff.unlocked`, handled once on `session`.
      cardLocked: failure('LOCKED', 'cardLocked', 'Too many wrong user codes / IDs: self-service locked until staff unlock it.'),

      usedBeforeActivation: failure(
        '27011',
        'usedBeforeActivation',
        'The card was used before activation finished (PIN count low / locked, or the record says so): staff take it in.',
      ),

      certificateRevoked: failure('4931', 'certificateRevoked', 'The certificate is revoked: nothing to activate.'),

      certificateSuspended: failure('SUSPENDED', 'certificateSuspended', 'The certificate is suspended: nothing to activate here.'),

      alreadyActivated: failure('ALREADY_ACTIVATED', 'alreadyActivated', 'The card is already activated: nothing left to do.'),

      certificateExpired: failure(
        'CERT_EXPIRED',
        'certificateExpired',
        'The certificate is outside its validity period (checked against the kiosk clock).',
      ),

      registryUnreachable: {
        ...failure(
          '3125',
          'registryUnreachable',
          'The registry did not answer (after automatic retries for an acceptance). Try again: on path B the e-mail and new user code typed are sent again.',
        ),
        // Holds the new contact (path B) for "try again".
        exit: 'forgetSecretsUnlessResendingContact',
        on: {
          'user.reset': [
            { guard: 'isHoldingContact', target: '#session.accepting', actions: 'resetAcceptRetries' },
            { target: '#session.resuming', actions: 'resumeAtRetryPoint' },
          ],
        },
      },

      cardNotDetected: (() => {
        const base = failure(
          'CARD_NOT_DETECTED',
          'cardNotDetected',
          'No card detected, or it failed to initialise: take it out and insert it again (the second time in a row: staff).',
        );
        return { ...base, entry: [...base.entry, 'countCardNotDetected' as const] };
      })(),

      cardUnreadable: failure(
        'CARD_UNREADABLE',
        'cardUnreadable',
        'The card answers but its token or certificate cannot be read ("不明連接卡").',
      ),

      cardUnknown: failure('UNKNOWN_CARD', 'cardUnknown', 'A token the card module does not show, or a card the registry does not know.'),

      notBusinessCard: failure(
        'NOT_BUSINESS_CARD',
        'notBusinessCard',
        'The certificate is not a MOEACA business certificate (no holder name or UBN, or none at all): the user takes the card back, nothing is mailed.',
      ),

      cardMismatch: failure(
        'CARD_MISMATCH',
        'cardMismatch',
        "The card's certificate key (identify) or its proof of possession (complete) is not the registered card's: staff.",
      ),

      cardSwapped: {
        ...failure('CARD_SWAPPED', 'cardSwapped', 'A different card was put back: take it out and insert the first card.'),
        on: { 'card.removed': { target: '#session.awaitingReinsertion', actions: 'noteCardOut' } },
      },

      cardDataDisputed: {
        ...failure('DATA_DISPUTED', 'cardDataDisputed', 'The user says the card data is wrong: stop, staff look at it.'),
        on: { 'staff.resume': { target: '#session.awaitingCardDataConfirmation' } },
      },

      activationExpired: {
        ...failure(
          'SESSION_EXPIRED',
          'activationExpired',
          'The activation id expired: start again from the path choice (identity is proved again).',
        ),
        on: { 'user.reset': { target: '#session.awaitingPathChoice' } },
      },

      requestRejected: failure('BAD_REQUEST', 'requestRejected', 'A request failed validation at the other end: staff look at it.'),
    },
  },
} satisfies SessionStates;
