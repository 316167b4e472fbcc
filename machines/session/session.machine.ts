// The kiosk session statechart: both activation paths of FLOWS.md and every error of CONTRACT.md
// section 5 as explicit states. Pure: every effect is a named actor (actors.ts) or a named action,
// every timer a named delay, all supplied or overridden with `.provide()` by whoever runs it.
//
// docs/states.md is the table of every state (npm run states prints it from this definition).
import { assign, not, setup, type MetaObject } from 'xstate';
import {
  ERRORS,
  errorCodeOf,
  type ActivationPath,
  type CardData,
  type CardRecordStatus,
  type ErrorCode,
  type InputErrorCode,
  type Language,
  type Screen,
  type Selfcheck,
  type StaffEvent,
  type UserEvent,
} from '../contract/index.ts';
import {
  checkPersonalId,
  isValidEmail,
  isValidPin,
  isValidUserCode,
  normalizeInput,
  parseBirthDate,
} from '../validators/index.ts';
import {
  unprovidedActors,
  type AcceptCertificateInput,
  type IdentifyCardOutput,
  type SetPinInput,
  type VerifyIdentityInput,
  type VerifyIdentityOutput,
} from './actors.ts';

// ---------------------------------------------------------------------------------------------
// Timing

/** Every timer of the machine, in milliseconds. Each one is also a named delay of `setup()`. */
export interface SessionTiming {
  /** How long an input screen waits before asking "are you still there?". */
  readonly idleTimeout: number;
  /** How long "are you still there?" waits for an answer; WCAG 2.2.1 asks for at least 20 s. */
  readonly stillThereTimeout: number;
  /** How long a removed card may be put back before the session ends. */
  readonly reinsertGrace: number;
  /** The first back-off before resending an acceptance after 3125; doubles on each retry. */
  readonly acceptRetryBaseDelay: number;
  /** How many times an acceptance is resent after 3125 before the user is told. */
  readonly acceptRetryLimit: number;
  /** How long the "activated" screen stays before the screen is wiped. */
  readonly finishedScreenTimeout: number;
  /** How long a failure screen stays before the screen is wiped. */
  readonly failureScreenTimeout: number;
  /** How long "staff is on the way" waits before the session ends. */
  readonly staffWaitTimeout: number;
  /** How often an out-of-service kiosk checks its reader again by itself. */
  readonly selfcheckRetryDelay: number;
}

export const MIN_STILL_THERE_TIMEOUT = 20_000;

export const DEFAULT_TIMING: SessionTiming = {
  idleTimeout: 90_000,
  stillThereTimeout: 30_000,
  reinsertGrace: 30_000,
  acceptRetryBaseDelay: 1_000,
  acceptRetryLimit: 3,
  finishedScreenTimeout: 20_000,
  failureScreenTimeout: 120_000,
  staffWaitTimeout: 300_000,
  selfcheckRetryDelay: 30_000,
};

/** The timers a screen can wait on; the view's `deadline` says when the current one fires. */
export type ScreenTimer =
  | 'idleTimeout'
  | 'stillThereTimeout'
  | 'reinsertGrace'
  | 'finishedScreenTimeout'
  | 'failureScreenTimeout'
  | 'staffWaitTimeout'
  | 'selfcheckRetryDelay';

// ---------------------------------------------------------------------------------------------
// Context

/**
 * Secrets typed by the user. They live here only until the actor that needs them has finished
 * (or the user leaves the screen), and never reach a view or a persisted snapshot.
 */
export interface SessionSecrets {
  readonly userCode?: string;
  readonly responsibleId?: string;
  readonly birthDate?: string;
  readonly contactEmail?: string;
  readonly newUserCode?: string;
  readonly pin?: string;
}

export interface InputError {
  readonly code: ErrorCode;
  readonly attemptsLeft?: number;
}

export interface Activation {
  readonly activationId: string;
  readonly expiresAt: string;
  readonly acceptedAt: string | null;
}

export interface SessionContext {
  readonly lang: Language;
  /** The language a new session starts in. */
  readonly defaultLang: Language;
  readonly timing: SessionTiming;
  /** The clock as last read (ISO), by `readClock` on entering a state. */
  readonly now: string | null;
  /** When the current screen's timer fires (ISO); shown only on screens that have one. */
  readonly deadline: string | null;
  readonly card: CardData | null;
  /** How the registry says the card was issued. */
  readonly route: ActivationPath | null;
  readonly recordStatus: CardRecordStatus | null;
  readonly attemptsLeft: number | null;
  /** What the user chose; differs from `route` only on the way to WRONG_PATH. */
  readonly chosenPath: ActivationPath | null;
  readonly activation: Activation | null;
  /** An input check or a 3005, shown on the input screen itself. */
  readonly inputError: InputError | null;
  /** The screen an interruption (still there?, staff, card removed, restart) returns to. */
  readonly resumeAt: ResumeTarget | null;
  /** Where "try again" on the 3125 failure screen goes: the step whose request failed. */
  readonly retryAt: ResumeTarget | null;
  readonly acceptRetries: number;
  /**
   * How many sessions in a row ended on CARD_NOT_DETECTED. Kept when a session is wiped (it says
   * nothing about the user): the second one in a row offers staff rather than another reinsertion.
   */
  readonly cardNotDetectedInARow: number;
  readonly secrets: SessionSecrets;
}

export interface SessionInput {
  readonly lang?: Language;
  readonly timing?: Partial<SessionTiming>;
}

function resolveTiming(overrides: Partial<SessionTiming> | undefined): SessionTiming {
  const timing = { ...DEFAULT_TIMING, ...overrides };
  return { ...timing, stillThereTimeout: Math.max(MIN_STILL_THERE_TIMEOUT, timing.stillThereTimeout) };
}

