// Kiosk views for the staff console's tests and screenshots, made by the real session machine:
// each is `deriveView` of the machine resolved into a state, so the state paths, screens, accepts
// and deadlines are exactly what an engine would publish. Also registry replies for the card
// panel, in the shape `ra.staff.card` answers. Never part of a bundle.
import type { StateValue } from 'xstate';
import type { CardData, View } from '../../machines/contract/messages.ts';
import { viewOfResolvedState, type SessionContext } from '../../machines/session/index.ts';
import type { KioskEntry } from './kiosk-status.ts';
import type { StaffCardReply } from '../staff/staff-client.ts';

const PIN_FLAGS = {
  userPinInitialized: true,
  userPinCountLow: false,
  userPinFinalTry: false,
  userPinLocked: false,
  minPinLength: 6,
  maxPinLength: 8,
};

export const FIXTURE_CARDS = {
  '51': {
    cardNumber: 'TT00000000000051',
    certSerial: '5c1a7e0d93b24f7a',
    holderName: '測試公司1',
    ubn: '97969933',
    email: 'test1@example.com.tw',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2031-01-01T00:00:00.000Z',
    pinFlags: PIN_FLAGS,
  },
  '52': {
    cardNumber: 'TT00000000000052',
    certSerial: '6d2b8f1ea4c3508b',
    holderName: '測試公司2',
    orgUnit: '測試分公司2',
    ubn: '12345681',
    email: 'test2@example.com.tw',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2031-01-01T00:00:00.000Z',
    pinFlags: PIN_FLAGS,
  },
  '53': {
    cardNumber: 'TT00000000000053',
    certSerial: '7e3c902fb5d4619c',
    holderName: '測試公司3',
    ubn: '12345686',
    email: 'test3@example.com.tw',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2031-01-01T00:00:00.000Z',
    pinFlags: PIN_FLAGS,
  },
  '58': {
    cardNumber: 'TT00000000000058',
    certSerial: '8f4da130c6e572ad',
    holderName: '測試公司8',
    ubn: '12345719',
    email: 'test8@example.com.tw',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2031-01-01T00:00:00.000Z',
    pinFlags: { ...PIN_FLAGS, userPinCountLow: true },
  },
} satisfies Record<string, CardData>;

type Route = 'self-applied' | 'registration-bundled';

interface Situation {
  kioskId: string;
  value: StateValue;
  card?: CardData;
  route?: Route;
  context?: Partial<SessionContext>;
  /** How long ago the view changed, for the "last change" column (seconds). */
  changedSecondsAgo: number;
  /** How long until the screen's timer fires, when it has one (seconds). */
  deadlineIn?: number;
  seq: number;
}

/** A view of the real machine in `value`, with the given context, as the engine derives it. */
export function machineView(situation: Omit<Situation, 'changedSecondsAgo'>, now = Date.now()): View {
  return viewOfResolvedState(
    {
      value: situation.value,
      path: situation.route ?? null,
      card: situation.card ?? null,
      deadline: situation.deadlineIn === undefined ? null : new Date(now + situation.deadlineIn * 1000),
      context: { recordStatus: situation.card ? 'issued' : null, ...situation.context },
    },
    { kioskId: situation.kioskId, seq: situation.seq },
  );
}

const SITUATIONS: Situation[] = [
  {
    kioskId: 'kiosk-1',
    value: { session: 'awaitingUserCode' },
    card: FIXTURE_CARDS['51'],
    route: 'self-applied',
    context: { inputError: { code: '3005', attemptsLeft: 2 }, attemptsLeft: 2 },
    deadlineIn: 74,
    changedSecondsAgo: 16,
    seq: 41,
  },
  {
    kioskId: 'kiosk-2',
    value: { session: 'awaitingStaff' },
    card: FIXTURE_CARDS['52'],
    route: 'self-applied',
    context: { resumeAt: 'cardLocked', recordStatus: 'locked', attemptsLeft: 0 },
    deadlineIn: 251,
    changedSecondsAgo: 49,
    seq: 87,
  },
  {
    kioskId: 'kiosk-3',
    value: { session: { failed: 'usedBeforeActivation' } },
    card: FIXTURE_CARDS['58'],
    route: 'self-applied',
    context: { recordStatus: 'used-before-activation' },
    deadlineIn: 102,
    changedSecondsAgo: 18,
    seq: 12,
  },
  { kioskId: 'kiosk-4', value: 'awaitingCard', changedSecondsAgo: 640, seq: 230 },
  {
    kioskId: 'kiosk-5',
    value: { session: 'settingPin' },
    card: FIXTURE_CARDS['53'],
    route: 'registration-bundled',
    changedSecondsAgo: 2,
    seq: 66,
  },
  { kioskId: 'kiosk-6', value: 'outOfService', deadlineIn: 21, changedSecondsAgo: 1210, seq: 3 },
  {
    kioskId: 'kiosk-7',
    value: { session: 'awaitingIdConfirmation' },
    card: FIXTURE_CARDS['53'],
    route: 'registration-bundled',
    deadlineIn: 63,
    changedSecondsAgo: 27,
    seq: 19,
  },
  {
    kioskId: 'kiosk-8',
    value: { session: { failed: 'cardLocked' } },
    card: FIXTURE_CARDS['51'],
    route: 'self-applied',
    // resolveState runs no entry actions: set what entering cardLocked records (its resume point).
    context: { recordStatus: 'locked', attemptsLeft: 0, resumeAt: 'cardLocked' },
    deadlineIn: 95,
    changedSecondsAgo: 25,
    seq: 58,
  },
];

