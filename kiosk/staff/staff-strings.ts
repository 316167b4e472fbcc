// The words of the staff console, in 正體中文 (the counter staff's language). Screen titles, paths
// and the contract's error texts come from the kiosk's own catalogues, so the console says exactly
// what the kiosk's screen says; the staff-only error codes' words are here (`staffErrors`).
import type { CardRecordStatus } from '../../machines/contract/messages.ts';
import { ContractError } from '../../machines/contract/errors.ts';
import { errorText } from '../src/i18n.ts';
import { kioskBadges } from '../consoles/console-strings.ts';
import type { StaffEventType } from '../consoles/kiosk-status.ts';
import { StaffError, type StaffErrorCode } from '../../machines/contract/staff.ts';

export interface StaffActionText {
  readonly label: string;
  readonly help: string;
  /** Asked before a destructive action is sent. */
  readonly confirm?: string;
  readonly confirmButton?: string;
}

const ACTION_TEXTS: Readonly<Record<StaffEventType, StaffActionText>> = {
  'staff.resume': {
    label: '繼續作業',
    help: '處理完畢，讓機台回到民眾原本的畫面（會先重新檢查卡片）。',
  },
  'staff.unlocked': {
    label: '解除鎖定並繼續作業',
    help: '在憑證管理中心解除此卡的自助開卡鎖定，再讓機台回到輸入畫面。',
  },
  'staff.overrideIdWarning': {
    label: '已核對證件，繼續核對身分',
    help: '身分證字號不符合檢查公式，但您已核對證件無誤：機台將照所輸入的資料送出核對。',
  },
  'staff.takeCard': {
    label: '收回卡片',
    help: '由櫃檯服務人員收下卡片並結束此次作業（畫面資料將清除）。',
    confirm: '確定要收回卡片並結束此機台的作業嗎？民眾已輸入的資料將清除。',
    confirmButton: '確定收回卡片',
  },
  'staff.abort': {
    label: '結束作業',
    help: '結束此次作業（畫面資料將清除）；卡片仍在讀卡機時，機台先請民眾取回IC卡，再回到「請插入IC卡」畫面。',
    confirm: '確定要結束此機台目前的作業嗎？民眾已輸入的資料將清除。',
    confirmButton: '確定結束作業',
  },
  'staff.speechOn': {
    label: '開啟自動語音說明',
    help: '機台每換一個畫面，即自動播放該畫面的語音說明；民眾仍可隨時按〔語音說明〕。',
  },
  'staff.speechOff': {
    label: '關閉自動語音說明',
    help: '機台不再自動播放語音說明；民眾按〔語音說明〕時才播放。',
  },
};

/** The kiosk's automatic speech as the console shows it (docs/staff-console.md). */
export const speechStrings = {
  heading: '語音說明',
  on: '自動語音說明：開啟（每換一個畫面即播放）',
  off: '自動語音說明：關閉（民眾按〔語音說明〕時才播放）',
};

/**
 * The 錯誤訊息 a return slip prints for the code that sent the card to staff: what the user met,
 * in the manual's words and with the manual's code only (never our internal code, never an
 * instruction to the user).
 */
const SLIP_REASONS: Readonly<Record<string, string>> = {
  '27011': '錯誤代碼27011：卡片在完成啟用憑證前，已先行至應用系統操作。',
  CARD_UNREADABLE: '不明連接卡之錯誤：讀卡機可讀取其他憑證IC卡，只有此張工商憑證IC卡無法讀取。',
  UNKNOWN_CARD: '不明連接卡之錯誤：讀卡機可讀取其他憑證IC卡，只有此張工商憑證IC卡無法讀取。',
  CARD_MISMATCH: '卡片內的憑證與憑證管理中心登記的卡片不符。',
  LOCKED: '輸入錯誤次數過多，已暫停自助開卡。',
};