/** A fresh session: what every session ends with, so nothing of the last user stays behind. */
export function initialSessionContext(timing: SessionTiming, lang: Language): SessionContext {
  return {
    lang,
    defaultLang: lang,
    timing,
    now: null,
    deadline: null,
    card: null,
    route: null,
    recordStatus: null,
    attemptsLeft: null,
    chosenPath: null,
    activation: null,
    inputError: null,
    resumeAt: null,
    retryAt: null,
    acceptRetries: 0,
    cardNotDetectedInARow: 0,
    secrets: {},
  };
}

/** CARD_NOT_DETECTED this many times in a row: the failure screen offers staff. */
export const CARD_NOT_DETECTED_STAFF_AFTER = 2;

// ---------------------------------------------------------------------------------------------
// Events

export type CardAgentEvent =
  | { readonly type: 'card.inserted'; readonly reader: string; readonly atr?: string; readonly at?: string }
  | { readonly type: 'card.removed'; readonly reader: string; readonly at?: string }
  | { readonly type: 'reader.attached'; readonly reader: string; readonly at?: string }
  | { readonly type: 'reader.detached'; readonly reader: string; readonly at?: string };

/** Section 3 (user and staff) plus the card agent's events, mapped 1:1 by type. */
export type SessionEvent = UserEvent | StaffEvent | CardAgentEvent;

// ---------------------------------------------------------------------------------------------
// Meta: what the UI, the view and docs/states.md read

export type StepName = 'insert' | 'choose' | 'identify' | 'confirm' | 'contact' | 'accept' | 'pin' | 'done';

export interface Step {
  readonly index: number;
  readonly of: number;
}

/** The steps of each path (FLOWS.md): path B adds the contact step. */
export const STEPS: Readonly<Record<ActivationPath, readonly StepName[]>> = {
  'self-applied': ['insert', 'choose', 'identify', 'confirm', 'accept', 'pin', 'done'],
  'registration-bundled': ['insert', 'choose', 'identify', 'confirm', 'contact', 'accept', 'pin', 'done'],
};

export type StepsByPath = Partial<Record<ActivationPath, Step>>;

function step(name: StepName): StepsByPath {
  const byPath: Partial<Record<ActivationPath, Step>> = {};
  for (const path of Object.keys(STEPS) as ActivationPath[]) {
    const steps = STEPS[path];
    const index = steps.indexOf(name);
    if (index >= 0) byPath[path] = { index: index + 1, of: steps.length };
  }
  return byPath;
}

/** Which failure state each contract code lands in (READER_NOT_FOUND: outOfService; 3005 and input codes: the input screen). */
export const FAILURE_STATES = {
  WRONG_PATH: 'wrongPathChosen',
  LOCKED: 'cardLocked',
  '27011': 'usedBeforeActivation',
  '4931': 'certificateRevoked',
  SUSPENDED: 'certificateSuspended',
  ALREADY_ACTIVATED: 'alreadyActivated',
  CERT_EXPIRED: 'certificateExpired',
  '3125': 'registryUnreachable',
  CARD_NOT_DETECTED: 'cardNotDetected',
  CARD_UNREADABLE: 'cardUnreadable',
  UNKNOWN_CARD: 'cardUnknown',
  CARD_MISMATCH: 'cardMismatch',
  CARD_SWAPPED: 'cardSwapped',
  DATA_DISPUTED: 'cardDataDisputed',
  SESSION_EXPIRED: 'activationExpired',
  BAD_REQUEST: 'requestRejected',
} as const satisfies Partial<Record<ErrorCode, string>>;

type FailureCode = keyof typeof FAILURE_STATES;
type FailureState = (typeof FAILURE_STATES)[FailureCode];

const FAILURE_STATE_NAMES: ReadonlySet<string> = new Set(Object.values(FAILURE_STATES));

/** The states an interruption or a restart can return to: every screen but the interruptions themselves. */
export const RESUME_TARGETS = [
  'identifyingCard',
  'awaitingPathChoice',
  'awaitingUserCode',
  'awaitingResponsibleId',
  'awaitingCardDataConfirmation',
  'awaitingContact',
  'awaitingPin',
  'activated',
  // A swapped card is not a place to return to: removing it goes back to waiting for the first one.
  ...(Object.values(FAILURE_STATES).filter((state) => state !== 'cardSwapped') as Exclude<FailureState, 'cardSwapped'>[]),
] as const;
export type ResumeTarget = (typeof RESUME_TARGETS)[number];

/**
 * Where a state resumes: itself, or for a state that needs secrets (or is mid-request), the screen
 * where the user re-enters them. The two symbolic ones depend on the path.
 */
export type ResumeSpec = ResumeTarget | 'identityInput' | 'beforeAccepting';

export function resolveResume(spec: ResumeSpec, context: Pick<SessionContext, 'route'>): ResumeTarget {
  const bundled = context.route === 'registration-bundled';
  if (spec === 'identityInput') return bundled ? 'awaitingResponsibleId' : 'awaitingUserCode';
  if (spec === 'beforeAccepting') return bundled ? 'awaitingContact' : 'awaitingCardDataConfirmation';
  return spec;
}

export interface SessionMeta extends MetaObject {
  readonly screen: Screen;
  readonly description: string;
  readonly step?: StepsByPath;
  /** The timer this screen waits on; its deadline goes into the view. */
  readonly timer?: ScreenTimer;
  /** Where to come back to after an interruption or a restart (see restoreSnapshot). */
  readonly resumeAt?: ResumeSpec;
  /** The error a `failed` (or `outOfService`) state stands for. */
  readonly error?: ErrorCode;
}

