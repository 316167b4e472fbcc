// The card record and its lifecycle, as pure functions: each change takes the record as stored and
// returns the new record plus the one event that describes the change, or refuses with a contract
// code. The ledger writes both as one message with compare-and-set; on a conflict it re-reads and
// calls the same function again, so every decision is made on the latest record.
//
//   issued ──verify──▶ verified ──accept──▶ accepted ──complete──▶ activated
//     ▲  ◀──(activation expires)──┘                   │
//     │    5 wrong attempts: issued / verified / accepted ──▶ locked ──staff unlock──▶ (back)
//     └─ imported as issued, revoked, suspended or used-before-activation
//   any state but activated ──staff return──▶ returned
//   a failed (or refused) SO login sets soLoginFailed: no PIN grant until staff unlock clears it
import { ContractError, type ActivationPath, type CardRecordStatus } from '../../machines/contract/index.ts';
import { MAX_WRONG_ATTEMPTS, isLive } from './card-facts.ts';
import { eventId, normalizeSerial, type CardRecord, type Change, type CurrentActivation, type RegistryEvent, type ReturnContact } from './card-record-shape.ts';
import type { RegistryEventType } from '../../machines/contract/registry.ts';

export * from './card-record-shape.ts';
export { attemptsLeft, effectiveStatus, MAX_WRONG_ATTEMPTS } from './card-facts.ts';

/** Staff unlocks of one card within a rolling day; past that, a person at the CA looks at it. */
export const DEFAULT_UNLOCKS_PER_CARD_PER_DAY = 3;
const UNLOCK_WINDOW_MS = 24 * 3_600_000;

/** The code a card in this status answers every self-service step with, if any. */
export function refusalFor(status: CardRecordStatus): ContractError | undefined {
  switch (status) {
    case 'revoked':
      return new ContractError('4931', 'the certificate has been revoked');
    case 'suspended':
      return new ContractError('SUSPENDED', 'the certificate is suspended');
    case 'used-before-activation':
      return new ContractError('27011', 'the card was used before activation finished');
    case 'activated':
      return new ContractError('ALREADY_ACTIVATED', 'the card is already activated');
    case 'locked':
      return new ContractError('LOCKED', 'too many wrong attempts: self-service is locked for this card', { attemptsLeft: 0 });
    case 'returned':
      // A returned card is out of the CA's self-service for good; the kiosk learns the exact
      // status from identify, the code says "not a card this kiosk can activate".
      return new ContractError('UNKNOWN_CARD', 'the card has been returned to the CA');
    case 'issued':
    case 'verified':
    case 'accepted':
      return undefined;
  }
}

function refuseUnlessOpen(record: CardRecord): void {
  const refusal = refusalFor(record.status);
  if (refusal) throw refusal;
}

function next(record: CardRecord, changes: Partial<CardRecord>): CardRecord {
  return { ...record, ...changes, seq: record.seq + 1 };
}

function event(
  before: CardRecord,
  after: CardRecord,
  type: RegistryEventType,
  at: Date,
  extra: Partial<Omit<RegistryEvent, 'id' | 'type' | 'cardNumber' | 'at' | 'route' | 'from' | 'to'>> = {},
): RegistryEvent {
  return {
    id: eventId(after.cardNumber, after.seq),
    type,
    cardNumber: after.cardNumber,
    at: at.toISOString(),
    route: after.route,
    from: before.status,
    to: after.status,
    ...extra,
  };
}

/** The change as written: one message, the event with the record it leaves. */
function changed(after: CardRecord, event: RegistryEvent): Change {
  return { record: after, event };
}

export type NewCardFields = Omit<CardRecord, 'v' | 'failedAttempts' | 'seq' | 'importedAt'>;

export function newCardRecord(fields: NewCardFields, now: Date): Change {
  const record: CardRecord = { v: 1, ...fields, certSerial: normalizeSerial(fields.certSerial), failedAttempts: 0, seq: 1, importedAt: now.toISOString() };
  return changed(record, {
    id: eventId(record.cardNumber, 1),
    type: 'imported',
    cardNumber: record.cardNumber,
    at: record.importedAt,
    route: record.route,
    to: record.status,
  });
}

/**
 * Checks made before any secret is compared: a card that is not open for self-service, outside its
 * validity, or issued the other way never costs an attempt.
 */
export function checkVerifiable(record: CardRecord, route: ActivationPath, now: Date): void {
  refuseUnlessOpen(record);
  if (now.getTime() < Date.parse(record.validFrom) || now.getTime() > Date.parse(record.validTo)) {
    throw new ContractError('CERT_EXPIRED', 'the certificate is outside its validity period');
  }
  if (record.route !== route) {
    throw new ContractError('WRONG_PATH', 'the card was issued the other way: choose the other activation path');
  }
}

