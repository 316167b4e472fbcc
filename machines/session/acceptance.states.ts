// Confirming the card data and accepting the certificate at the registry (path B first gives a
// new contact e-mail and user code). Screens: confirmCardData, enterContact, accepting.
import { inputErrorCodesOn } from '../contract/index.ts';
import { step } from './context.ts';
import { idle, rejectUnless } from './identity.states.ts';
import { acceptInputOf, ignoreCancel, screen, type SessionStates } from './setup.ts';

export const acceptanceStates = {
  awaitingCardDataConfirmation: {
    ...screen({
      screen: 'confirmCardData',
      description: 'The card data (number, holder, UBN, serial, validity, e-mail): is it right?',
      step: step('confirm'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingCardDataConfirmation',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.confirmCardData': [
        { guard: 'isSelfApplied', target: '#session.accepting', actions: 'resetAcceptRetries' },
        { target: '#session.awaitingContact' },
      ],
      'user.disputeCardData': { target: '#session.failed.cardDataDisputed' },
      'user.reset': { target: '#session.awaitingCardDataConfirmation', reenter: true },
    },
  },

  awaitingContact: {
    ...screen({
      screen: 'enterContact',
      description: 'Path B: a new contact e-mail and a new user code, twice (all required).',
      step: step('contact'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingContact',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.submitContact': [
        rejectUnless('isEmailWellFormed', '#session.awaitingContact', 'EMAIL_FORMAT'),
        rejectUnless('isNewUserCodeWellFormed', '#session.awaitingContact', 'USER_CODE_FORMAT'),
        rejectUnless('doNewUserCodesMatch', '#session.awaitingContact', 'USER_CODE_MISMATCH'),
        { target: '#session.accepting', actions: ['holdContact', 'clearInputError', 'resetAcceptRetries'] },
      ],
      'user.reset': { target: '#session.awaitingContact', reenter: true, actions: 'clearInputError' },
    },
  },

  accepting: {
    ...screen({
      screen: 'accepting',
      description: 'Recording the acceptance at the registry (idempotent: resending cannot record it twice).',
      step: step('accept'),
      resumeAt: 'beforeAccepting',
    }),
    // Holds the new contact (path B) for the request; after 3125 it stays for the resend.
    exit: 'forgetSecretsButContactOn3125',
    tags: ['busy'],
    on: ignoreCancel,
    invoke: {
      id: 'acceptCertificate',
      src: 'acceptCertificate',
      input: ({ context }) => acceptInputOf(context),
      onDone: {
        target: '#session.awaitingPin',
        actions: ['resetAcceptRetries', { type: 'storeAcceptance', params: ({ event }) => ({ acceptedAt: event.output.acceptedAt }) }],
      },
      onError: [
        { guard: 'canRetryAcceptance', target: '#session.awaitingAcceptRetry', actions: 'countAcceptRetry' },
        {
          guard: {
            type: 'isFailedWith',
            params: { codes: inputErrorCodesOn('enterContact'), fallback: '3125', route: 'registration-bundled' },
          },
          target: '#session.awaitingContact',
          actions: { type: 'showRejectionAsInputError', params: { fallback: 'USER_CODE_FORMAT' } },
        },
        {
          target: '#session.failed',
          actions: ['resetAcceptRetries', { type: 'noteFailure', params: { fallback: '3125' } }],
        },
      ],
    },
  },

  awaitingAcceptRetry: {
    ...screen({
      screen: 'accepting',
      description: 'The registry did not answer (3125): backing off before resending the same acceptance.',
      step: step('accept'),
      resumeAt: 'beforeAccepting',
    }),
    // Holds the new contact until its timer resends it.
    exit: 'forgetSecretsUnlessResending',
    tags: ['busy'],
    on: ignoreCancel,
    after: { acceptRetryDelay: { target: '#session.accepting' } },
  },
} satisfies SessionStates;
