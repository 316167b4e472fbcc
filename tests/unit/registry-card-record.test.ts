// The card record's lifecycle as pure functions: every legal transition, every refusal and its code.
import { describe, expect, it } from 'vitest';
import { ContractError, type CardRecordStatus, type ErrorCode } from '../../machines/contract/index.ts';
import {
  attemptsLeft,
  checkGrantable,
  checkVerifiable,
  effectiveStatus,
  MAX_WRONG_ATTEMPTS,
  newCardRecord,
  normalizeSerial,
  recordAcceptance,
  recordCompletion,
  recordGrant,
  recordReturn,
  recordSoLoginFailed,
  recordUnlock,
  recordVerification,
  recordWrongAttempt,
  refusalFor,
  type CardRecord,
  type Change,
} from '../../services/registry/card-record.ts';

const NOW = new Date('2026-06-01T09:00:00Z');
const LATER = new Date('2026-06-01T09:20:00Z');
const activation = { ref: 'ref-a', kioskId: 'kiosk-1', expiresAt: '2026-06-01T09:15:00Z' };

function issued(extra: Partial<CardRecord> = {}): CardRecord {
  const { record } = newCardRecord(
    {
      cardNumber: 'TT0001',
      certSerial: '00AB',
      route: 'self-applied',
      holderName: 'h',
      ubn: '97969933',
      email: 'e@example.com',
      validFrom: '2026-01-01T00:00:00Z',
      validTo: '2031-01-01T00:00:00Z',
      status: 'issued',
      userCodeHash: 'scrypt$...',
      soCredential: 'v1....',
    },
    NOW,
  );
  return { ...record, ...extra };
}

function codeOf(run: () => unknown): ErrorCode | 'none' {
  try {
    run();
  } catch (error) {
    if (error instanceof ContractError) return error.code;
    throw error;
  }
  return 'none';
}

const verified = () => recordVerification(issued(), activation, NOW).record;
const accepted = () => {
  const outcome = recordAcceptance(verified(), 'ref-a', NOW, {});
  if (!outcome.change) throw new Error('expected a change');
  return outcome.change.record;
};

describe('a new card record', () => {
  it('starts at event 1 with the serial normalized and no attempts used', () => {
    const { record, event } = newCardRecord({ ...issued(), certSerial: '000AbC' }, NOW);
    expect(record).toMatchObject({ certSerial: 'abc', failedAttempts: 0, seq: 1, importedAt: NOW.toISOString() });
    expect(event).toEqual({ id: 'TT0001-1', type: 'imported', cardNumber: 'TT0001', at: NOW.toISOString(), route: 'self-applied', to: 'issued' });
  });

  it('normalizes serials: case and leading zeros do not matter, zero stays zero', () => {
    expect(normalizeSerial('00AB12')).toBe('ab12');
    expect(normalizeSerial('000')).toBe('0');
  });
});

describe('a change is a record and its event, written as one message', () => {
  it('every change numbers its event after the record it leaves, and the event carries no secret', () => {
    const imported = newCardRecord(issued(), NOW);
    expect(imported.event.id).toBe(`${imported.record.cardNumber}-${imported.record.seq}`);
    const verify = recordVerification(imported.record, activation, NOW);
    expect(verify.event.id).toBe(`${verify.record.cardNumber}-${verify.record.seq}`);
    const wrong = recordWrongAttempt(verify.record, 'kiosk-1', NOW);
    expect(wrong.event.id).toBe(`${wrong.record.cardNumber}-${wrong.record.seq}`);
    const accept = recordAcceptance(verify.record, 'ref-a', NOW, { userCodeHash: 'scrypt$hash' });
    expect(accept.change?.event.id).toBe(`${verify.record.cardNumber}-${verify.record.seq + 1}`);
    expect(accept.change?.record.lastEvent).toBeUndefined();
    expect(JSON.stringify(accept.change?.event)).not.toContain('scrypt$hash');
  });
});

