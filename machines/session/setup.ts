// The session machine's vocabulary: every guard, action and delay the chart names, declared once
// with `setup()`. The phase files (*.states.ts) only name them.
import { assign, enqueueActions, setup } from 'xstate';
import {
  errorCodeOf,
  readBirthDate,
  type ActivationPath,
  type CardData,
  type CardRecordStatus,
  type ErrorCode,
  type PossessionProof,
  type Selfcheck,
} from '../contract/index.ts';
import {
  checkPersonalId,
  isValidEmail,
  isValidPin,
  isValidUserCode,
  normalizeInput,
} from '../validators/index.ts';
import {
  unprovidedActors,
  type AcceptCertificateInput,
  type CompleteActivationInput,
  type IdentifyCardOutput,
  type SetPinInput,
  type VerifyIdentityInput,
  type VerifyIdentityOutput,
} from './actors.ts';
import {
  initialSessionContext,
  type SessionContext,
  type SessionEvent,
  type SessionInput,
  type SessionMeta,
  type SessionSecrets,
  type SessionTag,
} from './context.ts';
import { clockDate, clockReading, systemClock } from './clock.ts';
import { FAILURE_STATE_NAMES, resolveResume, type ResumeSpec, type ResumeTarget } from './targets.ts';
import { backoff, type ScreenTimer } from './timing.ts';

// ---------------------------------------------------------------------------------------------
// Reading events and context

/** What an actor rejected with (the machine only sees it on `xstate.error.actor.*`). */
export function rejectionOf(event: unknown): unknown {
  return typeof event === 'object' && event !== null && 'error' in event ? event.error : undefined;
}

function attemptsLeftOf(event: unknown): number | undefined {
  const error = rejectionOf(event);
  if (typeof error === 'object' && error !== null && 'attemptsLeft' in error) {
    const { attemptsLeft } = error;
    if (typeof attemptsLeft === 'number') return attemptsLeft;
  }
  return undefined;
}

/** The self-applied path is the default while the route is still unknown. */
function isOnRoute(context: Pick<SessionContext, 'route'>, route: ActivationPath | undefined): boolean {
  return route === undefined || (context.route ?? 'self-applied') === route;
}

function isReaderUp(selfcheck: Selfcheck): boolean {
  return selfcheck.checks.every((check) => check.ok || (check.id !== 'service' && check.id !== 'reader'));
}

function checkPassed(selfcheck: Selfcheck, id: 'card' | 'token'): boolean {
  return selfcheck.checks.some((check) => check.id === id && check.ok);
}

/**
 * The code a failed per-session self-check stands for: no card is CARD_NOT_DETECTED; a token that
 * cannot be used keeps the code the check itself gave (a certificate without a UBN is UNKNOWN_CARD),
 * and is CARD_UNREADABLE when it gave none.
 */
function selfcheckFailureOf(selfcheck: Selfcheck): ErrorCode {
  if (!checkPassed(selfcheck, 'card')) return 'CARD_NOT_DETECTED';
  const token = selfcheck.checks.find((check) => check.id === 'token' && !check.ok);
  return token?.code ?? 'CARD_UNREADABLE';
}

/** The birth date typed, read by the contract's field (ISO); `undefined` when none was typed (it is optional). */
function typedBirthDate(raw: string | undefined, context: Pick<SessionContext, 'now'>) {
  return raw === undefined || normalizeInput(raw) === '' ? undefined : readBirthDate(raw, clockDate(context));
}

function pinBoundsOf(card: CardData | null) {
  return card === null ? undefined : { minLength: card.pinFlags.minPinLength, maxLength: card.pinFlags.maxPinLength };
}

/** An actor's rejection that means "the registry did not answer" (3125, or no contract code at all). */
function isRegistryUnreachable(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'type' in event && String(event.type).startsWith('xstate.error.actor.')
    ? errorCodeOf(rejectionOf(event), '3125') === '3125'
    : false;
}

/** After 3125 on path B the e-mail and new user code stay, so that "try again" resends them. */
function contactOnly(context: SessionContext): SessionSecrets {
  const { contactEmail, newUserCode } = context.secrets;
  return context.route === 'registration-bundled' && contactEmail !== undefined && newUserCode !== undefined
    ? { contactEmail, newUserCode }
    : {};
}

