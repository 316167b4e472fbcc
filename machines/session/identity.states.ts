// Choosing the path and proving identity: the user code (path A) or the responsible person's ID
// and birth date (path B), checked by the registry.
// Screens: choosePath, enterUserCode, enterResponsibleId, idChecksumWarning, verifying.
import { not } from 'xstate';
import { inputErrorCodesOn, type InputErrorCode } from '../contract/index.ts';
import { step } from './context.ts';
import { ignoreCancel, screen, verifyInputOf, type SessionStates } from './setup.ts';

/** The input checks that fail on a screen of their own (and show there, not on `failed`). */
type CheckedInput =
  | 'isUserCodeWellFormed'
  | 'isIdWellFormed'
  | 'isBirthDateWellFormed'
  | 'isEmailWellFormed'
  | 'isNewUserCodeWellFormed'
  | 'doNewUserCodesMatch'
  | 'isPinWellFormed'
  | 'doPinsMatch';

/** A value that fails `check` keeps the user on the screen `target`, with `code` shown on the field. */
export function rejectUnless(check: CheckedInput, target: string, code: InputErrorCode) {
  return { guard: not(check), target, reenter: true, actions: { type: 'showInputError' as const, params: { code } } };
}

/** Waiting on a person who is typing or reading: idle timeout asks "still there?". */
export const idle = { idleTimeout: { target: '#session.awaitingPresence' } };

/**
 * A path chosen that the card was issued by: on to that path's identity input. Both the path
 * choice and the wrong-path failure screen (which offers the right one) take it.
 */
export const onToIssuedPath = [
  {
    guard: { type: 'isIssuedRouteChosen', params: { route: 'self-applied' } },
    target: '#session.awaitingUserCode',
    actions: ['storeChosenPath', 'clearInputError'],
  },
  {
    guard: { type: 'isIssuedRouteChosen', params: { route: 'registration-bundled' } },
    target: '#session.awaitingResponsibleId',
    actions: ['storeChosenPath', 'clearInputError'],
  },
] as const;

export const identityStates = {
  awaitingPathChoice: {
    ...screen({
      screen: 'choosePath',
      description: 'Which way was the certificate applied for: self-applied (A) or with a registration (B)?',
      step: step('choose'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingPathChoice',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.choosePath': [
        { guard: not('isIssuedRoute'), target: '#session.failed.wrongPathChosen', actions: 'storeChosenPath' },
        ...onToIssuedPath,
      ],
      'user.reset': { target: '#session.awaitingPathChoice', reenter: true },
    },
  },

  awaitingUserCode: {
    ...screen({
      screen: 'enterUserCode',
      description: 'Path A: the user code chosen when applying (6–10 characters, case-sensitive).',
      step: step('identify'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingUserCode',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.submitUserCode': [
        rejectUnless('isUserCodeWellFormed', '#session.awaitingUserCode', 'USER_CODE_FORMAT'),
        { target: '#session.verifying', actions: ['holdUserCode', 'clearInputError'] },
      ],
      'user.reset': { target: '#session.awaitingUserCode', reenter: true, actions: 'clearInputError' },
    },
  },

  awaitingResponsibleId: {
    ...screen({
      screen: 'enterResponsibleId',
      description: "Path B: the responsible person's national (or resident) ID, and birth date if known.",
      step: step('identify'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingResponsibleId',
    }),
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.submitResponsibleId': [
        rejectUnless('isIdWellFormed', '#session.awaitingResponsibleId', 'ID_FORMAT'),
        rejectUnless('isBirthDateWellFormed', '#session.awaitingResponsibleId', 'BIRTH_DATE_FORMAT'),
        {
          guard: not('isIdChecksumValid'),
          target: '#session.awaitingIdConfirmation',
          actions: ['holdResponsibleId', 'clearInputError'],
        },
        { target: '#session.verifying', actions: ['holdResponsibleId', 'clearInputError'] },
      ],
      'user.reset': { target: '#session.awaitingResponsibleId', reenter: true, actions: 'clearInputError' },
    },
  },

  awaitingIdConfirmation: {
    ...screen({
      screen: 'idChecksumWarning',
      description: 'The ID fails its checksum: a typo, or a format the checksum does not know. Confirm or correct.',
      step: step('identify'),
      timer: 'idleTimeout',
      resumeAt: 'awaitingResponsibleId',
    }),
    // Holds the ID typed: it goes on to `verifying` only when confirmed.
    exit: 'forgetSecretsUnlessIdConfirmed',
    tags: ['needsUser'],
    after: idle,
    on: {
      'user.confirmIdWarning': { target: '#session.verifying' },
      'staff.overrideIdWarning': { target: '#session.verifying' },
      'user.correctId': { target: '#session.awaitingResponsibleId' },
      'user.reset': { target: '#session.awaitingResponsibleId' },
    },
  },

  verifying: {
    ...screen({
      screen: 'verifying',
      description: 'The registry checks the user code (A) or the ID and birth date (B); it counts wrong attempts.',
      step: step('identify'),
      resumeAt: 'identityInput',
    }),
    // Holds the user code, or the ID and birth date, for the request.
    exit: 'forgetSecrets',
    tags: ['busy'],
    on: ignoreCancel,
    invoke: {
      id: 'verifyIdentity',
      src: 'verifyIdentity',
      input: ({ context }) => verifyInputOf(context),
      onDone: [
        {
          guard: { type: 'isAlreadyAccepted', params: ({ event }) => ({ acceptedAt: event.output.acceptedAt }) },
          target: '#session.awaitingPin',
          actions: ['clearInputError', { type: 'storeActivation', params: ({ event }) => event.output }],
        },
        {
          target: '#session.awaitingCardDataConfirmation',
          actions: ['clearInputError', { type: 'storeActivation', params: ({ event }) => event.output }],
        },
      ],
      onError: [
        // The registry's own input checks (and 3005) come back to the screen of what it checked
        // (machines/contract/input-errors.ts).
        {
          guard: { type: 'isFailedWith', params: { codes: inputErrorCodesOn('enterUserCode'), fallback: '3125', route: 'self-applied' } },
          target: '#session.awaitingUserCode',
          actions: { type: 'showRejectionAsInputError', params: { fallback: '3005' } },
        },
        {
          guard: {
            type: 'isFailedWith',
            params: { codes: inputErrorCodesOn('enterResponsibleId'), fallback: '3125', route: 'registration-bundled' },
          },
          target: '#session.awaitingResponsibleId',
          actions: { type: 'showRejectionAsInputError', params: { fallback: '3005' } },
        },
        { target: '#session.failed', actions: { type: 'noteFailure', params: { fallback: '3125' } } },
      ],
    },
  },
} satisfies SessionStates;