describe('statuses that close self-service', () => {
  it.each<[CardRecordStatus, ErrorCode]>([
    ['revoked', '4931'],
    ['suspended', 'SUSPENDED'],
    ['used-before-activation', '27011'],
    ['activated', 'ALREADY_ACTIVATED'],
    ['locked', 'LOCKED'],
    ['returned', 'UNKNOWN_CARD'],
  ])('%s answers %s, before any other check', (status, code) => {
    expect(refusalFor(status)?.code).toBe(code);
    const expiredOtherPath = issued({ status, validTo: '2026-02-01T00:00:00Z' });
    expect(codeOf(() => checkVerifiable(expiredOtherPath, 'registration-bundled', NOW))).toBe(code);
    expect(codeOf(() => recordWrongAttempt(issued({ status }), 'kiosk-1', NOW))).toBe(code);
  });

  it.each<CardRecordStatus>(['issued', 'verified', 'accepted'])('%s is open', (status) => {
    expect(refusalFor(status)).toBeUndefined();
  });
});

describe('verify', () => {
  it('checks validity before the path, and the path before anything secret', () => {
    expect(codeOf(() => checkVerifiable(issued({ validFrom: '2026-07-01T00:00:00Z' }), 'registration-bundled', NOW))).toBe('CERT_EXPIRED');
    expect(codeOf(() => checkVerifiable(issued({ validTo: '2026-05-31T00:00:00Z' }), 'self-applied', NOW))).toBe('CERT_EXPIRED');
    expect(codeOf(() => checkVerifiable(issued(), 'registration-bundled', NOW))).toBe('WRONG_PATH');
    expect(codeOf(() => checkVerifiable(issued(), 'self-applied', NOW))).toBe('none');
  });

  it('binds the card to the new activation, resets its count and says so in one event', () => {
    const before = issued({ failedAttempts: 3 });
    const { record, event } = recordVerification(before, activation, NOW);
    expect(record).toMatchObject({ status: 'verified', failedAttempts: 0, activation, seq: 2 });
    expect(event).toEqual({
      id: 'TT0001-2',
      type: 'verified',
      cardNumber: 'TT0001',
      at: NOW.toISOString(),
      route: 'self-applied',
      from: 'issued',
      to: 'verified',
      kioskId: 'kiosk-1',
      activation: 'ref-a',
    });
  });

  it('keeps when the verify was received, and refuses a verify received before the current activation started', () => {
    const earlier = new Date(NOW.getTime() - 5_000);
    const current = recordVerification(issued(), activation, NOW).record;
    expect(current.activation?.startedAt).toBe(NOW.toISOString());
    // The verify a kiosk gave up on (3125) and asked again, written late after a write conflict:
    // it must not end the activation the kiosk holds.
    expect(codeOf(() => recordVerification(current, { ...activation, ref: 'ref-late' }, earlier))).toBe('SESSION_EXPIRED');
    // The same instant, a later one, or a record written before startedAt was kept: a new activation.
    expect(recordVerification(current, { ...activation, ref: 'ref-b' }, NOW).record.activation?.ref).toBe('ref-b');
    expect(recordVerification(current, { ...activation, ref: 'ref-b' }, LATER).record.activation?.ref).toBe('ref-b');
    const { startedAt: _unknown, ...older } = current.activation!;
    expect(recordVerification({ ...current, activation: older }, { ...activation, ref: 'ref-b' }, earlier).record.activation?.ref).toBe('ref-b');
  });

  it('leaves an accepted card accepted', () => {
    expect(recordVerification(accepted(), { ...activation, ref: 'ref-b' }, NOW).record.status).toBe('accepted');
  });

  it('reads as issued once the activation has expired', () => {
    expect(effectiveStatus(verified(), NOW)).toBe('verified');
    expect(effectiveStatus(verified(), LATER)).toBe('issued');
    expect(effectiveStatus(accepted(), LATER)).toBe('accepted');
  });
});