/**
 * A successful verify received at `now`: the card is bound to a new activation (an earlier one
 * ends) and its count resets. A verify received before the card's current activation was started
 * is refused and changes nothing: its kiosk gave up waiting for it (3125) and asked again, and the
 * kiosk holds the later activation, so writing this one late (after a write conflict during a
 * failover) would silently end the activation the kiosk is using.
 */
export function recordVerification(record: CardRecord, activation: Omit<CurrentActivation, 'startedAt'>, now: Date): Change {
  checkVerifiable(record, record.route, now);
  const current = record.activation?.startedAt;
  if (current !== undefined && Date.parse(current) > now.getTime()) {
    throw new ContractError('SESSION_EXPIRED', 'a verify received later started this card\'s current activation: start again');
  }
  const after = next(record, {
    status: record.status === 'accepted' ? 'accepted' : 'verified',
    failedAttempts: 0,
    activation: { ...activation, startedAt: now.toISOString() },
  });
  return changed(after, event(record, after, 'verified', now, { kioskId: activation.kioskId, activation: activation.ref }));
}

/** A wrong user code / ID / birth date. The reply is 3005 with the attempts left, or LOCKED on the last one. */
export function recordWrongAttempt(record: CardRecord, kioskId: string, now: Date): Change & { reply: ContractError } {
  refuseUnlessOpen(record);
  const failedAttempts = record.failedAttempts + 1;
  if (failedAttempts < MAX_WRONG_ATTEMPTS) {
    const after = next(record, { failedAttempts });
    const left = MAX_WRONG_ATTEMPTS - failedAttempts;
    return {
      ...changed(after, event(record, after, 'attempt-failed', now, { kioskId, attemptsLeft: left })),
      reply: new ContractError('3005', 'the user code or ID does not match', { attemptsLeft: left }),
    };
  }
  const { activation: _dropped, ...rest } = record;
  const after = next(rest as CardRecord, {
    status: 'locked',
    statusBeforeLock: record.status === 'accepted' ? 'accepted' : 'issued',
    failedAttempts,
    lockedAt: now.toISOString(),
  });
  return {
    ...changed(after, event(record, after, 'locked', now, { kioskId, attemptsLeft: 0 })),
    reply: new ContractError('LOCKED', 'too many wrong attempts: self-service is locked for this card', { attemptsLeft: 0 }),
  };
}

export type Outcome<T> = { readonly change: Change; readonly result: T } | { readonly change?: undefined; readonly result: T };

function requireCurrent(record: CardRecord, ref: string, now: Date): CurrentActivation {
  if (record.activation?.ref !== ref) {
    throw new ContractError('SESSION_EXPIRED', 'this activation is not the card\'s current one: start again');
  }
  if (!isLive(record.activation, now)) throw new ContractError('SESSION_EXPIRED', 'this activation has expired: start again');
  return record.activation;
}

export interface AcceptanceDetails {
  readonly contactEmail?: string;
  readonly userCodeHash?: string;
}

/**
 * Records the acceptance. Idempotent: the same activation (or any live one of an already accepted
 * card) gets the acceptedAt that was recorded first.
 */
export function recordAcceptance(record: CardRecord, ref: string, now: Date, details: AcceptanceDetails): Outcome<string> {
  if (record.accepted && record.accepted.by === ref) {
    return { result: record.accepted.at };
  }
  refuseUnlessOpen(record);
  const activation = requireCurrent(record, ref, now);
  if (record.status === 'accepted' && record.accepted) return { result: record.accepted.at };
  const at = now.toISOString();
  const after = next(record, {
    status: 'accepted',
    accepted: { at, seq: record.seq + 1, by: ref, kioskId: activation.kioskId },
    ...(details.contactEmail === undefined ? {} : { contactEmail: details.contactEmail }),
    ...(details.userCodeHash === undefined ? {} : { userCodeHash: details.userCodeHash }),
  });
  return { change: changed(after, event(record, after, 'accepted', now, { kioskId: activation.kioskId, activation: ref })), result: at };
}

/** Whether a PIN grant may be released for this activation (the count is kept on the record's activation). */
export function checkGrantable(record: CardRecord, ref: string, now: Date): CurrentActivation {
  refuseUnlessOpen(record);
  const activation = requireCurrent(record, ref, now);
  if (record.status !== 'accepted') {
    throw new ContractError('BAD_REQUEST', 'no PIN grant before the acceptance is recorded');
  }
  return activation;
}

/**
 * A PIN grant released to activation `ref`: counted on the record before it is released (a reply
 * lost on the way still counts), with the nonce the card must sign at `complete`.
 */
export function recordGrant(record: CardRecord, ref: string, now: Date, proofNonce: string, maxGrants: number): Change & { grant: number } {
  const activation = checkGrantable(record, ref, now);
  refuseIfSoLoginFailed(record);
  const grant = (activation.grants ?? 0) + 1;
  if (grant > maxGrants) throw new ContractError('SESSION_EXPIRED', `this activation has used its ${maxGrants} PIN grants: start again`);
  const after = next(record, { activation: { ...activation, grants: grant, lastGrantAt: now.toISOString(), proofNonce } });
  return { ...changed(after, event(record, after, 'pin-granted', now, { kioskId: activation.kioskId, activation: ref, grant })), grant };
}