export const staffStrings = {
  title: '工商憑證IC卡開卡 — 櫃檯服務台',
  connection: {
    offline: '未連線',
    connecting: '連線中…',
    connected: '已連線',
    disconnected: '連線中斷，重新連線中…',
  },
  staffId: {
    heading: '請輸入您的員工代號',
    explain: '員工代號會記錄在您對機台及卡片所做的每一項操作中。',
    label: '員工代號',
    submit: '開始',
    invalid: '請輸入 1 至 64 個字元的員工代號。',
    current: '服務人員',
    change: '更換',
  },
  signIn: {
    heading: '服務人員登入',
    explain: '請以您登錄的通行金鑰（passkey）或安全金鑰登入；每一項操作都會記錄您的員工代號。',
    staffIdOptional: '員工代號（使用安全金鑰時填寫；通行金鑰可免填）',
    button: '以通行金鑰登入',
    badStaffId: '員工代號為 1 至 32 個英文字母、數字或 -。',
    enrollHeading: '登錄通行金鑰',
    enrollExplain: '此連結由系統管理者產生，只能使用一次：請按下按鈕，依瀏覽器指示建立通行金鑰或插入安全金鑰。',
    enrollButton: '建立通行金鑰',
    enrolled: (name: string, staffId: string) => `已為 ${name}（${staffId}）登錄通行金鑰，請登入。`,
    /** Which authenticators this site takes (STAFF_AUTHENTICATORS), said after an enrollment. */
    authenticatorPolicy: {
      any: '本站接受任何通行金鑰或安全金鑰。',
      listed: '本站僅接受管理者指定型號的安全金鑰（已驗證其製造商證明）。',
    },
    wrongOrigin: (origin: string) => `通行金鑰只能在 ${origin}/staff 使用，請改由該網址開啟。`,
    signedInAs: '登入者',
    signOut: '登出',
    expired: '登入已逾時，請重新登入。',
    until: (time: string) => `登入有效至 ${time}`,
  },
  rediscover: '重新搜尋機台',
  kiosks: '機台',
  kioskCount: (all: number, needingStaff: number) => `共 ${all} 部${needingStaff > 0 ? `，${needingStaff} 部需要協助` : ''}`,
  noKiosks: '尚未找到任何機台。機台的開卡程式啟動後會自動出現在這裡。',
  selectHint: '請從左側選擇一部機台。',
  selected: '已選取',
  badges: kioskBadges,
  factsHeading: '機台目前的畫面',
  fields: {
    screen: '畫面',
    state: '狀態路徑',
    card: '卡片',
    error: '錯誤',
    deadline: '倒數',
    changedAt: '最後變更',
    returnScreen: '中斷前畫面',
    step: '步驟',
    path: '申請方式',
    accepts: '可接受事件',
    seq: '畫面序號',
    lang: '語言',
  },
  remedy: {
    retry: '民眾可重試',
    reinsert: '請民眾重新插卡',
    correctInput: '民眾可更正輸入',
    startOver: '民眾可重新開始',
    staff: '需由服務人員處理',
    none: '此卡無法在機台辦理',
  },
  attemptsLeft: (n: number) => `尚可嘗試 ${n} 次`,
  secondsLeft: (n: number) => `剩餘 ${n} 秒`,
  expired: '已到時',
  actions: {
    heading: '機台操作',
    none: '此機台目前沒有可由服務人員執行的操作。',
    sent: (label: string, kioskId: string) => `已送出「${label}」至 ${kioskId}。`,
    failed: (label: string) => `「${label}」未能送出：`,
    cancel: '取消',
    byType: ACTION_TEXTS,
  },
  cardPanel: {
    heading: '卡片查詢（憑證管理中心）',
    cardNumber: 'IC卡卡號',
    lookup: '查詢',
    looking: '查詢中…',
    invalidNumber: 'IC卡卡號為 4 至 32 個英文大寫字母或數字。',
    record: '卡片紀錄',
    history: '異動紀錄',
    noHistory: '沒有異動紀錄。',
    unlock: '解除鎖定',
    unlockHelp: '此卡因輸入錯誤次數過多，已暫停自助開卡。核對民眾身分後可解除鎖定。',
    giveBack: '登記收回卡片',
    giveBackHelp: '收下此卡，寄回憑證管理中心：錯誤代碼27011（開卡前已被使用）進行解卡，不明連接卡（讀卡機可讀取其他憑證IC卡，只有此卡無法讀取）進行檢測。',
    giveBackConfirm: '確定登記收回此卡嗎？此卡將無法在機台開卡，直到憑證管理中心處理完畢。',
    giveBackConfirmButton: '確定登記收回',
    unlocked: (cardNumber: string) => `已解除 ${cardNumber} 的鎖定。`,
    returned: (cardNumber: string) => `已登記收回 ${cardNumber}。`,
    toldKiosk: (label: string, kioskId: string) => `並已通知 ${kioskId}「${label}」。`,
    activation: (kioskId: string, live: boolean) => `${kioskId}（${live ? '進行中' : '已逾時'}）`,
    fields: {
      cardNumber: 'IC卡卡號',
      holderName: '憑證用戶名稱',
      ubn: '統編',
      route: '申請方式',
      status: '卡片狀態',
      attemptsLeft: '剩餘嘗試次數',
      certSerial: '憑證序號',
      validity: '憑證有效期限',
      importedAt: '發卡登錄',
      acceptedAt: '憑證接受',
      activatedAt: '開卡完成',
      lockedAt: '鎖定時間',
      returnedAt: '收回時間',
      activation: '目前開卡作業',
    },
    historyColumns: { at: '時間', type: '異動', change: '狀態', where: '機台／人員' },
  },
  /** The return slip, in the office's voice: what the counter did and what the CA will do. */
  slip: {
    title: '工商憑證IC卡 寄回單',
    to: '寄送至：',
    reasonText: (reason: string): string => SLIP_REASONS[reason] ?? (/^\d+$/.test(reason) ? `錯誤代碼${reason}` : '請見隨附說明。'),
    note: {
      unblock: '本櫃檯已收下此張工商憑證IC卡，寄回憑證管理中心進行解卡。憑證管理中心完成解卡後，將以掛號方式將憑證寄回上列郵寄地址。',
      test: '本櫃檯已收下此張工商憑證IC卡，並已以其他憑證IC卡確認讀卡機可正常讀取；現寄回憑證管理中心進行檢測。憑證管理中心完成檢測後，將以掛號方式將憑證寄回上列郵寄地址。',
    },
  },
  /**
   * The manual's advice for 不明連接卡, for staff: try the reader with another certificate card
   * before treating the card as broken.
   */
  readerAdvice:
    '請先確認讀卡機驅動程式已正確安裝、插入憑證IC卡時燈號是否閃爍，並以其他憑證IC卡（例如自然人憑證或舊有之工商憑證）試讀此讀卡機。若可讀取，只有此張工商憑證IC卡無法讀取，再登記收回此卡，寄回憑證管理中心進行檢測。',
  statuses: {
    issued: '已發卡，待開卡',
    verified: '已核對身分',
    accepted: '已接受憑證，待設定PIN碼',
    activated: '已完成開卡',
    revoked: '憑證已廢止',
    suspended: '憑證已暫時停用',
    'used-before-activation': '開卡前已被使用（27011）',
    locked: '已鎖定自助開卡',
    returned: '已收回',
  } satisfies Record<CardRecordStatus, string>,
  eventTypes: {
    imported: '發卡登錄',
    verified: '身分核對成功',
    'attempt-failed': '身分核對失敗',
    locked: '鎖定',
    accepted: '憑證接受',
    'pin-granted': '核發PIN碼設定授權',
    activated: '開卡完成',
    unlocked: '解除鎖定',
    returned: '收回卡片',
  } as Record<string, string>,
  requestError: {
    heading: '操作未完成',
    unreachable: '憑證管理中心沒有回應，請稍後再試。',
    notConnected: '尚未連線到系統。',
  },
  /** What staff read for each staff-only error code (machines/contract/staff.ts), by code. */
  staffErrors: {
    STAFF_SIGN_IN_REQUIRED: '請先以通行金鑰登入。',
    STAFF_TOKEN_INVALID: '登入憑據無效，請重新登入。',
    STAFF_TOKEN_EXPIRED: '登入已逾時，請重新登入。',
    STAFF_TOKEN_REVOKED: '此登入已失效，請重新登入。',
    AUDIT_UNAVAILABLE: '稽核紀錄暫時無法寫入，本次作業未執行，請稍後再試。',
    SIGN_IN_BUSY: '登入要求過多，請稍候再試。',
    STAFF_MISMATCH: '要求中的員工代號與登入者不符。',
    UNLOCK_LIMIT: '此張卡片今日解除鎖定次數已達上限，請洽憑證管理中心。',
    ENROLL_CODE_INVALID: '登錄代碼無效、已使用或已逾期，請向管理者重新申請。',
    PASSKEY_REFUSED: '通行金鑰驗證失敗，請再試一次。',
    UNKNOWN_STAFF: '查無此員工或通行金鑰，請向管理者申請登錄。',
    STAFF_BAD_REQUEST: '要求格式不正確。',
  } satisfies Record<StaffErrorCode, string>,
};

