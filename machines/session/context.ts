// What the session machine holds (context), hears (events) and tells its readers (meta, tags):
// the types every phase file of the chart shares.
import type { MetaObject } from 'xstate';
import type {
  ActivationPath,
  CardData,
  CardRecordStatus,
  ErrorCode,
  Language,
  PossessionProof,
  Screen,
  StaffEvent,
  UserEvent,
} from '../contract/index.ts';
import type { ResumeSpec, ResumeTarget } from './targets.ts';
import type { ScreenTimer, SessionTiming } from './timing.ts';

// ---------------------------------------------------------------------------------------------
// Context

/**
 * Secrets typed by the user. They live here only while a state that holds them is active (the
 * request that needs them, or the screen about to send them); that state's exit forgets them.
 * They never reach a view or a persisted snapshot.
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
  /**
   * The card's proof of possession, made when its new PIN was set: what `complete` sends. Not a
   * secret (a public key and a signature over the registry's nonce); it is persisted so that an
   * engine restarted between C_InitPIN and `complete` tells the registry without a second PIN.
   */
  readonly possessionProof: PossessionProof | null;
  /** An input check or a 3005, shown on the input screen itself. */
  readonly inputError: InputError | null;
  /** The contract code `failed.routing` routes by (set on the way into `failed`). */
  readonly failureCode: ErrorCode | null;
  /** The screen an interruption (still there?, staff, card removed, restart) returns to. */
  readonly resumeAt: ResumeTarget | null;
  /** Where "try again" on the 3125 failure screen goes: the step whose request failed. */
  readonly retryAt: ResumeTarget | null;
  readonly acceptRetries: number;
  readonly completeRetries: number;
  /**
   * Card reads this session the card agent did not answer (a nats-server or agent restart, a lost
   * reply): the first sends the session back to its self-test once; the card itself is not at fault.
   */
  readonly unansweredCardReads: number;
  /**
   * How many sessions in a row ended on CARD_NOT_DETECTED. Kept when a session is wiped (it says
   * nothing about the user): the second one in a row offers staff rather than another reinsertion.
   */
  readonly cardNotDetectedInARow: number;
  /**
   * Staff turned automatic speech on (`staff.speechOn`): the page speaks each new screen. A setting
   * of the kiosk, not of a user: kept when a session is wiped.
   */
  readonly autoSpeech: boolean;
  /**
   * Whether the card of the session just ended may still be in the reader (set when one is put in,
   * cleared when it is taken out). Kept when a session is wiped: a session that ends with the card
   * in asks for it to be taken out before the insert-card screen comes back.
   */
  readonly cardInReader: boolean;
  readonly secrets: SessionSecrets;
}

export interface SessionInput {
  readonly lang?: Language;
  readonly timing?: Partial<SessionTiming>;
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
    possessionProof: null,
    inputError: null,
    failureCode: null,
    resumeAt: null,
    retryAt: null,
    acceptRetries: 0,
    completeRetries: 0,
    unansweredCardReads: 0,
    cardNotDetectedInARow: 0,
    autoSpeech: false,
    cardInReader: false,
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

/** The user's and staff's events (docs/contract.md) plus the card agent's, mapped 1:1 by type. */
export type SessionEvent = UserEvent | StaffEvent | CardAgentEvent;

// ---------------------------------------------------------------------------------------------
// Meta: what the UI, the view and docs/states.md read

export type StepName = 'insert' | 'choose' | 'identify' | 'confirm' | 'contact' | 'accept' | 'pin' | 'done';

export interface Step {
  readonly index: number;
  readonly of: number;
}

/** The steps of each path (docs/states.md): path B adds the contact step. */
export const STEPS: Readonly<Record<ActivationPath, readonly StepName[]>> = {
  'self-applied': ['insert', 'choose', 'identify', 'confirm', 'accept', 'pin', 'done'],
  'registration-bundled': ['insert', 'choose', 'identify', 'confirm', 'contact', 'accept', 'pin', 'done'],
};

export type StepsByPath = Partial<Record<ActivationPath, Step>>;

/** Where a step stands on each path that has it. */
export function step(name: StepName): StepsByPath {
  const byPath: Partial<Record<ActivationPath, Step>> = {};
  for (const path of Object.keys(STEPS) as ActivationPath[]) {
    const steps = STEPS[path];
    const index = steps.indexOf(name);
    if (index >= 0) byPath[path] = { index: index + 1, of: steps.length };
  }
  return byPath;
}

export interface SessionMeta extends MetaObject {
  readonly screen: Screen;
  readonly description: string;
  readonly step?: StepsByPath;
  /** The timer this screen waits on; its deadline goes into the view. */
  readonly timer?: ScreenTimer;
  /** Where to come back to after an interruption or a restart (see restoreSnapshot). */
  readonly resumeAt?: ResumeSpec;
  /** The error a failure (or `outOfService`) state stands for. */
  readonly error?: ErrorCode;
}

export type SessionTag = 'busy' | 'needsUser' | 'needsStaff' | 'failure';
