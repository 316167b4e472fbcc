// The field schemas the contract's messages are built from (docs/contract.md): one definition of a
// card number, a kiosk id, a timestamp … for every message file of machines/contract.
import * as v from 'valibot';
import { parseBirthDate } from '../validators/roc-date.validator.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { ACTIVATION_PATHS } from './screens.ts';

/** Bounded free text typed by a person: long enough for any valid value, short enough to be safe. */
export const typed = (max = 64) => v.pipe(v.string(), v.maxLength(max));
export const isoTime = v.pipe(v.string(), v.isoTimestamp());
export const cardNumber = v.pipe(v.string(), v.regex(/^[A-Z0-9]{4,32}$/));
export const certSerial = v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{1,64}$/));
export const kioskId = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,31}$/));
export const path = v.picklist(ACTIVATION_PATHS);
export const errorCode = v.picklist(ERROR_CODES as [ErrorCode, ...ErrorCode[]]);
/** SHA-256 of a certificate's SubjectPublicKeyInfo (DER), lower-case hex: what binds a card to its record. */
export const keySha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
export const base64url = (min: number, max: number) => v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.minLength(min), v.maxLength(max));

/**
 * The responsible person's birth date, read once: what the user typed (the ROC forms the manual
 * asks for, '75/3/5', '民國75年3月5日', or an ISO date; `parseBirthDate` in machines/validators) in,
 * the ISO 'YYYY-MM-DD' the registry keeps a MAC of out; a date that does not exist, is before 1900
 * or after `today` (the reader's clock, dated in Taipei) fails with the issue message
 * BIRTH_DATE_FORMAT. The machine reads the typed date with it (on its own clock), the registry
 * reads verify's date with it again (it trusts no kiosk).
 */
export function birthDateField(today: Date) {
  const failure = 'BIRTH_DATE_FORMAT' satisfies ErrorCode;
  return v.pipe(
    v.string(failure),
    v.maxLength(64, failure),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const parsed = parseBirthDate(dataset.value, today);
      if (parsed.ok) return parsed.iso;
      addIssue({ message: failure });
      return NEVER;
    }),
  );
}

export type BirthDateReading = { ok: true; iso: string } | { ok: false; code: 'BIRTH_DATE_FORMAT' };

/** Reads `raw` with the `birthDateField` schema: the ISO date, or the contract's error code. */
export function readBirthDate(raw: string, today: Date): BirthDateReading {
  const result = v.safeParse(birthDateField(today), raw);
  return result.success ? { ok: true, iso: result.output } : { ok: false, code: 'BIRTH_DATE_FORMAT' };
}

/** A card record's status as the registry keeps it (docs/registry.md). */
export const CARD_RECORD_STATUSES = [
  'issued',
  'verified',
  'accepted',
  'activated',
  'revoked',
  'suspended',
  'used-before-activation',
  'locked',
  'returned',
] as const;
export type CardRecordStatus = (typeof CARD_RECORD_STATUSES)[number];
export const cardRecordStatus = v.picklist(CARD_RECORD_STATUSES);