/**
 * What staff read for a failed request: the kiosk's zh-TW catalogue's words (for 3125, "no answer", since the
 * catalogue's 3125 text speaks of an acceptance), and the code with the service's own message.
 */
export function describeRequestError(error: unknown): { text: string; detail: string } {
  if (error instanceof StaffError) return { text: staffStrings.staffErrors[error.code], detail: `${error.code} · ${error.message}` };
  if (error instanceof ContractError) {
    const text = error.code === '3125' ? staffStrings.requestError.unreachable : errorText(error.code, 'zh-TW');
    // A service that said nothing more sends the code as its message: shown once.
    return { text, detail: error.message === error.code ? error.code : `${error.code} · ${error.message}` };
  }
  return { text: staffStrings.requestError.heading, detail: error instanceof Error ? error.message : String(error) };
}

const timeFormat = new Intl.DateTimeFormat('zh-TW', {
  timeZone: 'Asia/Taipei',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const dateTimeFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** '14:03:07', Taipei time. */
export function formatTime(value: number | string): string {
  return timeFormat.format(typeof value === 'number' ? value : Date.parse(value));
}

/** '2026-03-25 14:03:07', Taipei time. */
export function formatDateTime(value: number | string): string {
  return dateTimeFormat.format(typeof value === 'number' ? value : Date.parse(value));
}
