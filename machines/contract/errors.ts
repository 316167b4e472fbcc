// The error catalogue of docs/contract.md ("Screens and error codes"): every code the system can show a user or return
// on the wire, whether repeating may help, and what the user can do next. The words a user reads
// for each code (and path B's wording where it differs) are in the kiosk's text catalogues
// (kiosk/src/text/*.json, `errors` and `errorsBundled`), never here. The session machine must have
// a state for each code (a test checks that adding a code here without a state fails).

/** What the person at the kiosk can do about an error. */
export type Remedy =
  /** Try the same thing again (the screen offers it). */
  | 'retry'
  /** Take the card out and put it back in (or insert the first card again). */
  | 'reinsert'
  /** Correct what was typed on the same screen. */
  | 'correctInput'
  /** Start the activation again from the beginning. */
  | 'startOver'
  /** Nothing the user can do alone: counter staff must help. */
  | 'staff'
  /** Nothing to do: the card is not usable here (or already done). */
  | 'none';

export const REMEDIES = ['retry', 'reinsert', 'correctInput', 'startOver', 'staff', 'none'] as const satisfies readonly Remedy[];

export interface ErrorInfo {
  readonly code: string;
  /** Whether repeating the same request may succeed (wire meaning of `retryable`). */
  readonly retryable: boolean;
  readonly remedy: Remedy;
  /**
   * The code as the manual gives it to the user (3005, 27011, 4931, 3125): the only code a user
   * sees or is asked to quote. Our own codes (WRONG_PATH, LOCKED, …) have none and stay with staff.
   */
  readonly manualCode?: string;
  /** Whether calling 客服專線 can help the user (the CA alone can act): the screen then lists every number. */
  readonly callHelps?: boolean;
}

/**
 * 客服專線 as the manual's 「客服專線」 section lists them: 412-1166 from a local line of seven or
 * eight digits (Kinmen included), 41-1166 where local numbers have six digits, (02/04/07)-412-1166
 * from the outlying islands and from mobile phones, +886-(2/4/7)-412-1166 from abroad.
 */
export const CUSTOMER_SERVICE = {
  phone: '412-1166',
  phoneSixDigitArea: '41-1166',
  phoneFromMobile: '(02/04/07)-412-1166',
  phoneFromAbroad: '+886-(2/4/7)-412-1166',
  email: 'moeaca@moeaca.nat.gov.tw',
} as const;

/** The manual's return code for 3125 (卡片未完成開卡:<card number>,RetCode=10011502). */
export const RET_CODE_3125 = '10011502';

const catalogue = [
  {
    code: '3005',
    retryable: true,
    remedy: 'correctInput',
    manualCode: '3005',
    callHelps: true,
  },
  {
    code: 'WRONG_PATH',
    retryable: true,
    remedy: 'retry',
  },
  {
    code: 'LOCKED',
    retryable: false,
    remedy: 'staff',
  },
  {
    code: '27011',
    retryable: false,
    remedy: 'staff',
    manualCode: '27011',
  },
  {
    code: '4931',
    retryable: false,
    remedy: 'staff',
    manualCode: '4931',
    callHelps: true,
  },
  {
    code: 'SUSPENDED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
  },
  {
    code: 'ALREADY_ACTIVATED',
    retryable: false,
    remedy: 'none',
  },
  {
    code: 'CERT_EXPIRED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
  },
  {
    code: '3125',
    retryable: true,
    remedy: 'retry',
    manualCode: '3125',
    callHelps: true,
  },
  {
    code: 'READER_NOT_FOUND',
    retryable: false,
    remedy: 'staff',
  },
  {
    code: 'CARD_NOT_DETECTED',
    retryable: true,
    remedy: 'reinsert',
  },
  {
    code: 'CARD_UNREADABLE',
    retryable: false,
    remedy: 'staff',
  },
  {
    code: 'UNKNOWN_CARD',
    retryable: false,
    // A genuine card the reader or the card module cannot read lands here too: staff look at it.
    remedy: 'staff',
  },
  {
    // A card of another kind (a 自然人憑證, a bank card, a card without a certificate): nothing to
    // activate, nothing to mail. The user takes it back.
    code: 'NOT_BUSINESS_CARD',
    retryable: false,
    remedy: 'none',
  },
  {
    code: 'CARD_MISMATCH',
    retryable: false,
    remedy: 'staff',
  },
  {
    code: 'CARD_SWAPPED',
    retryable: true,
    remedy: 'reinsert',
  },
  {
    code: 'DATA_DISPUTED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
  },
  {
    code: 'SESSION_EXPIRED',
    retryable: true,
    remedy: 'startOver',
  },
  {
    code: 'BAD_REQUEST',
    retryable: false,
    remedy: 'staff',
  },
  {
    code: 'PIN_FORMAT',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'PIN_MISMATCH',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'USER_CODE_FORMAT',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'USER_CODE_MISMATCH',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'EMAIL_FORMAT',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'ID_FORMAT',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'BIRTH_DATE_FORMAT',
    retryable: true,
    remedy: 'correctInput',
  },
  {
    code: 'BIRTH_DATE_REQUIRED',
    retryable: true,
    remedy: 'correctInput',
  },
] as const satisfies readonly ErrorInfo[];

export type ErrorCode = (typeof catalogue)[number]['code'];

export const ERROR_CODES: readonly ErrorCode[] = catalogue.map((entry) => entry.code);

export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = Object.fromEntries(
  catalogue.map((entry) => [entry.code, entry]),
) as Record<ErrorCode, ErrorInfo>;

/** The code a user may see and quote for `code`: the manual's, or none for our own codes. */
export function manualCodeOf(code: ErrorCode): string | undefined {
  return ERRORS[code].manualCode;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The input-check codes: shown on the input screen itself, never as the `failed` screen. */
export const INPUT_ERROR_CODES = [
  'PIN_FORMAT',
  'PIN_MISMATCH',
  'USER_CODE_FORMAT',
  'USER_CODE_MISMATCH',
  'EMAIL_FORMAT',
  'ID_FORMAT',
  'BIRTH_DATE_FORMAT',
  'BIRTH_DATE_REQUIRED',
] as const satisfies readonly ErrorCode[];

export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

/**
 * The wire form of an error (docs/contract.md, "Subjects": Errors): the JSON body of a failed request, also
 * carried in NATS service-error headers.
 */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly attemptsLeft?: number;
}

/**
 * An error that crosses a boundary with a contract code. Thrown by service clients so that the
 * machine's actors can reject with something the machine understands.
 */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly attemptsLeft: number | undefined;

  constructor(code: ErrorCode, message?: string, extra: { attemptsLeft?: number; cause?: unknown } = {}) {
    super(message ?? code, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ContractError';
    this.code = code;
    this.retryable = ERRORS[code].retryable;
    this.attemptsLeft = extra.attemptsLeft;
  }

  toWire(): WireError {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.attemptsLeft === undefined ? {} : { attemptsLeft: this.attemptsLeft }),
    };
  }
}

/** Reads the contract code out of anything an actor rejected with; unknown failures are 3125-like only when said so. */
export function errorCodeOf(error: unknown, fallback: ErrorCode): ErrorCode {
  if (error instanceof ContractError) return error.code;
  if (typeof error === 'object' && error !== null && 'code' in error && isErrorCode(error.code)) {
    return error.code;
  }
  return fallback;
}