export const FIXTURE_KIOSK_IDS = SITUATIONS.map((situation) => situation.kioskId);

/** The fixture kiosks as the console's directory would hold them. */
export function fixtureKiosks(now = Date.now()): Map<string, KioskEntry> {
  return new Map(
    SITUATIONS.map((situation) => [
      situation.kioskId,
      { view: machineView(situation, now), changedAt: now - situation.changedSecondsAgo * 1000, answering: situation.kioskId !== 'kiosk-6' },
    ]),
  );
}

/** One fixture kiosk's view. */
export function fixtureKioskView(kioskId: string, now = Date.now()): View {
  const situation = SITUATIONS.find((candidate) => candidate.kioskId === kioskId);
  if (!situation) throw new Error(`no fixture kiosk ${kioskId}`);
  return machineView(situation, now);
}

const IMPORTED_AT = '2026-01-02T01:00:00.000Z';

/** `ra.staff.card` for a self-applied card just as the registry imported it: `status`, all its tries, one event. */
function importedRecord(card: CardData, status: StaffCardReply['status']): StaffCardReply {
  return {
    cardNumber: card.cardNumber,
    route: 'self-applied',
    status,
    attemptsLeft: 5,
    certSerial: card.certSerial,
    holderName: card.holderName,
    ...(card.orgUnit === undefined ? {} : { orgUnit: card.orgUnit }),
    ubn: card.ubn,
    validFrom: card.validFrom,
    validTo: card.validTo,
    importedAt: IMPORTED_AT,
    history: [{ id: `${card.cardNumber}-1`, type: 'imported', cardNumber: card.cardNumber, at: IMPORTED_AT, to: status }],
  };
}

/** `ra.staff.card` for card 52 after five wrong user codes: locked, with its history. */
export function fixtureLockedCardReply(): StaffCardReply {
  const card = FIXTURE_CARDS['52'];
  const at = (minute: number) => `2026-03-25T06:${String(minute).padStart(2, '0')}:00.000Z`;
  const attempts = [4, 3, 2, 1].map((left, index) => ({
    id: `${card.cardNumber}-${index + 3}`,
    type: 'attempt-failed' as const,
    cardNumber: card.cardNumber,
    at: at(12 + index),
    from: 'issued' as const,
    to: 'issued' as const,
    kioskId: 'kiosk-2',
    attemptsLeft: left,
  }));
  const imported = importedRecord(card, 'issued');
  return {
    ...imported,
    status: 'locked',
    attemptsLeft: 0,
    lockedAt: at(17),
    history: [
      ...imported.history,
      { id: `${card.cardNumber}-2`, type: 'attempt-failed', cardNumber: card.cardNumber, at: at(10), from: 'issued', to: 'issued', kioskId: 'kiosk-2', attemptsLeft: 4 },
      ...attempts.slice(1),
      { id: `${card.cardNumber}-7`, type: 'locked', cardNumber: card.cardNumber, at: at(17), from: 'issued', to: 'locked', kioskId: 'kiosk-2', attemptsLeft: 0 },
    ],
  };
}

/** The same card after staff unlocked it. */
export function fixtureUnlockedCardReply(staffId: string): StaffCardReply {
  const locked = fixtureLockedCardReply();
  const { lockedAt: _lockedAt, ...rest } = locked;
  return {
    ...rest,
    status: 'issued',
    attemptsLeft: 5,
    history: [
      ...locked.history,
      { id: `${locked.cardNumber}-8`, type: 'unlocked', cardNumber: locked.cardNumber, at: '2026-03-25T06:20:00.000Z', from: 'locked', to: 'issued', staffId, attemptsLeft: 5 },
    ],
  };
}

/** `ra.staff.card` for card 58, used before activation (27011). */
export function fixture27011CardReply(): StaffCardReply {
  return importedRecord(FIXTURE_CARDS['58'], 'used-before-activation');
}
