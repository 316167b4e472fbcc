// The contract View (docs/contract.md) of a session snapshot: what the UI, the staff console
// and the inspector see. Built from meta, tags and the non-secret part of the context only;
// `context.secrets` is never read here.
import type { SnapshotFrom } from 'xstate';
import { ACTIVATION_PATHS, ERRORS, type ActivationPath, type RegistryStep, type Screen, type View, type ViewCard } from '../contract/index.ts';
import {
  CARD_NOT_DETECTED_STAFF_AFTER,
  stateIdOf,
  type ResumeTarget,
  type SessionEvent,
  type SessionMeta,
  type sessionMachine,
} from './session.machine.ts';

export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

/**
 * The event types of section 3, each with the payloads `accepts` tries. A transition guarded on
 * the payload (a path choice) counts as accepted when any sample passes; input checks never make
 * an event unacceptable (a malformed code is accepted and answered with an input error).
 */
export const SECTION_3_EVENTS: Readonly<Record<string, readonly SessionEvent[]>> = {
  'user.choosePath': [
    { type: 'user.choosePath', path: 'self-applied' },
    { type: 'user.choosePath', path: 'registration-bundled' },
  ],
  'user.submitUserCode': [{ type: 'user.submitUserCode', userCode: '' }],
  'user.submitResponsibleId': [{ type: 'user.submitResponsibleId', responsibleId: '' }],
  'user.confirmIdWarning': [{ type: 'user.confirmIdWarning' }],
  'user.correctId': [{ type: 'user.correctId' }],
  'user.confirmCardData': [{ type: 'user.confirmCardData' }],
  'user.disputeCardData': [{ type: 'user.disputeCardData' }],
  'user.submitContact': [{ type: 'user.submitContact', email: '', userCode: '', userCodeConfirm: '' }],
  'user.submitPin': [{ type: 'user.submitPin', pin: '', pinConfirm: '' }],
  'user.reset': [{ type: 'user.reset' }],
  'user.stillHere': [{ type: 'user.stillHere' }],
  'user.cancel': [{ type: 'user.cancel' }],
  'user.callStaff': [{ type: 'user.callStaff' }],
  'user.setLanguage': [{ type: 'user.setLanguage', lang: 'en' }],
  'staff.overrideIdWarning': [{ type: 'staff.overrideIdWarning' }],
  'staff.abort': [{ type: 'staff.abort' }],
  'staff.takeCard': [{ type: 'staff.takeCard' }],
  'staff.unlocked': [{ type: 'staff.unlocked' }],
  'staff.resume': [{ type: 'staff.resume' }],
};

/** Screens on which `context.inputError` is shown (docs/contract.md: input checks show on the input screen). */
const INPUT_SCREENS: ReadonlySet<Screen> = new Set(['enterUserCode', 'enterResponsibleId', 'enterContact', 'enterPin']);

/** Screens that stand in for another one the user will come back to. */
const INTERRUPTION_SCREENS: ReadonlySet<Screen> = new Set(['stillThere', 'staffAssist', 'cardRemoved']);

/** The meta of the deepest active state that names a screen: every atomic state does. */
export function screenMetaOf(snapshot: SessionSnapshot): SessionMeta {
  const metas = snapshot.getMeta() as Record<string, SessionMeta | undefined>;
  let found: SessionMeta | undefined;
  for (const meta of Object.values(metas)) {
    if (meta?.screen !== undefined) found = meta;
  }
  if (found === undefined) throw new Error(`state ${JSON.stringify(snapshot.value)} has no screen in its meta`);
  return found;
}

/** The state path as one dotted string ("session.awaitingPin"); state names carry no secrets. */
export function statePathOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const [key, child] = Object.entries(value)[0] ?? [];
    if (key !== undefined) return `${key}.${statePathOf(child)}`;
  }
  return '';
}

