// The field schemas the contract's messages are built from (docs/contract.md): one definition of a
// card number, a kiosk id, a timestamp … for every message file of machines/contract.
import * as v from 'valibot';
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
