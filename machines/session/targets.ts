// Where the chart goes by table rather than by hand: which failure state each contract code lands
// in, and which states an interruption (or a restart) can return to. Both tables are read in one
// place each: `failed.routing` (failures.states.ts) and `resuming` (interruptions.states.ts).
import type { ActivationPath, ErrorCode } from '../contract/index.ts';

/**
 * Which failure state (a child of `session.failed`) each contract code lands in. READER_NOT_FOUND
 * leaves the session for outOfService; a code missing here (an input code or 3005 where none can
 * come) is `requestRejected`.
 */
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
  NOT_BUSINESS_CARD: 'notBusinessCard',
  CARD_MISMATCH: 'cardMismatch',
  CARD_SWAPPED: 'cardSwapped',
  DATA_DISPUTED: 'cardDataDisputed',
  SESSION_EXPIRED: 'activationExpired',
  BAD_REQUEST: 'requestRejected',
} as const satisfies Partial<Record<ErrorCode, string>>;

export type FailureCode = keyof typeof FAILURE_STATES;
export type FailureState = (typeof FAILURE_STATES)[FailureCode];

export const FAILURE_STATE_NAMES: ReadonlySet<string> = new Set(Object.values(FAILURE_STATES));

export function isFailureCode(code: ErrorCode): code is FailureCode {
  return code in FAILURE_STATES;
}

/** The states an interruption or a restart can return to: every screen but the interruptions themselves. */
export const RESUME_TARGETS = [
  'identifyingCard',
  'awaitingPathChoice',
  'awaitingUserCode',
  'awaitingResponsibleId',
  'awaitingCardDataConfirmation',
  'awaitingContact',
  'awaitingPin',
  'completingActivation',
  'activated',
  // A swapped card is not a place to return to: removing it goes back to waiting for the first one.
  ...(Object.values(FAILURE_STATES).filter((state) => state !== 'cardSwapped') as Exclude<FailureState, 'cardSwapped'>[]),
] as const;
export type ResumeTarget = (typeof RESUME_TARGETS)[number];

/** The state id of a resume target: a failure lives under `session.failed`, every other under `session`. */
export function stateIdOf(target: ResumeTarget | FailureState): string {
  return FAILURE_STATE_NAMES.has(target) ? `session.failed.${target}` : `session.${target}`;
}

/**
 * Where a state resumes: itself, or for a state that needs secrets (or is mid-request), the screen
 * where the user re-enters them. The two symbolic ones depend on the path.
 */
export type ResumeSpec = ResumeTarget | 'identityInput' | 'beforeAccepting';

export function resolveResume(spec: ResumeSpec, context: { readonly route: ActivationPath | null }): ResumeTarget {
  const bundled = context.route === 'registration-bundled';
  if (spec === 'identityInput') return bundled ? 'awaitingResponsibleId' : 'awaitingUserCode';
  if (spec === 'beforeAccepting') return bundled ? 'awaitingContact' : 'awaitingCardDataConfirmation';
  return spec;
}