describe('wrong attempts', () => {
  it(`answers 3005 with the attempts left, and locks on attempt ${MAX_WRONG_ATTEMPTS}`, () => {
    let record = verified();
    const replies: Array<[ErrorCode, number | undefined]> = [];
    for (let i = 0; i < MAX_WRONG_ATTEMPTS; i++) {
      const change = recordWrongAttempt(record, 'kiosk-9', NOW);
      replies.push([change.reply.code, change.reply.attemptsLeft]);
      record = change.record;
    }
    expect(replies).toEqual([
      ['3005', 4],
      ['3005', 3],
      ['3005', 2],
      ['3005', 1],
      ['LOCKED', 0],
    ]);
    expect(record).toMatchObject({ status: 'locked', statusBeforeLock: 'issued', lockedAt: NOW.toISOString() });
    expect(record.activation).toBeUndefined();
    expect(attemptsLeft(record)).toBe(0);
    expect(codeOf(() => recordWrongAttempt(record, 'kiosk-9', NOW))).toBe('LOCKED');
  });

  it('remembers that a locked card had been accepted', () => {
    let record = { ...accepted(), failedAttempts: MAX_WRONG_ATTEMPTS - 1 };
    const change = recordWrongAttempt(record, 'kiosk-1', NOW);
    record = change.record;
    expect(change.event).toMatchObject({ type: 'locked', from: 'accepted', to: 'locked', attemptsLeft: 0 });
    expect(record.statusBeforeLock).toBe('accepted');
    expect(record.accepted).toBeDefined();
  });
});

describe('accept', () => {
  it('needs the current, live activation of a verified card', () => {
    expect(codeOf(() => recordAcceptance(issued(), 'ref-a', NOW, {}))).toBe('SESSION_EXPIRED');
    expect(codeOf(() => recordAcceptance(verified(), 'ref-other', NOW, {}))).toBe('SESSION_EXPIRED');
    expect(codeOf(() => recordAcceptance(verified(), 'ref-a', LATER, {}))).toBe('SESSION_EXPIRED');
  });

  it('records acceptedAt, the contact details given, and the event', () => {
    const outcome = recordAcceptance(verified(), 'ref-a', NOW, { contactEmail: 'a@example.com', userCodeHash: 'scrypt$x' });
    expect(outcome.change?.record).toMatchObject({
      status: 'accepted',
      contactEmail: 'a@example.com',
      userCodeHash: 'scrypt$x',
      accepted: { at: NOW.toISOString(), seq: 3, by: 'ref-a', kioskId: 'kiosk-1' },
    });
    expect(outcome.result).toBe(NOW.toISOString());
  });

  it('repeats the same answer for the same activation, even after expiry, changing nothing', () => {
    const first = recordAcceptance(verified(), 'ref-a', NOW, {});
    const record = first.change?.record as CardRecord;
    const again = recordAcceptance(record, 'ref-a', LATER, {});
    expect(again.change).toBeUndefined();
    expect(again.result).toBe(first.result);
  });

  it('answers the first acceptedAt to a later activation of an accepted card', () => {
    const record = recordVerification(accepted(), { ...activation, ref: 'ref-b' }, NOW).record;
    const again = recordAcceptance(record, 'ref-b', NOW, {});
    expect(again.change).toBeUndefined();
    expect(again.result).toBe(accepted().accepted?.at);
  });
});