function isHoldingContact(context: SessionContext): boolean {
  return (
    context.retryAt === 'awaitingContact' &&
    context.secrets.contactEmail !== undefined &&
    context.secrets.newUserCode !== undefined
  );
}

export function verifyInputOf(context: SessionContext): VerifyIdentityInput {
  const cardNumber = context.card?.cardNumber ?? '';
  const certSerial = context.card?.certSerial ?? '';
  if (context.route === 'registration-bundled') {
    const { responsibleId = '', birthDate } = context.secrets;
    return birthDate === undefined
      ? { cardNumber, certSerial, route: 'registration-bundled', responsibleId }
      : { cardNumber, certSerial, route: 'registration-bundled', responsibleId, birthDate };
  }
  return { cardNumber, certSerial, route: 'self-applied', userCode: context.secrets.userCode ?? '' };
}

export function acceptInputOf(context: SessionContext): AcceptCertificateInput {
  const activationId = context.activation?.activationId ?? '';
  const { contactEmail, newUserCode } = context.secrets;
  if (context.route !== 'registration-bundled') return { activationId };
  return { activationId, contactEmail: contactEmail ?? '', newUserCode: newUserCode ?? '' };
}

export function setPinInputOf(context: SessionContext): SetPinInput {
  return { activationId: context.activation?.activationId ?? '', newPin: context.secrets.pin ?? '' };
}

export function completeInputOf(context: Pick<SessionContext, 'activation' | 'card' | 'possessionProof'>): CompleteActivationInput {
  return {
    activationId: context.activation?.activationId ?? '',
    cardNumber: context.card?.cardNumber ?? '',
    proof: context.possessionProof ?? { publicKey: '', signature: '' },
  };
}

/**
 * What the machine tells its host besides its snapshots. `completion.handedOver`: the session ended
 * with the card's PIN set but the registry not yet told (`possessionProof` still held: staff
 * aborted, the staff wait ran out, the reader went away); the host keeps sending `complete` on its
 * own, since no later session of this kiosk would.
 */
export type SessionEmitted = { type: 'completion.handedOver'; input: CompleteActivationInput };

// ---------------------------------------------------------------------------------------------
// Setup