function returnScreenOf(snapshot: SessionSnapshot): Screen | undefined {
  const { resumeAt } = snapshot.context;
  if (resumeAt === null) return undefined;
  const node = snapshot.machine.getStateNodeById(stateIdOf(resumeAt));
  return (node.meta as SessionMeta | undefined)?.screen;
}

/** The registry step each "try again" point stands for: where the request that met 3125 was sent. */
const REGISTRY_STEP_AT: Partial<Record<ResumeTarget, RegistryStep>> = {
  identifyingCard: 'identify',
  awaitingUserCode: 'verify',
  awaitingResponsibleId: 'verify',
  awaitingCardDataConfirmation: 'accept',
  awaitingContact: 'accept',
  awaitingPin: 'pinGrant',
  completingActivation: 'complete',
};

export function acceptedEventTypes(snapshot: SessionSnapshot): string[] {
  return Object.entries(SECTION_3_EVENTS)
    .filter(([, samples]) => samples.some((event) => snapshot.can(event)))
    .map(([type]) => type);
}

function stepOf(meta: SessionMeta, chosenPath: ActivationPath | null): { index: number; of: number } | undefined {
  if (chosenPath !== null) return meta.step?.[chosenPath];
  const [first, ...others] = ACTIVATION_PATHS.map((path) => meta.step?.[path]);
  return first !== undefined && others.every((s) => s?.index === first.index && s.of === first.of) ? first : undefined;
}

export function deriveView(snapshot: SessionSnapshot, where: { kioskId: string; seq: number }): View {
  const meta = screenMetaOf(snapshot);
  const { context } = snapshot;
  // The number of steps depends on the path: it is shown once the user has chosen one (before,
  // only where both paths agree), never guessed from the card's route, which the user has not chosen.
  const step = stepOf(meta, context.chosenPath);
  const errorCode = meta.error ?? (INPUT_SCREENS.has(meta.screen) ? context.inputError?.code : undefined);
  const attemptsLeft = meta.error === undefined ? context.inputError?.attemptsLeft : undefined;
  // The second CARD_NOT_DETECTED in a row: reinserting again is not the answer, staff are.
  const remedy =
    meta.error === 'CARD_NOT_DETECTED' && context.cardNotDetectedInARow >= CARD_NOT_DETECTED_STAFF_AFTER ? 'staff' : undefined;
  const card: ViewCard | undefined =
    context.card === null
      ? undefined
      : {
          cardNumber: context.card.cardNumber,
          holderName: context.card.holderName,
          ...(context.card.orgUnit === undefined ? {} : { orgUnit: context.card.orgUnit }),
          ubn: context.card.ubn,
          certSerial: context.card.certSerial,
          validFrom: context.card.validFrom,
          validTo: context.card.validTo,
          email: context.card.email,
          ...(context.route === null ? {} : { route: context.route }),
        };
  const returnScreen = INTERRUPTION_SCREENS.has(meta.screen) ? returnScreenOf(snapshot) : undefined;
  const during = meta.error === '3125' && context.retryAt !== null ? REGISTRY_STEP_AT[context.retryAt] : undefined;
  return {
    kioskId: where.kioskId,
    seq: where.seq,
    screen: meta.screen,
    lang: context.lang,
    ...(step === undefined ? {} : { step: { index: step.index, of: step.of } }),
    busy: snapshot.hasTag('busy'),
    accepts: acceptedEventTypes(snapshot),
    ...(card === undefined ? {} : { card }),
    ...(errorCode === undefined
      ? {}
      : {
          error: {
            code: errorCode,
            retryable: ERRORS[errorCode].retryable,
            ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
            ...(remedy === undefined ? {} : { remedy }),
            ...(during === undefined ? {} : { during }),
          },
        }),
    ...(meta.timer === undefined || context.deadline === null ? {} : { deadline: context.deadline }),
    ...(context.chosenPath === null ? {} : { path: context.chosenPath }),
    state: statePathOf(snapshot.value),
    ...(returnScreen === undefined ? {} : { returnScreen }),
    ...(context.autoSpeech ? { autoSpeech: true } : {}),
  };
}