describe('PIN grant and complete', () => {
  it('allows a grant only on an accepted card with its live activation', () => {
    expect(codeOf(() => checkGrantable(verified(), 'ref-a', NOW))).toBe('BAD_REQUEST');
    expect(codeOf(() => checkGrantable(accepted(), 'ref-b', NOW))).toBe('SESSION_EXPIRED');
    expect(codeOf(() => checkGrantable(accepted(), 'ref-a', LATER))).toBe('SESSION_EXPIRED');
    expect(checkGrantable(accepted(), 'ref-a', NOW)).toEqual({ ...activation, startedAt: NOW.toISOString() });
  });

  it('counts grants on the record\'s activation, one change each, up to the limit, with the nonce to sign', () => {
    const first = recordGrant(accepted(), 'ref-a', NOW, 'nonce-1', 2);
    expect(first.grant).toBe(1);
    expect(first.record.activation).toMatchObject({ ref: 'ref-a', grants: 1, proofNonce: 'nonce-1', lastGrantAt: NOW.toISOString() });
    expect(first.event).toMatchObject({ id: `${first.record.cardNumber}-${first.record.seq}`, type: 'pin-granted', grant: 1, from: 'accepted', to: 'accepted' });
    const second = recordGrant(first.record, 'ref-a', NOW, 'nonce-2', 2);
    expect(second.record.activation).toMatchObject({ grants: 2, proofNonce: 'nonce-2' });
    expect(codeOf(() => recordGrant(second.record, 'ref-a', NOW, 'nonce-3', 2))).toBe('SESSION_EXPIRED');
    expect(codeOf(() => recordGrant(verified(), 'ref-a', NOW, 'nonce-1', 2))).toBe('BAD_REQUEST');
    const reported = recordSoLoginFailed(accepted(), 'kiosk-1', 'SO_PIN_LOCKED', NOW) as Change;
    expect(codeOf(() => recordGrant(reported.record, 'ref-a', NOW, 'nonce-1', 2))).toBe('CARD_UNREADABLE');
  });

  it('completes only after acceptance and a released grant; a repeat gives the same activatedAt', () => {
    expect(codeOf(() => recordCompletion(verified(), 'ref-a', NOW, 1))).toBe('BAD_REQUEST');
    expect(codeOf(() => recordCompletion(accepted(), 'ref-a', NOW, 0))).toBe('BAD_REQUEST');
    const done = recordCompletion(accepted(), 'ref-a', NOW, 1);
    expect(done.change?.record).toMatchObject({ status: 'activated', activated: { at: NOW.toISOString(), by: 'ref-a' } });
    const record = done.change?.record as CardRecord;
    const again = recordCompletion(record, 'ref-a', LATER, 0);
    expect(again.result).toBe(done.result);
    expect(again.change).toBeUndefined();
    expect(codeOf(() => recordCompletion(record, 'ref-b', NOW, 1))).toBe('ALREADY_ACTIVATED');
  });
});

describe('staff', () => {
  it('unlocks a locked card back to where it was, with attempts reset', () => {
    const locked = issued({ status: 'locked', statusBeforeLock: 'accepted', failedAttempts: 5, lockedAt: NOW.toISOString() });
    const change = recordUnlock(locked, NOW, 'staff-1');
    expect(change?.record).toMatchObject({ status: 'accepted', failedAttempts: 0 });
    expect(change?.record.lockedAt).toBeUndefined();
    expect(change?.event).toMatchObject({ type: 'unlocked', from: 'locked', to: 'accepted', staffId: 'staff-1' });
  });

  it('resets the count of an open card, does nothing when there is nothing to reset, refuses a closed card', () => {
    expect(recordUnlock(issued({ failedAttempts: 2 }), NOW)?.record.failedAttempts).toBe(0);
    expect(recordUnlock(issued(), NOW)).toBeUndefined();
    expect(codeOf(() => recordUnlock(issued({ status: 'revoked' }), NOW))).toBe('4931');
    expect(codeOf(() => recordUnlock(issued({ status: 'activated' }), NOW))).toBe('ALREADY_ACTIVATED');
  });

  it.each<CardRecordStatus>(['issued', 'verified', 'accepted', 'locked', 'revoked', 'suspended', 'used-before-activation'])(
    'takes a %s card in for return, ending any activation',
    (status) => {
      const change = recordReturn({ ...verified(), status }, NOW, 'staff-2');
      expect(change?.record).toMatchObject({ status: 'returned', returned: { at: NOW.toISOString(), staffId: 'staff-2' } });
      expect(change?.record.activation).toBeUndefined();
    },
  );

  it('does not take back an activated card, and returning twice changes nothing', () => {
    expect(codeOf(() => recordReturn(issued({ status: 'activated' }), NOW))).toBe('ALREADY_ACTIVATED');
    expect(recordReturn(issued({ status: 'returned' }), NOW)).toBeUndefined();
  });
});