/** Refuses a PIN grant for a card an SO login failed on, until staff act. */
export function refuseIfSoLoginFailed(record: CardRecord): void {
  if (record.soLoginFailed !== undefined) {
    throw new ContractError('CARD_UNREADABLE', "an SO login failed on this card: no PIN grant until staff have checked it (staff unlock)");
  }
}

/** A card agent's report of a failed or refused SO login. Reporting twice changes nothing. */
export function recordSoLoginFailed(record: CardRecord, kioskId: string, problem: string, now: Date): Change | undefined {
  if (record.soLoginFailed !== undefined) return undefined;
  const after = next(record, { soLoginFailed: { at: now.toISOString(), kioskId, problem } });
  return changed(after, event(record, after, 'so-login-failed', now, { kioskId, problem }));
}

/** accepted → activated. Idempotent for the activation that completed it. */
export function recordCompletion(record: CardRecord, ref: string, now: Date, grantsReleased: number): Outcome<string> {
  if (record.activated && record.activated.by === ref) {
    return { result: record.activated.at };
  }
  const activation = checkGrantable(record, ref, now);
  if (grantsReleased === 0) throw new ContractError('BAD_REQUEST', 'no PIN grant was released for this activation');
  const at = now.toISOString();
  const after = next(record, { status: 'activated', activated: { at, seq: record.seq + 1, by: ref, kioskId: activation.kioskId } });
  return { change: changed(after, event(record, after, 'activated', now, { kioskId: activation.kioskId, activation: ref })), result: at };
}

/**
 * Staff unlock: a locked card goes back to where it was, with its attempts reset, and a failed SO
 * login is cleared. On an open card it only resets a non-zero count (and the SO login block); on
 * any other card it is refused with that card's code. At most `limit` unlocks per card within a
 * rolling day (UnlockLimitError past that; nothing changes).
 */
export function recordUnlock(record: CardRecord, now: Date, staffId?: string, limit = DEFAULT_UNLOCKS_PER_CARD_PER_DAY): Change | undefined {
  const who = staffId === undefined ? {} : { staffId };
  const recent = (record.unlocks ?? []).filter((at) => now.getTime() - Date.parse(at) < UNLOCK_WINDOW_MS);
  const counted = (changes: Partial<CardRecord>) => {
    if (recent.length >= limit) throw new UnlockLimitError(limit);
    return { ...changes, unlocks: [...recent, now.toISOString()] };
  };
  // Unlock is also the staff act that lets PIN grants flow again after a failed SO login.
  const { soLoginFailed, ...withoutSoBlock } = record;
  if (soLoginFailed !== undefined && record.status !== 'locked') {
    refuseUnlessOpen(record);
    const after = next(withoutSoBlock as CardRecord, counted({ failedAttempts: 0 }));
    return changed(after, event(record, after, 'unlocked', now, { ...who, attemptsLeft: MAX_WRONG_ATTEMPTS }));
  }
  if (record.status === 'locked') {
    const { statusBeforeLock, lockedAt: _lockedAt, soLoginFailed: _cleared, ...rest } = record;
    const after = next(rest as CardRecord, counted({ status: statusBeforeLock ?? 'issued', failedAttempts: 0 }));
    return changed(after, event(record, after, 'unlocked', now, { ...who, attemptsLeft: MAX_WRONG_ATTEMPTS }));
  }
  refuseUnlessOpen(record);
  if (record.failedAttempts === 0) return undefined;
  const after = next(record, counted({ failedAttempts: 0 }));
  return changed(after, event(record, after, 'unlocked', now, { ...who, attemptsLeft: MAX_WRONG_ATTEMPTS }));
}

/** Thrown when a card has had its day's unlocks; the service answers it as UNLOCK_LIMIT. */
export class UnlockLimitError extends Error {
  constructor(readonly limit: number) {
    super(`this card was unlocked ${limit} times within a day: no more unlocks today`);
    this.name = 'UnlockLimitError';
  }
}

/** Staff take a card in (27011 cards above all). Any live activation ends. Returning twice changes nothing. */
export function recordReturn(
  record: CardRecord,
  now: Date,
  staffId?: string,
  details: { reason?: string; contact?: ReturnContact } = {},
): Change | undefined {
  if (record.status === 'returned') return undefined;
  if (record.status === 'activated') throw refusalFor('activated');
  const { activation: _dropped, ...rest } = record;
  const after = next(rest as CardRecord, {
    status: 'returned',
    returned: { at: now.toISOString(), ...(staffId === undefined ? {} : { staffId }), ...details },
  });
  return changed(after, event(record, after, 'returned', now, staffId === undefined ? {} : { staffId }));
}
