// The one place where what readers, tokens and the agent itself report becomes a contract error
// code (docs/contract.md, "Screens and error codes"; docs/card-agent.md, "Errors"). PC/SC return codes, PKCS#11 CKR_* values, the token's user-PIN
// flags and the agent's own situations each have a row; nothing raw crosses the NATS edge. The raw
// cause travels on as `ContractError.cause` for the agent's log only.
import { ContractError, type ErrorCode, type PinFlags } from '../machines/contract/index.ts';

/** The PKCS#11 step a CKR_* value came from: the same value means different things in different steps. */
export type Pkcs11Step =
  | 'load'
  | 'initialize'
  | 'find-token'
  | 'read'
  | 'so-login'
  | 'init-pin'
  | 'prove'
  | 'provision';

export type ErrorRow =
  | { source: 'pcsc'; name: string; value: number; code: ErrorCode; why: string }
  | { source: 'pkcs11'; name: string; value: number; step?: Pkcs11Step; code: ErrorCode; why: string }
  | { source: 'token-flag'; name: keyof typeof PIN_FLAG_BITS; code: ErrorCode; why: string }
  | ({ source: 'agent'; name: Situation } & SituationRow);

interface SituationRow {
  code: ErrorCode;
  why: string;
  message?: string;
}

/** CK_TOKEN_INFO.flags bits of the user PIN (PKCS#11 v2.40 section 3.2). */
export const PIN_FLAG_BITS = {
  CKF_USER_PIN_INITIALIZED: 0x0000_0008,
  CKF_USER_PIN_COUNT_LOW: 0x0001_0000,
  CKF_USER_PIN_FINAL_TRY: 0x0002_0000,
  CKF_USER_PIN_LOCKED: 0x0004_0000,
} as const;

/** CK_TOKEN_INFO.flags bits of the SO PIN (PKCS#11 v2.40 section 3.2), worst first. */
export const SO_PIN_FLAG_BITS = {
  CKF_SO_PIN_LOCKED: 0x0040_0000,
  CKF_SO_PIN_FINAL_TRY: 0x0020_0000,
  CKF_SO_PIN_COUNT_LOW: 0x0010_0000,
} as const;

/** Why no SO login may be tried on a token with these flags, if its SO PIN flags say so. */
export function soPinTroubleOf(flags: number): 'so-pin-locked' | 'so-pin-final-try' | 'so-pin-count-low' | undefined {
  if ((flags & SO_PIN_FLAG_BITS.CKF_SO_PIN_LOCKED) !== 0) return 'so-pin-locked';
  if ((flags & SO_PIN_FLAG_BITS.CKF_SO_PIN_FINAL_TRY) !== 0) return 'so-pin-final-try';
  if ((flags & SO_PIN_FLAG_BITS.CKF_SO_PIN_COUNT_LOW) !== 0) return 'so-pin-count-low';
  return undefined;
}

/**
 * The agent's own findings, with no PC/SC or PKCS#11 value behind them: one row per situation, so
 * the list of situations is this table's keys and none can be without a row.
 */
const SITUATION_ROWS = {
  'no-reader': { code: 'READER_NOT_FOUND', why: 'no reader is attached (or pcscd is down)' },
  'no-card': { code: 'CARD_NOT_DETECTED', why: 'the reader is empty' },
  'no-token-for-card': { code: 'UNKNOWN_CARD', why: 'a card is in the reader but the PKCS#11 module shows no token for it' },
  'no-certificate': { code: 'NOT_BUSINESS_CARD', why: 'the token carries no certificate: not a business-certificate card' },
  'certificate-unparseable': { code: 'CARD_UNREADABLE', why: 'the certificate on the token is not valid DER X.509' },
  'not-a-business-certificate': { code: 'NOT_BUSINESS_CARD', why: 'the certificate has no holder name (O) or UBN, or another CA issued it: not a MOEACA business certificate' },
  'card-removed-during-set-pin': { code: 'CARD_NOT_DETECTED', why: 'the card left the reader between the PIN grant and the end of C_InitPIN' },
  'so-login-failed-before': { code: 'CARD_UNREADABLE', why: 'an SO login already failed on this card since the agent started: it is never tried again' },
  // The token's SO PIN flags: an SO login is never tried on a card that shows any of them, because
  // the next wrong one may lock it for good (SoftHSM2 sets COUNT_LOW after one wrong SO login).
  'so-pin-count-low': { code: 'CARD_UNREADABLE', why: 'CKF_SO_PIN_COUNT_LOW: an SO login already failed on this card; reported to the registry, staff' },
  'so-pin-final-try': { code: 'CARD_UNREADABLE', why: 'CKF_SO_PIN_FINAL_TRY: one more wrong SO login locks the card; reported to the registry, staff' },
  'so-pin-locked': { code: 'CARD_UNREADABLE', why: 'CKF_SO_PIN_LOCKED: the SO PIN is locked; only the CA can help' },
  'no-card-key': { code: 'CARD_UNREADABLE', why: "no private key next to the card's certificate (same CKA_ID) that can sign the proof of possession" },
  'new-pin-outside-token-bounds': { code: 'PIN_FORMAT', why: "the new PIN is shorter or longer than the token's ulMinPinLen / ulMaxPinLen" },
  'module-not-loadable': { code: 'READER_NOT_FOUND', why: 'the PKCS#11 module (card middleware) is missing or fails C_Initialize: the kiosk cannot serve' },
  'grant-unopenable': { code: 'BAD_REQUEST', why: "the registry's sealed SO credential does not open with this set-pin's one-time key and context" },
  'no-card-number': { code: 'UNKNOWN_CARD', why: 'the token carries no card number in the configured field (label or serial)' },
  'worker-stopped': { code: 'CARD_UNREADABLE', why: 'the PKCS#11 worker thread is gone' },
  'internal-error': { code: 'CARD_UNREADABLE', why: 'a fault in the agent itself: logged, answered without detail' },
} as const satisfies Record<string, { code: ErrorCode; why: string }>;

