// The error catalogue of docs/contract.md ("Screens and error codes"): every code the system can show a user or return
// on the wire, with what the user sees and what they can do next. The session machine must have a
// state for each code (a test checks that adding a code here without a state fails).

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
  /** What the user reads, in the manual's wording where it has one. */
  readonly text: { readonly 'zh-TW': string; readonly en: string };
  /** Wording for path B where the code means something else there (3005: the ID or birth date). */
  readonly bundledText?: { readonly 'zh-TW': string; readonly en: string };
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

/**
 * Where the manual sends a card the CA must unlock (27011) or test (a genuine card that cannot be
 * read), with the error message and the company's contact (name, phone, postal address); the CA
 * returns it by registered mail.
 */
export const CA_MAIL_ADDRESS = '100 臺北市信義路一段 21 號數據大樓 4 樓，憑證管理中心收';

/** The manual's return code for 3125 (卡片未完成開卡:<card number>,RetCode=10011502). */
export const RET_CODE_3125 = '10011502';

const catalogue = [
  {
    code: '3005',
    retryable: true,
    remedy: 'correctInput',
    manualCode: '3005',
    callHelps: true,
    text: {
      'zh-TW': '用戶代碼錯誤：3005。用戶代碼可能有誤（英文大小寫有別），請確認後重新輸入。',
      en: 'Error 3005: the user code does not match. User codes are case-sensitive (upper and lower case differ); check it and enter it again.',
    },
    bundledText: {
      'zh-TW': '身分證字號或出生年月日錯誤：3005。請確認工商負責人身分證字號及出生年月日後重新輸入。',
      en: "Error 3005: the responsible person's ID number or date of birth does not match. Check both and enter them again.",
    },
  },
  {
    code: 'WRONG_PATH',
    retryable: true,
    remedy: 'retry',
    text: {
      'zh-TW': '此張IC卡不是以您選擇的方式申請，請改選另一種啟用方式。',
      en: 'This card was not issued the way you chose. Please choose the other activation path.',
    },
  },
  {
    code: 'LOCKED',
    retryable: false,
    remedy: 'staff',
    text: {
      'zh-TW': '輸入錯誤次數過多，此張IC卡已暫停自助開卡，請洽櫃檯服務人員。',
      en: 'Too many wrong attempts: self-service activation of this card is locked. Please ask the counter staff.',
    },
  },
  {
    code: '27011',
    retryable: false,
    remedy: 'staff',
    manualCode: '27011',
    text: {
      'zh-TW': '錯誤代碼27011：此張IC卡在完成啟用憑證前已先行至應用系統操作，須寄回憑證管理中心進行解卡。',
      en: 'Error 27011: the card was used in an application before activation was finished; it must be mailed to the CA to be unblocked (解卡).',
    },
  },
  {
    code: '4931',
    retryable: false,
    remedy: 'staff',
    manualCode: '4931',
    callHelps: true,
    text: {
      'zh-TW': '錯誤代碼4931：此張憑證已廢止，無法啟用。',
      en: 'Error 4931: this certificate has been revoked and cannot be activated.',
    },
  },
  {
    code: 'SUSPENDED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
    text: {
      'zh-TW': '此張憑證已暫時停用，無法啟用。',
      en: 'This certificate is suspended and cannot be activated.',
    },
  },
  {
    code: 'ALREADY_ACTIVATED',
    retryable: false,
    remedy: 'none',
    text: {
      'zh-TW': '此張IC卡已完成開卡，不需再次啟用。',
      en: 'This card is already activated; there is nothing left to do.',
    },
  },
  {
    code: 'CERT_EXPIRED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
    text: {
      'zh-TW': '此張憑證不在有效期限內，無法啟用。',
      en: 'This certificate is outside its validity period and cannot be activated.',
    },
  },
  {
    code: '3125',
    retryable: true,
    remedy: 'retry',
    manualCode: '3125',
    callHelps: true,
    // The kiosk's screen says which step did not reach the CA (kiosk/src/text: failedStep3125);
    // this is the general wording, for the wire and for staff.
    text: {
      'zh-TW': '卡片未完成開卡，錯誤代碼3125：憑證管理中心無法順利接收到您的資料，可能是網路連線異常或壅塞，請稍後再試。',
      en: 'Error 3125: the card is not activated yet; the CA could not receive your data (network fault or congestion). Please try again shortly.',
    },
  },
  {
    code: 'READER_NOT_FOUND',
    retryable: false,
    remedy: 'staff',
    text: {
      'zh-TW': '找不到讀卡機，本機暫停服務，請洽櫃檯服務人員。',
      en: 'No card reader found. This kiosk is out of service; please ask the counter staff.',
    },
  },
  {
    code: 'CARD_NOT_DETECTED',
    retryable: true,
    remedy: 'reinsert',
    text: {
      'zh-TW': '智慧卡讀卡機中未偵測到智慧卡或晶片卡初始化卡片失敗，請取出卡片後重新插入。',
      en: 'No card detected in the reader, or the card failed to initialise. Please take the card out and insert it again.',
    },
  },
  {
    code: 'CARD_UNREADABLE',
    retryable: false,
    remedy: 'staff',
    text: {
      'zh-TW': '不明連接卡之錯誤：讀卡機無法讀取此張工商憑證IC卡，須寄回憑證管理中心進行檢測。',
      en: 'Unknown card error: the reader cannot read this business-certificate card; it must be mailed to the CA to be tested.',
    },
  },
  {
    code: 'UNKNOWN_CARD',
    retryable: false,
    // A genuine card the reader or the card module cannot read lands here too: staff look at it.
    remedy: 'staff',
    text: {
      'zh-TW': '無法辨識此張IC卡：讀卡機或卡片元件無法讀取此卡，或憑證管理中心查無此卡。',
      en: 'This card cannot be recognised: the reader or the card module cannot read it, or the CA does not know it.',
    },
  },
  {
    // A card of another kind (a 自然人憑證, a bank card, a card without a certificate): nothing to
    // activate, nothing to mail. The user takes it back.
    code: 'NOT_BUSINESS_CARD',
    retryable: false,
    remedy: 'none',
    text: {
      'zh-TW': '此張IC卡不是工商憑證IC卡，無法在本機開卡。',
      en: 'This is not a business-certificate (MOEACA) card, so it cannot be activated here.',
    },
  },
  {
    code: 'CARD_MISMATCH',
    retryable: false,
    remedy: 'staff',
    text: {
      'zh-TW': '此張IC卡與憑證管理中心登記的卡片不符，請將卡片交給櫃檯服務人員。',
      en: 'This card does not match the card the CA registered. Please hand it to the counter staff.',
    },
  },
  {
    code: 'CARD_SWAPPED',
    retryable: true,
    remedy: 'reinsert',
    text: {
      'zh-TW': '您插入的是另一張卡片，請插回原來的IC卡。',
      en: 'A different card was inserted. Please insert the card you started with.',
    },
  },
  {
    code: 'DATA_DISPUTED',
    retryable: false,
    remedy: 'staff',
    callHelps: true,
    text: {
      'zh-TW': '您表示卡片資料有誤，請暫停後續啟用憑證，並洽櫃檯服務人員協助。',
      en: 'You reported that the card data is wrong. Please stop here and ask the counter staff.',
    },
  },
  {
    code: 'SESSION_EXPIRED',
    retryable: true,
    remedy: 'startOver',
    text: {
      'zh-TW': '作業逾時，請重新開始。',
      en: 'This activation has expired. Please start again.',
    },
  },
  {
    code: 'BAD_REQUEST',
    retryable: false,
    remedy: 'staff',
    text: {
      'zh-TW': '系統收到無法處理的資料，請洽櫃檯服務人員。',
      en: 'The system received data it cannot process. Please ask the counter staff.',
    },
  },
  {
    code: 'PIN_FORMAT',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': 'PIN碼須為6至8碼英文字母、數字或符號。',
      en: 'The PIN must be 6 to 8 letters, digits or symbols.',
    },
  },
  {
    code: 'PIN_MISMATCH',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '兩次輸入的PIN碼不一致，請重新輸入。',
      en: 'The two PINs do not match. Please enter them again.',
    },
  },
  {
    code: 'USER_CODE_FORMAT',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '用戶代碼須為6至10碼英文字母、數字或符號。',
      en: 'The user code must be 6 to 10 letters, digits or symbols.',
    },
  },
  {
    code: 'USER_CODE_MISMATCH',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '兩次輸入的用戶代碼不一致，請重新輸入。',
      en: 'The two user codes do not match. Please enter them again.',
    },
  },
  {
    code: 'EMAIL_FORMAT',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '電子信箱格式不正確，請重新輸入。',
      en: 'The e-mail address is not valid. Please enter it again.',
    },
  },
  {
    code: 'ID_FORMAT',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '身分證字號格式不正確，請輸入6至20碼英文字母或數字。',
      en: 'The ID number is not valid: enter 6 to 20 letters or digits.',
    },
  },
  {
    code: 'BIRTH_DATE_FORMAT',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '出生年月日不正確，請以民國年輸入正確的日期。',
      en: 'The date of birth is not a valid date. Please enter it in the ROC calendar.',
    },
  },
  {
    code: 'BIRTH_DATE_REQUIRED',
    retryable: true,
    remedy: 'correctInput',
    text: {
      'zh-TW': '此張憑證須核對工商負責人出生年月日，請輸入出生年月日（民國）。',
      en: "This certificate needs the responsible person's date of birth as well. Please enter it (ROC calendar).",
    },
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

/** The catalogue's text for `code`, in path B's wording where it has one. */
export function errorTextFor(code: ErrorCode, lang: 'zh-TW' | 'en', path?: 'self-applied' | 'registration-bundled'): string {
  const info = ERRORS[code];
  return (path === 'registration-bundled' ? info.bundledText?.[lang] : undefined) ?? info.text[lang];
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
    super(message ?? ERRORS[code].text.en, extra.cause === undefined ? undefined : { cause: extra.cause });
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