export type SessionTag = 'busy' | 'needsUser' | 'needsStaff' | 'failure';

// ---------------------------------------------------------------------------------------------
// Helpers for guards and actions

/** What an actor rejected with (the machine only sees it on `xstate.error.actor.*`). */
function rejectionOf(event: unknown): unknown {
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

function isBirthDateAcceptable(raw: string | undefined, now: string | null): boolean {
  if (raw === undefined || normalizeInput(raw) === '') return true;
  return parseBirthDate(raw, now === null ? new Date() : new Date(now)).ok;
}

function pinBoundsOf(card: CardData | null) {
  return card === null ? undefined : { minLength: card.pinFlags.minPinLength, maxLength: card.pinFlags.maxPinLength };
}

function verifyInputOf(context: SessionContext): VerifyIdentityInput {
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

function acceptInputOf(context: SessionContext): AcceptCertificateInput {
  const activationId = context.activation?.activationId ?? '';
  const { contactEmail, newUserCode } = context.secrets;
  if (context.route !== 'registration-bundled') return { activationId };
  return { activationId, contactEmail: contactEmail ?? '', newUserCode: newUserCode ?? '' };
}

function setPinInputOf(context: SessionContext): SetPinInput {
  return { activationId: context.activation?.activationId ?? '', newPin: context.secrets.pin ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Setup

const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput | undefined,
    tags: {} as SessionTag,
    meta: {} as SessionMeta,
  },
  actors: unprovidedActors,
  guards: {
    isReaderDown: (_, params: { selfcheck: Selfcheck }) => !isReaderUp(params.selfcheck),
    isCardReady: (_, params: { selfcheck: Selfcheck }) =>
      checkPassed(params.selfcheck, 'card') && checkPassed(params.selfcheck, 'token'),
    isCardMissing: (_, params: { selfcheck: Selfcheck }) => !checkPassed(params.selfcheck, 'card'),
    isOutsideValidity: ({ context }, params: { validFrom: string; validTo: string }) => {
      const now = context.now === null ? Date.now() : Date.parse(context.now);
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
    isSelfApplied: ({ context }) => context.route !== 'registration-bundled',
    isOnRoute: ({ context }, params: { route: ActivationPath }) => isOnRoute(context, params.route),
    isIssuedRoute: ({ context, event }) => event.type === 'user.choosePath' && event.path === context.route,
    isIssuedRouteChosen: ({ context, event }, params: { route: ActivationPath }) =>
      event.type === 'user.choosePath' && event.path === params.route && context.route === params.route,
    isUserCodeWellFormed: ({ event }) =>
      event.type === 'user.submitUserCode' && isValidUserCode(normalizeInput(event.userCode)),
    isIdWellFormed: ({ event }) =>
      event.type === 'user.submitResponsibleId' && checkPersonalId(event.responsibleId).formatOk,
    isBirthDateWellFormed: ({ context, event }) =>
      event.type === 'user.submitResponsibleId' && isBirthDateAcceptable(event.birthDate, context.now),
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
    isFailedWith: ({ context, event }, params: { codes: readonly ErrorCode[]; fallback: ErrorCode; route?: ActivationPath }) =>
      params.codes.includes(errorCodeOf(rejectionOf(event), params.fallback)) && isOnRoute(context, params.route),
    isLockedOut: ({ event }) => errorCodeOf(rejectionOf(event), '3125') === '3005' && attemptsLeftOf(event) === 0,
    canRetryAcceptance: ({ context, event }) =>
      errorCodeOf(rejectionOf(event), '3125') === '3125' && context.acceptRetries < context.timing.acceptRetryLimit,
    isAlreadyAccepted: (_, params: { acceptedAt: string | undefined }) => params.acceptedAt !== undefined,
    isResumingAt: ({ context }, params: { at: ResumeTarget; route?: ActivationPath }) =>
      context.resumeAt === params.at && isOnRoute(context, params.route),
    isRetryingAt: ({ context }, params: { at: ResumeTarget }) => context.retryAt === params.at,
    isHoldingContact: ({ context }) =>
      context.retryAt === 'awaitingContact' &&
      context.secrets.contactEmail !== undefined &&
      context.secrets.newUserCode !== undefined,
  },
  actions: {
    readClock: assign({ now: () => new Date().toISOString() }),
    stampDeadline: assign({
      deadline: ({ context }, params: { timer: ScreenTimer }) => {
        const now = context.now === null ? Date.now() : Date.parse(context.now);
        return new Date(now + context.timing[params.timer]).toISOString();
      },
    }),
    recordResumePoint: assign({
      resumeAt: ({ context }, params: { at: ResumeSpec }) => resolveResume(params.at, context),
    }),
    // A failure met on the way back to a failure screen keeps the step that failed first.
    recordRetryPoint: assign({
      retryAt: ({ context }) =>
        context.resumeAt !== null && FAILURE_STATE_NAMES.has(context.resumeAt) ? context.retryAt : context.resumeAt,
    }),
    forgetSecrets: assign({ secrets: () => ({}) }),
    // After 3125 on path B the e-mail and new user code stay (engine memory only) so that "try
    // again" resends the acceptance without retyping; every other exit forgets them.
    forgetSecretsButContact: assign({
      secrets: ({ context }) => {
        const { contactEmail, newUserCode } = context.secrets;
        return context.route === 'registration-bundled' && contactEmail !== undefined && newUserCode !== undefined
          ? { contactEmail, newUserCode }
          : {};
      },
    }),
    wipeSession: assign(({ context }) => ({
      ...initialSessionContext(context.timing, context.defaultLang),
      cardNotDetectedInARow: context.cardNotDetectedInARow,
    })),
    countCardNotDetected: assign({ cardNotDetectedInARow: ({ context }) => context.cardNotDetectedInARow + 1 }),
    resetCardNotDetected: assign({ cardNotDetectedInARow: () => 0 }),
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
        const birth =
          event.birthDate === undefined || normalizeInput(event.birthDate) === ''
            ? undefined
            : parseBirthDate(event.birthDate, context.now === null ? new Date() : new Date(context.now));
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
    countAcceptRetry: assign({ acceptRetries: ({ context }) => context.acceptRetries + 1 }),
    resetAcceptRetries: assign({ acceptRetries: () => 0 }),
    resetAttempts: assign({ attemptsLeft: () => null }),
  },
  delays: {
    idleTimeout: ({ context }) => context.timing.idleTimeout,
    stillThereTimeout: ({ context }) => context.timing.stillThereTimeout,
    reinsertGrace: ({ context }) => context.timing.reinsertGrace,
    acceptRetryDelay: ({ context }) => context.timing.acceptRetryBaseDelay * 2 ** Math.max(0, context.acceptRetries - 1),
    finishedScreenTimeout: ({ context }) => context.timing.finishedScreenTimeout,
    failureScreenTimeout: ({ context }) => context.timing.failureScreenTimeout,
    staffWaitTimeout: ({ context }) => context.timing.staffWaitTimeout,
    selfcheckRetryDelay: ({ context }) => context.timing.selfcheckRetryDelay,
  },
});

/**
 * Replaces how the machine reads the clock (deadlines, certificate validity, birth dates), for
 * tests on a SimulatedClock: `sessionMachine.provide({ actions: { readClock: readClockFrom(() => clock.now()) } })`.
 */
export function readClockFrom(now: () => number): ProvidedAction<'readClock'> {
  // assign() is typed as emitting nothing; the machine's slot allows any emitted event.
  return sessionSetup.assign({ now: () => new Date(now()).toISOString() }) as unknown as ProvidedAction<'readClock'>;
}

// ---------------------------------------------------------------------------------------------
// State-config building blocks

/** Entry actions every screen gets from its meta: read the clock, stamp its deadline, note where to resume. */
function screen<const M extends SessionMeta>(meta: M, also: readonly ('forgetSecrets' | 'forgetSecretsButContact')[] = []) {
  return {
    meta,
    entry: [
      'readClock' as const,
      ...(meta.timer === undefined ? [] : [{ type: 'stampDeadline' as const, params: { timer: meta.timer } }]),
      ...(meta.resumeAt === undefined ? [] : [{ type: 'recordResumePoint' as const, params: { at: meta.resumeAt } }]),
      ...also,
    ],
  };
}

const END_SESSION = '#kioskSession.awaitingCard';
const OUT_OF_SERVICE = '#kioskSession.outOfService';

/**
 * An actor's failure, routed by its contract code: to outOfService, to the failure state for the
 * code, or (an input code or 3005 where none can come) to requestRejected. `fallback` is the code a
 * rejection without one counts as. Secrets are forgotten before any failure settles.
 */
function routeFailure(fallback: ErrorCode) {
  return [
    {
      guard: { type: 'isFailedWith' as const, params: { codes: ['READER_NOT_FOUND'] as ErrorCode[], fallback } },
      target: OUT_OF_SERVICE,
      actions: ['forgetSecrets' as const],
    },
    ...(Object.entries(FAILURE_STATES) as [FailureCode, string][]).map(([code, state]) => ({
      guard: { type: 'isFailedWith' as const, params: { codes: [code] as ErrorCode[], fallback } },
      target: `#session.${state}`,
      actions: ['forgetSecrets' as const, 'recordRetryPoint' as const],
    })),
    { target: '#session.requestRejected', actions: ['forgetSecrets' as const, 'recordRetryPoint' as const] },
  ];
}

/** Back to where the user was, by `context.resumeAt`; with nothing to resume the session ends. */
const resume = [
  ...RESUME_TARGETS.map((at) => ({
    guard: { type: 'isResumingAt' as const, params: { at } },
    target: `#session.${at}`,
  })),
  { target: END_SESSION },
];

/** "Try again" after 3125: back to the step whose request failed. */
const retry = [
  ...RESUME_TARGETS.map((at) => ({
    guard: { type: 'isRetryingAt' as const, params: { at } },
    target: `#session.${at}`,
  })),
  { target: '#session.awaitingPathChoice' },
];

const IDENTITY_INPUT = {
  'self-applied': '#session.awaitingUserCode',
  'registration-bundled': '#session.awaitingResponsibleId',
} as const satisfies Record<ActivationPath, string>;

/** The codes a verification may answer that belong on the identity input of each path. */
const IDENTITY_INPUT_CODES: Record<ActivationPath, ErrorCode[]> = {
  'self-applied': ['3005', 'USER_CODE_FORMAT'],
  'registration-bundled': ['3005', 'ID_FORMAT', 'BIRTH_DATE_FORMAT', 'BIRTH_DATE_REQUIRED'],
};

/** The identity input screen of the card's path. */
const toIdentityInput = (Object.entries(IDENTITY_INPUT) as [ActivationPath, string][]).map(([route, target]) => ({
  guard: { type: 'isOnRoute' as const, params: { route } },
  target,
}));

/** The user chose the path the card was issued by: on to its identity input. */
const toChosenIdentityInput = (Object.entries(IDENTITY_INPUT) as [ActivationPath, string][]).map(([route, target]) => ({
  guard: { type: 'isIssuedRouteChosen' as const, params: { route } },
  target,
  actions: ['storeChosenPath' as const, 'clearInputError' as const],
}));

/** Waiting on a person who is typing or reading: idle timeout asks "still there?". */
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

/** A value that fails `check` keeps the user on `screenState`, with `code` shown on the field. */
function rejectUnless(check: CheckedInput, screenState: string, code: InputErrorCode) {
  return {
    guard: not(check),
    target: screenState,
    reenter: true,
    actions: { type: 'showInputError' as const, params: { code } },
  };
}

const idle = { idleTimeout: { target: '#session.awaitingPresence' } };

/** A request in flight: the user cannot cancel half-way (staff can abort; the card can be pulled). */
const busyOn = { 'user.cancel': {} };

function failureTags(code: ErrorCode): SessionTag[] {
  return ['failure', ERRORS[code].remedy === 'staff' ? 'needsStaff' : 'needsUser'];
}

/** A failure screen: says the code, forgets secrets, wipes itself after a while. */
function failure(
  code: FailureCode,
  description: string,
  resumeAt?: ResumeTarget,
  forget: 'forgetSecrets' | 'forgetSecretsButContact' = 'forgetSecrets',
) {
  return {
    ...screen(
      {
        screen: 'failed',
        description,
        error: code,
        timer: 'failureScreenTimeout',
        ...(resumeAt === undefined ? {} : { resumeAt }),
      },
      [forget],
    ),
    tags: failureTags(code),
    after: { failureScreenTimeout: { target: END_SESSION } },
  };
}

const endOnCardRemoval = { 'card.removed': { target: END_SESSION } };

// ---------------------------------------------------------------------------------------------
// The machine

export const sessionMachine = sessionSetup.createMachine({
  id: 'kioskSession',
  context: ({ input }) =>
    initialSessionContext(resolveTiming(input?.timing), input?.lang ?? 'zh-TW'),
  initial: 'checkingReader',
  on: {
    'user.setLanguage': { actions: 'setLanguage' },
  },
  states: {
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
            target: 'outOfService',
          },
          {
            guard: { type: 'isCardReady', params: ({ event }) => ({ selfcheck: event.output }) },
            target: '#session.readingCard',
          },
          { target: 'awaitingCard' },
        ],
        onError: { target: 'outOfService' },
      },
      // What the reader or the agent says while the check is in flight may make its answer stale
      // (an agent that announces itself has just started answering): check again at once, never drop it.
      on: {
        'reader.attached': { target: 'checkingReader', reenter: true },
        'reader.detached': { target: 'checkingReader', reenter: true },
        'card.inserted': { target: 'checkingReader', reenter: true },
        'card.removed': { target: 'checkingReader', reenter: true },
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
      after: { selfcheckRetryDelay: { target: 'checkingReader' } },
      on: {
        'reader.attached': { target: 'checkingReader' },
        // A card put in means a reader (and an agent) that works again: no need to wait for the timer.
        'card.inserted': { target: 'checkingReader' },
        'staff.resume': { target: 'checkingReader' },
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
        'card.inserted': { target: 'session' },
        'reader.detached': { target: 'outOfService' },
        'user.callStaff': { target: '#session.awaitingStaff' },
      },
    },

    session: {
      id: 'session',
      initial: 'checkingCard',
      // Leaving the session, however it ends, wipes everything the user entered or was shown.
      exit: 'wipeSession',
      on: {
        'card.removed': { target: '.awaitingReinsertion' },
        'reader.detached': { target: OUT_OF_SERVICE },
        'user.callStaff': { target: '.awaitingStaff' },
        'user.cancel': { target: END_SESSION },
        'staff.abort': { target: END_SESSION },
        'staff.takeCard': { target: END_SESSION },
      },
      states: {
        // ---- reading the card ----------------------------------------------------------------
        checkingCard: {
          ...screen({
            screen: 'readingCard',
            description: 'Per-session self-test with the card in: service, reader, card, token (no PIN).',
            step: step('insert'),
          }),
          tags: ['busy'],
          on: { ...busyOn, ...endOnCardRemoval },
          invoke: {
            id: 'selfcheck',
            src: 'selfcheck',
            input: { expectCard: true },
            onDone: [
              {
                guard: { type: 'isReaderDown', params: ({ event }) => ({ selfcheck: event.output }) },
                target: OUT_OF_SERVICE,
              },
              {
                guard: { type: 'isCardReady', params: ({ event }) => ({ selfcheck: event.output }) },
                target: 'readingCard',
              },
              {
                guard: { type: 'isCardMissing', params: ({ event }) => ({ selfcheck: event.output }) },
                target: 'cardNotDetected',
              },
              { target: 'cardUnreadable' },
            ],
            onError: routeFailure('READER_NOT_FOUND'),
          },
        },

        readingCard: {
          ...screen({
            screen: 'readingCard',
            description: 'Reading the card number and certificate from the token.',
            step: step('insert'),
          }),
          tags: ['busy'],
          on: { ...busyOn, ...endOnCardRemoval },
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
                target: 'certificateExpired',
                actions: { type: 'storeCardData', params: ({ event }) => ({ card: event.output }) },
              },
              {
                target: 'identifyingCard',
                actions: ['resetCardNotDetected', { type: 'storeCardData', params: ({ event }) => ({ card: event.output }) }],
              },
            ],
            onError: routeFailure('CARD_UNREADABLE'),
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
          on: busyOn,
          invoke: {
            id: 'identifyCard',
            src: 'identifyCard',
            input: ({ context }) => ({
              cardNumber: context.card?.cardNumber ?? '',
              certSerial: context.card?.certSerial ?? '',
              certificateKeySha256: context.card?.certificateKeySha256 ?? '',
            }),
            onDone: [
              ...(
                [
                  [['revoked'], 'certificateRevoked'],
                  [['suspended'], 'certificateSuspended'],
                  [['activated'], 'alreadyActivated'],
                  // A returned card was taken in at a counter after 27011; it belongs with staff again.
                  [['used-before-activation', 'returned'], 'usedBeforeActivation'],
                  [['locked'], 'cardLocked'],
                ] as const
              ).map(([expected, target]) => ({
                guard: {
                  type: 'hasRecordStatus' as const,
                  params: ({ event }: { event: { output: IdentifyCardOutput } }) => ({
                    actual: event.output.status,
                    expected,
                  }),
                },
                target,
                actions: { type: 'storeIdentity' as const, params: ({ event }: { event: { output: IdentifyCardOutput } }) => event.output },
              })),
              {
                guard: { type: 'hasNoAttemptsLeft', params: ({ event }) => ({ attemptsLeft: event.output.attemptsLeft }) },
                target: 'cardLocked',
                actions: { type: 'storeIdentity', params: ({ event }) => event.output },
              },
              {
                guard: { type: 'wasCardUsedBeforeActivation', params: ({ context }) => ({ card: context.card }) },
                target: 'usedBeforeActivation',
                actions: { type: 'storeIdentity', params: ({ event }) => event.output },
              },
              {
                target: 'awaitingPathChoice',
                actions: { type: 'storeIdentity', params: ({ event }) => event.output },
              },
            ],
            onError: routeFailure('3125'),
          },
        },

        // ---- choosing the path and proving identity ---------------------------------------------
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
              { guard: not('isIssuedRoute'), target: 'wrongPathChosen', actions: 'storeChosenPath' },
              ...toChosenIdentityInput,
            ],
            'user.reset': { target: 'awaitingPathChoice', reenter: true },
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
              rejectUnless('isUserCodeWellFormed', 'awaitingUserCode', 'USER_CODE_FORMAT'),
              { target: 'verifying', actions: ['holdUserCode', 'clearInputError'] },
            ],
            'user.reset': { target: 'awaitingUserCode', reenter: true, actions: 'clearInputError' },
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
              rejectUnless('isIdWellFormed', 'awaitingResponsibleId', 'ID_FORMAT'),
              rejectUnless('isBirthDateWellFormed', 'awaitingResponsibleId', 'BIRTH_DATE_FORMAT'),
              {
                guard: not('isIdChecksumValid'),
                target: 'awaitingIdConfirmation',
                actions: ['holdResponsibleId', 'clearInputError'],
              },
              { target: 'verifying', actions: ['holdResponsibleId', 'clearInputError'] },
            ],
            'user.reset': { target: 'awaitingResponsibleId', reenter: true, actions: 'clearInputError' },
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
          tags: ['needsUser'],
          after: idle,
          on: {
            'user.confirmIdWarning': { target: 'verifying' },
            'staff.overrideIdWarning': { target: 'verifying' },
            'user.correctId': { target: 'awaitingResponsibleId', actions: 'forgetSecrets' },
            'user.reset': { target: 'awaitingResponsibleId', actions: 'forgetSecrets' },
          },
        },

        verifying: {
          ...screen({
            screen: 'verifying',
            description: 'The registry checks the user code (A) or the ID and birth date (B); it counts wrong attempts.',
            step: step('identify'),
            resumeAt: 'identityInput',
          }),
          tags: ['busy'],
          on: busyOn,
          invoke: {
            id: 'verifyIdentity',
            src: 'verifyIdentity',
            input: ({ context }) => verifyInputOf(context),
            onDone: [
              {
                guard: { type: 'isAlreadyAccepted', params: ({ event }) => ({ acceptedAt: event.output.acceptedAt }) },
                target: 'awaitingPin',
                actions: ['forgetSecrets', 'clearInputError', { type: 'storeActivation', params: ({ event }) => event.output }],
              },
              {
                target: 'awaitingCardDataConfirmation',
                actions: ['forgetSecrets', 'clearInputError', { type: 'storeActivation', params: ({ event }) => event.output }],
              },
            ],
            onError: [
              { guard: 'isLockedOut', target: 'cardLocked', actions: 'forgetSecrets' },
              // The registry's own input checks come back to the screen of what it checked.
              ...(Object.entries(IDENTITY_INPUT) as [ActivationPath, string][]).map(([route, target]) => ({
                guard: {
                  type: 'isFailedWith' as const,
                  params: { codes: IDENTITY_INPUT_CODES[route], fallback: '3125' as ErrorCode, route },
                },
                target,
                actions: [
                  'forgetSecrets' as const,
                  {
                    type: 'showInputError' as const,
                    params: ({ event }: { event: unknown }) => ({ code: errorCodeOf(rejectionOf(event), '3005') }),
                  },
                ],
              })),
              ...routeFailure('3125'),
            ],
          },
        },

        // ---- confirming, accepting -----------------------------------------------------------
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
              { guard: 'isSelfApplied', target: 'accepting', actions: 'resetAcceptRetries' },
              { target: 'awaitingContact' },
            ],
            'user.disputeCardData': { target: 'cardDataDisputed' },
            'user.reset': { target: 'awaitingCardDataConfirmation', reenter: true },
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
              rejectUnless('isEmailWellFormed', 'awaitingContact', 'EMAIL_FORMAT'),
              rejectUnless('isNewUserCodeWellFormed', 'awaitingContact', 'USER_CODE_FORMAT'),
              rejectUnless('doNewUserCodesMatch', 'awaitingContact', 'USER_CODE_MISMATCH'),
              { target: 'accepting', actions: ['holdContact', 'clearInputError', 'resetAcceptRetries'] },
            ],
            'user.reset': { target: 'awaitingContact', reenter: true, actions: 'clearInputError' },
          },
        },

        accepting: {
          ...screen({
            screen: 'accepting',
            description: 'Recording the acceptance at the registry (idempotent: resending cannot record it twice).',
            step: step('accept'),
            resumeAt: 'beforeAccepting',
          }),
          tags: ['busy'],
          on: busyOn,
          invoke: {
            id: 'acceptCertificate',
            src: 'acceptCertificate',
            input: ({ context }) => acceptInputOf(context),
            onDone: {
              target: 'awaitingPin',
              actions: [
                'forgetSecrets',
                'resetAcceptRetries',
                { type: 'storeAcceptance', params: ({ event }) => ({ acceptedAt: event.output.acceptedAt }) },
              ],
            },
            onError: [
              {
                guard: 'canRetryAcceptance',
                target: 'awaitingAcceptRetry',
                actions: 'countAcceptRetry',
              },
              {
                guard: {
                  type: 'isFailedWith',
                  params: {
                    codes: ['EMAIL_FORMAT', 'USER_CODE_FORMAT', 'USER_CODE_MISMATCH'],
                    fallback: '3125',
                    route: 'registration-bundled',
                  },
                },
                target: 'awaitingContact',
                actions: [
                  'forgetSecrets',
                  {
                    type: 'showInputError',
                    params: ({ event }) => ({ code: errorCodeOf(rejectionOf(event), 'USER_CODE_FORMAT') }),
                  },
                ],
              },
              {
                guard: { type: 'isFailedWith', params: { codes: ['3125'], fallback: '3125' } },
                target: '#session.registryUnreachable',
                actions: ['forgetSecretsButContact', 'recordRetryPoint', 'resetAcceptRetries'],
              },
              ...routeFailure('3125').map((route) => ({
                ...route,
                actions: [...route.actions, 'resetAcceptRetries' as const],
              })),
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
          tags: ['busy'],
          on: busyOn,
          after: { acceptRetryDelay: { target: 'accepting' } },
        },

        // ---- the PIN ---------------------------------------------------------------------------
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
              rejectUnless('isPinWellFormed', 'awaitingPin', 'PIN_FORMAT'),
              rejectUnless('doPinsMatch', 'awaitingPin', 'PIN_MISMATCH'),
              { target: 'settingPin', actions: ['holdPin', 'clearInputError'] },
            ],
            'user.reset': { target: 'awaitingPin', reenter: true, actions: 'clearInputError' },
          },
        },

        settingPin: {
          ...screen({
            screen: 'settingPin',
            description: 'The card agent fetches the sealed PIN grant and sets the new PIN on the token.',
            step: step('pin'),
            resumeAt: 'awaitingPin',
          }),
          tags: ['busy'],
          on: busyOn,
          invoke: {
            id: 'setPin',
            src: 'setPin',
            input: ({ context }) => setPinInputOf(context),
            onDone: { target: 'activated', actions: 'forgetSecrets' },
            onError: [
              {
                guard: { type: 'isFailedWith', params: { codes: ['PIN_FORMAT'], fallback: 'CARD_UNREADABLE' } },
                target: 'awaitingPin',
                actions: ['forgetSecrets', { type: 'showInputError', params: { code: 'PIN_FORMAT' } }],
              },
              ...routeFailure('CARD_UNREADABLE'),
            ],
          },
        },

        activated: {
          ...screen({
            screen: 'activated',
            description: '恭喜您已完成開卡作業: accepted and PIN set. The card can be taken out.',
            step: step('done'),
            timer: 'finishedScreenTimeout',
            resumeAt: 'activated',
          }),
          after: { finishedScreenTimeout: { target: END_SESSION } },
          on: endOnCardRemoval,
        },

        // ---- interruptions ---------------------------------------------------------------------
        awaitingPresence: {
          ...screen({
            screen: 'stillThere',
            description: 'Idle timeout on an input screen: are you still there? Answer extends; silence ends the session.',
            timer: 'stillThereTimeout',
          }, ['forgetSecrets']),
          tags: ['needsUser'],
          after: { stillThereTimeout: { target: END_SESSION } },
          on: {
            'user.stillHere': resume,
          },
        },

        awaitingStaff: {
          ...screen({
            screen: 'staffAssist',
            description: 'The user called staff. Staff resume (the card is checked again first) or end the session.',
            timer: 'staffWaitTimeout',
          }, ['forgetSecrets']),
          tags: ['needsStaff'],
          after: { staffWaitTimeout: { target: END_SESSION } },
          on: {
            'user.callStaff': {},
            'card.removed': [{ guard: 'hasCardData', target: 'awaitingReinsertion' }, { target: END_SESSION }],
            'staff.resume': [{ guard: 'hasCardData', target: 'checkingReinsertedCard' }, { target: END_SESSION }],
            'staff.unlocked': (Object.entries(IDENTITY_INPUT) as [ActivationPath, string][]).map(([route, target]) => ({
              guard: { type: 'isResumingAt' as const, params: { at: 'cardLocked' as ResumeTarget, route } },
              target,
              actions: 'resetAttempts' as const,
            })),
          },
        },

        awaitingReinsertion: {
          ...screen({
            screen: 'cardRemoved',
            description: 'The card was taken out mid-session: put the same card back within the grace period.',
            timer: 'reinsertGrace',
          }, ['forgetSecrets']),
          tags: ['needsUser'],
          after: { reinsertGrace: { target: END_SESSION } },
          on: {
            'card.removed': {},
            'card.inserted': { target: 'checkingReinsertedCard' },
          },
        },

        checkingReinsertedCard: {
          ...screen({
            screen: 'readingCard',
            description: 'Reading the card put back (or still in, after staff or a restart): the same card resumes.',
          }),
          tags: ['busy'],
          on: busyOn,
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
                target: 'cardSwapped',
              },
              {
                // The card was out of our hands: someone may have tried a PIN on it elsewhere.
                guard: {
                  type: 'wasCardUsedBeforeActivation',
                  params: ({ event }) => ({ card: event.output }),
                },
                target: 'usedBeforeActivation',
                actions: { type: 'storeCardData', params: ({ event }) => ({ card: event.output }) },
              },
              ...resume.map((to) => ({
                ...to,
                actions: { type: 'storeCardData' as const, params: ({ event }: { event: { output: CardData } }) => ({ card: event.output }) },
              })),
            ],
            onError: [
              {
                guard: { type: 'isFailedWith', params: { codes: ['CARD_NOT_DETECTED'], fallback: 'CARD_UNREADABLE' } },
                target: 'awaitingReinsertion',
              },
              ...routeFailure('CARD_UNREADABLE'),
            ],
          },
        },

        // ---- failures (screen `failed`; the code is meta.error) ---------------------------------
        wrongPathChosen: {
          ...failure('WRONG_PATH', 'The user chose the path this card was not issued by: the screen offers the right one.', 'wrongPathChosen'),
          on: {
            ...endOnCardRemoval,
            'user.choosePath': toChosenIdentityInput,
            'user.reset': { target: 'awaitingPathChoice' },
          },
        },

        cardLocked: {
          ...failure('LOCKED', 'Too many wrong user codes / IDs: self-service locked until staff unlock it.', 'cardLocked'),
          on: {
            ...endOnCardRemoval,
            'staff.unlocked': toIdentityInput.map((to) => ({ ...to, actions: 'resetAttempts' as const })),
          },
        },

        usedBeforeActivation: {
          ...failure('27011', 'The card was used before activation finished (PIN count low / locked, or the record says so): staff take it in.', 'usedBeforeActivation'),
          on: endOnCardRemoval,
        },

        certificateRevoked: {
          ...failure('4931', 'The certificate is revoked: nothing to activate.', 'certificateRevoked'),
          on: endOnCardRemoval,
        },

        certificateSuspended: {
          ...failure('SUSPENDED', 'The certificate is suspended: nothing to activate here.', 'certificateSuspended'),
          on: endOnCardRemoval,
        },

        alreadyActivated: {
          ...failure('ALREADY_ACTIVATED', 'The card is already activated: nothing left to do.', 'alreadyActivated'),
          on: endOnCardRemoval,
        },

        certificateExpired: {
          ...failure('CERT_EXPIRED', 'The certificate is outside its validity period (checked against the kiosk clock).', 'certificateExpired'),
          on: endOnCardRemoval,
        },

        registryUnreachable: {
          ...failure(
            '3125',
            'The registry did not answer (after automatic retries for an acceptance). Try again: on path B the e-mail and new user code typed are sent again.',
            'registryUnreachable',
            'forgetSecretsButContact',
          ),
          on: {
            ...endOnCardRemoval,
            'user.reset': [{ guard: 'isHoldingContact', target: 'accepting', actions: 'resetAcceptRetries' }, ...retry],
          },
        },

        cardNotDetected: (() => {
          const base = failure(
            'CARD_NOT_DETECTED',
            'No card detected, or it failed to initialise: take it out and insert it again (the second time in a row: staff).',
            'cardNotDetected',
          );
          return { ...base, entry: [...base.entry, 'countCardNotDetected' as const], on: endOnCardRemoval };
        })(),

        cardUnreadable: {
          ...failure('CARD_UNREADABLE', 'The card answers but its token or certificate cannot be read ("不明連接卡").', 'cardUnreadable'),
          on: endOnCardRemoval,
        },

        cardUnknown: {
          ...failure('UNKNOWN_CARD', 'Not a MOEACA business-certificate card, or unknown to the registry.', 'cardUnknown'),
          on: endOnCardRemoval,
        },

        cardMismatch: {
          ...failure('CARD_MISMATCH', "The card's certificate key (identify) or its proof of possession (complete) is not the registered card's: staff.", 'cardMismatch'),
          on: endOnCardRemoval,
        },

        cardSwapped: {
          // Not a resume point itself: removing this card goes back to waiting for the first one.
          ...failure('CARD_SWAPPED', 'A different card was put back: take it out and insert the first card.'),
          on: {
            'card.removed': { target: 'awaitingReinsertion' },
          },
        },

        cardDataDisputed: {
          ...failure('DATA_DISPUTED', 'The user says the card data is wrong: stop, staff look at it.', 'cardDataDisputed'),
          on: {
            ...endOnCardRemoval,
            'staff.resume': { target: 'awaitingCardDataConfirmation' },
          },
        },

        activationExpired: {
          ...failure('SESSION_EXPIRED', 'The activation id expired: start again from the path choice (identity is proved again).', 'activationExpired'),
          on: { ...endOnCardRemoval, 'user.reset': { target: 'awaitingPathChoice' } },
        },

        requestRejected: {
          ...failure('BAD_REQUEST', 'A request failed validation at the other end: staff look at it.', 'requestRejected'),
          on: endOnCardRemoval,
        },
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;

type ProvidedActions = NonNullable<NonNullable<Parameters<SessionMachine['provide']>[0]>['actions']>;
type ProvidedAction<K extends keyof ProvidedActions> = NonNullable<ProvidedActions[K]>;