/** Things the agent itself finds out: the keys of SITUATION_ROWS. */
export type Situation = keyof typeof SITUATION_ROWS;

/** Where the agent can tell more than the contract's text for the code, its own message replaces it. */
const SITUATION_MESSAGES: Partial<Record<Situation, string>> = {
  'card-removed-during-set-pin': 'The card was removed while its PIN was being set. Insert the same card again to finish.',
  'module-not-loadable': 'The card module could not be loaded.',
};

function situationRow(situation: Situation): SituationRow {
  const message = SITUATION_MESSAGES[situation];
  return { ...SITUATION_ROWS[situation], ...(message === undefined ? {} : { message }) };
}

/**
 * Every row, in one table. The order matters only for PKCS#11: a row with a `step` is preferred
 * to the row for the same value without one.
 */
export const ERROR_TABLE: readonly ErrorRow[] = [
  // PC/SC (pcsclite.h). The pcsclite addon puts the value in its message as `(0x8010001d)`.
  { source: 'pcsc', name: 'SCARD_E_NO_SERVICE', value: 0x8010_001d, code: 'READER_NOT_FOUND', why: 'pcscd is not running' },
  { source: 'pcsc', name: 'SCARD_E_SERVICE_STOPPED', value: 0x8010_001e, code: 'READER_NOT_FOUND', why: 'pcscd stopped' },
  { source: 'pcsc', name: 'SCARD_F_COMM_ERROR', value: 0x8010_0013, code: 'READER_NOT_FOUND', why: 'lost the connection to pcscd ("RPC transport error")' },
  { source: 'pcsc', name: 'SCARD_E_NO_READERS_AVAILABLE', value: 0x8010_002e, code: 'READER_NOT_FOUND', why: 'pcscd runs but sees no reader' },
  { source: 'pcsc', name: 'SCARD_E_UNKNOWN_READER', value: 0x8010_0009, code: 'READER_NOT_FOUND', why: 'the reader was unplugged' },
  { source: 'pcsc', name: 'SCARD_E_READER_UNAVAILABLE', value: 0x8010_0017, code: 'READER_NOT_FOUND', why: 'the reader is there but cannot be used' },
  { source: 'pcsc', name: 'SCARD_E_NO_SMARTCARD', value: 0x8010_000c, code: 'CARD_NOT_DETECTED', why: 'no card in the reader' },
  { source: 'pcsc', name: 'SCARD_W_REMOVED_CARD', value: 0x8010_0069, code: 'CARD_NOT_DETECTED', why: 'the card was taken out' },
  { source: 'pcsc', name: 'SCARD_W_UNRESPONSIVE_CARD', value: 0x8010_0066, code: 'CARD_NOT_DETECTED', why: 'the card does not answer its reset: failed to initialise' },
  { source: 'pcsc', name: 'SCARD_W_UNPOWERED_CARD', value: 0x8010_0067, code: 'CARD_NOT_DETECTED', why: 'the card has no power: badly inserted' },
  { source: 'pcsc', name: 'SCARD_W_RESET_CARD', value: 0x8010_0068, code: 'CARD_NOT_DETECTED', why: 'the card was reset under us' },
  { source: 'pcsc', name: 'SCARD_E_CARD_UNSUPPORTED', value: 0x8010_001c, code: 'UNKNOWN_CARD', why: 'the reader cannot talk to this kind of card' },
  { source: 'pcsc', name: 'SCARD_W_UNSUPPORTED_CARD', value: 0x8010_0065, code: 'UNKNOWN_CARD', why: 'the ATR does not match any known card' },
  { source: 'pcsc', name: 'SCARD_E_SHARING_VIOLATION', value: 0x8010_000b, code: 'CARD_UNREADABLE', why: 'another program holds the card exclusively' },

  // PKCS#11 (pkcs11t.h), where a step changes the meaning it is named.
  { source: 'pkcs11', name: 'CKR_TOKEN_NOT_PRESENT', value: 0xe0, code: 'CARD_NOT_DETECTED', why: 'the card left the slot' },
  { source: 'pkcs11', name: 'CKR_DEVICE_REMOVED', value: 0x32, code: 'CARD_NOT_DETECTED', why: 'the card was removed during the call' },
  { source: 'pkcs11', name: 'CKR_SESSION_CLOSED', value: 0xb0, code: 'CARD_NOT_DETECTED', why: 'the session died with the card' },
  { source: 'pkcs11', name: 'CKR_SESSION_HANDLE_INVALID', value: 0xb3, code: 'CARD_NOT_DETECTED', why: 'the session died with the card' },
  { source: 'pkcs11', name: 'CKR_TOKEN_NOT_RECOGNIZED', value: 0xe1, code: 'UNKNOWN_CARD', why: 'the module does not know this card' },
  { source: 'pkcs11', name: 'CKR_SLOT_ID_INVALID', value: 0x03, code: 'READER_NOT_FOUND', why: 'the slot (reader) went away' },
  { source: 'pkcs11', name: 'CKR_DEVICE_ERROR', value: 0x30, code: 'CARD_UNREADABLE', why: 'the card answers with an error' },
  { source: 'pkcs11', name: 'CKR_DEVICE_MEMORY', value: 0x31, code: 'CARD_UNREADABLE', why: 'the card is out of memory' },
  { source: 'pkcs11', name: 'CKR_FUNCTION_FAILED', value: 0x06, code: 'CARD_UNREADABLE', why: 'the card refused the operation' },
  { source: 'pkcs11', name: 'CKR_GENERAL_ERROR', value: 0x05, code: 'CARD_UNREADABLE', why: 'the module failed' },
  { source: 'pkcs11', name: 'CKR_CRYPTOKI_NOT_INITIALIZED', value: 0x190, code: 'CARD_UNREADABLE', why: 'the module is not initialised' },
  { source: 'pkcs11', name: 'CKR_PIN_INCORRECT', value: 0xa0, step: 'so-login', code: 'CARD_UNREADABLE', why: "the registry's SO credential does not open this card: staff, never a second try" },
  { source: 'pkcs11', name: 'CKR_PIN_LOCKED', value: 0xa4, step: 'so-login', code: 'CARD_UNREADABLE', why: "the card's SO PIN is locked: only the CA can help" },
  { source: 'pkcs11', name: 'CKR_PIN_LEN_RANGE', value: 0xa2, step: 'so-login', code: 'CARD_UNREADABLE', why: 'the SO credential does not fit this card' },
  { source: 'pkcs11', name: 'CKR_PIN_LEN_RANGE', value: 0xa2, step: 'init-pin', code: 'PIN_FORMAT', why: 'the new PIN is outside what the card accepts' },
  { source: 'pkcs11', name: 'CKR_PIN_INVALID', value: 0xa1, step: 'init-pin', code: 'PIN_FORMAT', why: 'the card refuses characters of the new PIN' },
  { source: 'pkcs11', name: 'CKR_PIN_TOO_WEAK', value: 0x1b8, step: 'init-pin', code: 'PIN_FORMAT', why: 'the card refuses the new PIN as too weak' },
  { source: 'pkcs11', name: 'CKR_PIN_LOCKED', value: 0xa4, code: '27011', why: 'the user PIN is locked: the card was used before activation' },
  { source: 'pkcs11', name: 'CKR_USER_PIN_NOT_INITIALIZED', value: 0x102, step: 'read', code: 'CARD_UNREADABLE', why: 'the card was never personalised' },

  // The token's user-PIN flags, on a card that is being activated (`card.set-pin` runs only then;
  // the engine reads the same flags from `card.read`). A PIN that was tried before activation
  // finished is the manual's 27011: the card goes to the counter.
  { source: 'token-flag', name: 'CKF_USER_PIN_LOCKED', code: '27011', why: 'the user PIN is locked before activation' },
  { source: 'token-flag', name: 'CKF_USER_PIN_FINAL_TRY', code: '27011', why: 'one more wrong PIN locks it: it was tried before activation' },
  { source: 'token-flag', name: 'CKF_USER_PIN_COUNT_LOW', code: '27011', why: 'a wrong PIN was tried before activation (all SoftHSM2 can show)' },

  // The agent's own findings (SITUATION_ROWS, each with its message where it has one).
  ...(Object.keys(SITUATION_ROWS) as Situation[]).map((name) => ({ source: 'agent' as const, name, ...situationRow(name) })),
];