export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput | undefined,
    tags: {} as SessionTag,
    meta: {} as SessionMeta,
    emitted: {} as SessionEmitted,
  },
  actors: unprovidedActors,
  guards: {
    isReaderDown: (_, params: { selfcheck: Selfcheck }) => !isReaderUp(params.selfcheck),
    isCardReady: (_, params: { selfcheck: Selfcheck }) =>
      checkPassed(params.selfcheck, 'card') && checkPassed(params.selfcheck, 'token'),
    isOutsideValidity: ({ context }, params: { validFrom: string; validTo: string }) => {
      const now = clockReading(context);
      return now < Date.parse(params.validFrom) || now > Date.parse(params.validTo);
    },
    hasRecordStatus: (_, params: { actual: CardRecordStatus; expected: readonly CardRecordStatus[] }) =>
      params.expected.includes(params.actual),
    hasNoAttemptsLeft: (_, params: { attemptsLeft: number }) => params.attemptsLeft <= 0,
    wasCardUsedBeforeActivation: (_, params: { card: CardData | null }) => {
      const flags = params.card?.pinFlags;
      return flags !== undefined && (flags.userPinCountLow || flags.userPinFinalTry || flags.userPinLocked);
    },
    isDifferentCard: ({ context }, params: { cardNumber: string; certSerial: string }) =>
      context.card === null ||
      context.card.cardNumber !== params.cardNumber ||
      context.card.certSerial !== params.certSerial,
    hasCardData: ({ context }) => context.card !== null,
    isCardInReader: ({ context }) => context.cardInReader,
    isSelfApplied: ({ context }) => context.route !== 'registration-bundled',
    isIssuedRoute: ({ context, event }) => event.type === 'user.choosePath' && event.path === context.route,
    isIssuedRouteChosen: ({ context, event }, params: { route: ActivationPath }) =>
      event.type === 'user.choosePath' && event.path === params.route && context.route === params.route,
    isUserCodeWellFormed: ({ event }) =>
      event.type === 'user.submitUserCode' && isValidUserCode(normalizeInput(event.userCode)),
    isIdWellFormed: ({ event }) =>
      event.type === 'user.submitResponsibleId' && checkPersonalId(event.responsibleId).formatOk,
    isBirthDateWellFormed: ({ context, event }) =>
      event.type === 'user.submitResponsibleId' && typedBirthDate(event.birthDate, context)?.ok !== false,
    isIdChecksumValid: ({ event }) =>
      event.type === 'user.submitResponsibleId' && checkPersonalId(event.responsibleId).checksumOk,
    isEmailWellFormed: ({ event }) => event.type === 'user.submitContact' && isValidEmail(normalizeInput(event.email)),
    isNewUserCodeWellFormed: ({ event }) =>
      event.type === 'user.submitContact' && isValidUserCode(normalizeInput(event.userCode)),
    doNewUserCodesMatch: ({ event }) =>
      event.type === 'user.submitContact' && normalizeInput(event.userCode) === normalizeInput(event.userCodeConfirm),
    isPinWellFormed: ({ context, event }) =>
      event.type === 'user.submitPin' && isValidPin(normalizeInput(event.pin), pinBoundsOf(context.card)),
    doPinsMatch: ({ event }) =>
      event.type === 'user.submitPin' && normalizeInput(event.pin) === normalizeInput(event.pinConfirm),
    /** An actor's rejection with one of `codes` (an input error that belongs on an input screen). */
    isFailedWith: ({ context, event }, params: { codes: readonly ErrorCode[]; fallback: ErrorCode; route?: ActivationPath }) =>
      params.codes.includes(errorCodeOf(rejectionOf(event), params.fallback)) && isOnRoute(context, params.route),
    canRetryAcceptance: ({ context, event }) =>
      isRegistryUnreachable(event) && context.acceptRetries < context.timing.acceptRetryLimit,
    isRegistryUnreachable: ({ event }) => isRegistryUnreachable(event),
    /** The card agent did not answer a read (READER_NOT_FOUND) for the first time this session. */
    isFirstUnansweredCardRead: ({ context, event }) =>
      errorCodeOf(rejectionOf(event), 'CARD_UNREADABLE') === 'READER_NOT_FOUND' && context.unansweredCardReads === 0,
    isAlreadyAccepted: (_, params: { acceptedAt: string | undefined }) => params.acceptedAt !== undefined,
    /** The failure being routed (`context.failureCode`) is `code`. */
    isFailure: ({ context }, params: { code: ErrorCode }) => context.failureCode === params.code,
    isResumingAt: ({ context }, params: { at: ResumeTarget }) => context.resumeAt === params.at,
    /** Staff unlocked the card while the kiosk shows (or staff stand at) the LOCKED screen. */
    isLockedOnRoute: ({ context }, params: { route: ActivationPath }) =>
      context.resumeAt === 'cardLocked' && isOnRoute(context, params.route),
    isHoldingContact: ({ context }) => isHoldingContact(context),
  },
  actions: {
    /** The machine's clock: the only place it learns the time (the host provides its own, see `readClockFrom`). */
    readClock: assign({ now: () => new Date(systemClock.now()).toISOString() }),
    stampDeadline: assign({
      deadline: ({ context }, params: { timer: ScreenTimer }) =>
        new Date(clockReading(context) + context.timing[params.timer]).toISOString(),
    }),
    recordResumePoint: assign({
      resumeAt: ({ context }, params: { at: ResumeSpec }) => resolveResume(params.at, context),
    }),
    // A failure met on the way back to a failure screen keeps the step that failed first.
    recordRetryPoint: assign({
      retryAt: ({ context }) =>
        context.resumeAt !== null && FAILURE_STATE_NAMES.has(context.resumeAt) ? context.retryAt : context.resumeAt,
    }),
    /** "Try again" after 3125: resume at the step whose request failed. */
    resumeAtRetryPoint: assign({ resumeAt: ({ context }) => context.retryAt ?? 'awaitingPathChoice' }),
    /** The contract code of an actor's rejection, for `failed.routing`; `fallback` when it has none. */
    noteFailure: assign({
      failureCode: ({ event }, params: { fallback: ErrorCode }) => errorCodeOf(rejectionOf(event), params.fallback),
    }),
    noteSelfcheckFailure: assign({ failureCode: (_, params: { selfcheck: Selfcheck }) => selfcheckFailureOf(params.selfcheck) }),

    // Forgetting secrets: each is the exit action of a state that holds them (see SessionSecrets).
    forgetSecrets: assign({ secrets: () => ({}) }),
    /** Leaving the ID-checksum warning: the ID goes on to `verifying` only when confirmed. */
    forgetSecretsUnlessIdConfirmed: assign({
      secrets: ({ context, event }) =>
        event.type === 'user.confirmIdWarning' || event.type === 'staff.overrideIdWarning' ? context.secrets : {},
    }),
    /** Leaving `accepting`: after 3125 the contact stays for the resend (automatic or "try again"). */
    forgetSecretsButContactOn3125: assign({
      secrets: ({ context, event }) => (isRegistryUnreachable(event) ? contactOnly(context) : {}),
    }),
    /** Leaving the back-off: its own timer resends the acceptance; anything else forgets. */
    forgetSecretsUnlessResending: assign({
      secrets: ({ context, event }) => (event.type.startsWith('xstate.after.') ? context.secrets : {}),
    }),
    /** Leaving the 3125 screen: "try again" on path B resends the contact; anything else forgets. */
    forgetSecretsUnlessResendingContact: assign({
      secrets: ({ context, event }) => (event.type === 'user.reset' && isHoldingContact(context) ? contactOnly(context) : {}),
    }),

    /** On the way out of a session: an unfinished `complete` goes to the host (see SessionEmitted). */
    handOverUnfinishedCompletion: enqueueActions(({ context, enqueue }) => {
      if (context.possessionProof !== null) enqueue.emit({ type: 'completion.handedOver', input: completeInputOf(context) });
    }),
    /** The registry has the activation: nothing is left to hand over. */
    forgetPossessionProof: assign({ possessionProof: () => null }),
    wipeSession: assign(({ context }) => ({
      ...initialSessionContext(context.timing, context.defaultLang),
      cardNotDetectedInARow: context.cardNotDetectedInARow,
      autoSpeech: context.autoSpeech,
      cardInReader: context.cardInReader,
    })),
    noteCardIn: assign({ cardInReader: () => true }),
    noteCardOut: assign({ cardInReader: () => false }),
    /** Arriving at the insert-card screen because the card was taken out (or staff took it): it is out. */
    noteCardOutOnRemoval: assign({
      cardInReader: ({ context, event }) =>
        event.type === 'card.removed' || event.type === 'staff.takeCard' ? false : context.cardInReader,
    }),
    setAutoSpeech: assign({ autoSpeech: (_, params: { on: boolean }) => params.on }),
    countCardNotDetected: assign({ cardNotDetectedInARow: ({ context }) => context.cardNotDetectedInARow + 1 }),
    resetCardNotDetected: assign({ cardNotDetectedInARow: () => 0 }),
    countUnansweredCardRead: assign({ unansweredCardReads: ({ context }) => context.unansweredCardReads + 1 }),
    setLanguage: assign({
      lang: ({ context, event }) => (event.type === 'user.setLanguage' ? event.lang : context.lang),
    }),
    storeCardData: assign({ card: (_, params: { card: CardData }) => params.card }),
    storeIdentity: assign((_, params: IdentifyCardOutput) => ({
      route: params.route,
      recordStatus: params.status,
      attemptsLeft: params.attemptsLeft,
    })),
    storeChosenPath: assign({
      chosenPath: ({ context, event }) => (event.type === 'user.choosePath' ? event.path : context.chosenPath),
    }),
    holdUserCode: assign({
      secrets: ({ event }) => (event.type === 'user.submitUserCode' ? { userCode: normalizeInput(event.userCode) } : {}),
    }),
    holdResponsibleId: assign({
      secrets: ({ context, event }) => {
        if (event.type !== 'user.submitResponsibleId') return {};
        const responsibleId = checkPersonalId(event.responsibleId).normalized;
        const birth = typedBirthDate(event.birthDate, context);
        return birth?.ok === true ? { responsibleId, birthDate: birth.iso } : { responsibleId };
      },
    }),
    holdContact: assign({
      secrets: ({ event }) =>
        event.type === 'user.submitContact'
          ? { contactEmail: normalizeInput(event.email), newUserCode: normalizeInput(event.userCode) }
          : {},
    }),
    holdPin: assign({
      secrets: ({ event }) => (event.type === 'user.submitPin' ? { pin: normalizeInput(event.pin) } : {}),
    }),
    showInputError: assign({
      inputError: ({ event }, params: { code: ErrorCode }) => {
        const attemptsLeft = attemptsLeftOf(event);
        return attemptsLeft === undefined ? { code: params.code } : { code: params.code, attemptsLeft };
      },
    }),
    showRejectionAsInputError: assign({
      inputError: ({ event }, params: { fallback: ErrorCode }) => {
        const code = errorCodeOf(rejectionOf(event), params.fallback);
        const attemptsLeft = attemptsLeftOf(event);
        return attemptsLeft === undefined ? { code } : { code, attemptsLeft };
      },
    }),
    clearInputError: assign({ inputError: () => null }),
    storeActivation: assign({
      activation: (_, params: VerifyIdentityOutput) => ({
        activationId: params.activationId,
        expiresAt: params.expiresAt,
        acceptedAt: params.acceptedAt ?? null,
      }),
    }),
    storeAcceptance: assign({
      activation: ({ context }, params: { acceptedAt: string }) =>
        context.activation === null ? null : { ...context.activation, acceptedAt: params.acceptedAt },
    }),
    storePossessionProof: assign({ possessionProof: (_, params: { proof: PossessionProof }) => params.proof }),
    countAcceptRetry: assign({ acceptRetries: ({ context }) => context.acceptRetries + 1 }),
    resetAcceptRetries: assign({ acceptRetries: () => 0 }),
    countCompleteRetry: assign({ completeRetries: ({ context }) => context.completeRetries + 1 }),
    resetAttempts: assign({ attemptsLeft: () => null }),
  },
  delays: {
    idleTimeout: ({ context }) => context.timing.idleTimeout,
    stillThereTimeout: ({ context }) => context.timing.stillThereTimeout,
    reinsertGrace: ({ context }) => context.timing.reinsertGrace,
    acceptRetryDelay: ({ context }) => backoff(context.timing.acceptRetryBaseDelay, context.acceptRetries),
    completeRetryDelay: ({ context }) =>
      backoff(context.timing.completeRetryBaseDelay, context.completeRetries, context.timing.completeRetryMaxDelay),
    finishedScreenTimeout: ({ context }) => context.timing.finishedScreenTimeout,
    failureScreenTimeout: ({ context }) => context.timing.failureScreenTimeout,
    staffWaitTimeout: ({ context }) => context.timing.staffWaitTimeout,
    selfcheckRetryDelay: ({ context }) => context.timing.selfcheckRetryDelay,
  },
});

type SessionConfig = Parameters<typeof sessionSetup.createMachine>[0];
/** A set of sibling states, typed by the setup above: each phase file `satisfies` it. */
export type SessionStates = NonNullable<SessionConfig['states']>;

/** Entry actions every screen gets from its meta: read the clock, stamp its deadline, note where to resume. */
export function screen<const M extends SessionMeta>(meta: M) {
  return {
    meta,
    entry: [
      'readClock' as const,
      ...(meta.timer === undefined ? [] : [{ type: 'stampDeadline' as const, params: { timer: meta.timer } }]),
      ...(meta.resumeAt === undefined ? [] : [{ type: 'recordResumePoint' as const, params: { at: meta.resumeAt } }]),
    ],
  };
}

/** A request in flight: the user cannot cancel half-way (staff can abort; the card can be pulled). */
export const ignoreCancel = { 'user.cancel': {} } as const;