/** Values and steps with no row of their own. */
const PKCS11_FALLBACK: ErrorCode = 'CARD_UNREADABLE';
const PCSC_FALLBACK: ErrorCode = 'READER_NOT_FOUND';

export interface RawCause {
  source: 'pcsc' | 'pkcs11' | 'native';
  name: string;
  value?: number;
  step?: Pkcs11Step;
  detail?: string;
}

/** Reads the PC/SC value out of a pcsclite error (`SCardEstablishContext error: …(0x8010001d)`). */
export function pcscValueOf(error: unknown): number | undefined {
  const text = error instanceof Error ? error.message : String(error);
  const match = /\(0x([0-9a-f]{8})\)/i.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
}

export function pcscError(error: unknown): ContractError {
  const value = pcscValueOf(error);
  const row = ERROR_TABLE.find((r) => r.source === 'pcsc' && r.value === value);
  const cause: RawCause = {
    source: 'pcsc',
    name: row?.name ?? (value === undefined ? 'unknown' : `0x${value.toString(16)}`),
    ...(value === undefined ? {} : { value }),
    detail: error instanceof Error ? error.message : String(error),
  };
  return new ContractError(row?.code ?? PCSC_FALLBACK, undefined, { cause });
}

export function pkcs11Error(value: number, step: Pkcs11Step, name?: string): ContractError {
  const rows = ERROR_TABLE.filter((r): r is Extract<ErrorRow, { source: 'pkcs11' }> => r.source === 'pkcs11' && r.value === value);
  const row = rows.find((r) => r.step === step) ?? rows.find((r) => r.step === undefined);
  const cause: RawCause = { source: 'pkcs11', name: row?.name ?? name ?? `0x${value.toString(16)}`, value, step };
  return new ContractError(row?.code ?? PKCS11_FALLBACK, undefined, { cause });
}

export function situationError(situation: Situation, cause?: RawCause): ContractError {
  const row = situationRow(situation);
  return new ContractError(row.code, row.message, cause === undefined ? {} : { cause });
}

/** The user-PIN flags as the contract's `pinFlags` carries them. */
export function pinFlagsOf(flags: number, minPinLength: number, maxPinLength: number): PinFlags {
  return {
    userPinInitialized: (flags & PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED) !== 0,
    userPinCountLow: (flags & PIN_FLAG_BITS.CKF_USER_PIN_COUNT_LOW) !== 0,
    userPinFinalTry: (flags & PIN_FLAG_BITS.CKF_USER_PIN_FINAL_TRY) !== 0,
    userPinLocked: (flags & PIN_FLAG_BITS.CKF_USER_PIN_LOCKED) !== 0,
    minPinLength,
    maxPinLength,
  };
}

/**
 * The error a card that is being activated must stop with, given its PIN flags: any sign that a
 * PIN was tried on it before activation finished. Undefined when the card is clean.
 */
export function pinFlagsError(pinFlags: PinFlags): ContractError | undefined {
  const set: Record<keyof typeof PIN_FLAG_BITS, boolean> = {
    CKF_USER_PIN_INITIALIZED: pinFlags.userPinInitialized,
    CKF_USER_PIN_COUNT_LOW: pinFlags.userPinCountLow,
    CKF_USER_PIN_FINAL_TRY: pinFlags.userPinFinalTry,
    CKF_USER_PIN_LOCKED: pinFlags.userPinLocked,
  };
  const row = ERROR_TABLE.find((r) => r.source === 'token-flag' && set[r.name]);
  return row === undefined ? undefined : new ContractError(row.code, undefined, { cause: { source: 'pkcs11', name: row.name } });
}

/** The raw cause behind a contract error, for the agent's log line (never for the wire). */
export function rawCauseOf(error: ContractError): RawCause | undefined {
  const cause: unknown = error.cause;
  if (typeof cause === 'object' && cause !== null && 'source' in cause && 'name' in cause) return cause as RawCause;
  return undefined;
}
