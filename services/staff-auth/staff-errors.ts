// The staff side's own error codes. They never reach a kiosk user, so they live outside the
// contract's catalogue (which needs a kiosk state per code); on the wire they take the same form as
// every contract error: `{error: {code, message, retryable}}` and the service-error headers.
import type { Msg } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import * as v from 'valibot';

export const STAFF_ERRORS = {
  /** A staff request without a token: sign in first. */
  STAFF_SIGN_IN_REQUIRED: { status: 401, 'zh-TW': '請先以通行金鑰登入。' },
  /** A token that is malformed, signed by another key, or for another audience. */
  STAFF_TOKEN_INVALID: { status: 401, 'zh-TW': '登入憑據無效，請重新登入。' },
  STAFF_TOKEN_EXPIRED: { status: 401, 'zh-TW': '登入已逾時，請重新登入。' },
  /** The request names a staff id other than the signed-in one. */
  STAFF_MISMATCH: { status: 403, 'zh-TW': '要求中的員工代號與登入者不符。' },
  /** Too many unlocks of one card within a day: a person must look at this card. */
  UNLOCK_LIMIT: { status: 429, 'zh-TW': '此張卡片今日解鎖次數已達上限，請洽憑證管理中心。' },
  /** An enrollment code that is unknown, used or expired. */
  ENROLL_CODE_INVALID: { status: 403, 'zh-TW': '登錄代碼無效、已使用或已逾期，請向管理者重新申請。' },
  /** A sign-in or enrollment ceremony that does not verify (wrong origin, key, challenge, …). */
  PASSKEY_REFUSED: { status: 401, 'zh-TW': '通行金鑰驗證失敗，請再試一次。' },
  /** A staff member or passkey the service does not know. */
  UNKNOWN_STAFF: { status: 404, 'zh-TW': '查無此員工或通行金鑰，請向管理者申請登錄。' },
  /** A request the staff service cannot read. */
  STAFF_BAD_REQUEST: { status: 400, 'zh-TW': '要求格式不正確。' },
} as const;

export type StaffErrorCode = keyof typeof STAFF_ERRORS;
export const STAFF_ERROR_CODES = Object.keys(STAFF_ERRORS) as StaffErrorCode[];

export class StaffError extends Error {
  readonly code: StaffErrorCode;
  constructor(code: StaffErrorCode, message: string) {
    super(message);
    this.name = 'StaffError';
    this.code = code;
  }
}

export function isStaffErrorCode(value: unknown): value is StaffErrorCode {
  return typeof value === 'string' && Object.hasOwn(STAFF_ERRORS, value);
}

/** Answers `msg` with a staff error in the contract's error form. */
export function respondWithStaffError(msg: Msg, error: StaffError): void {
  const h = natsHeaders();
  h.set('Nats-Service-Error-Code', String(STAFF_ERRORS[error.code].status));
  h.set('Nats-Service-Error', error.code);
  msg.respond(new TextEncoder().encode(JSON.stringify({ error: { code: error.code, message: error.message, retryable: false } })), { headers: h });
}

const StaffErrorBodySchema = v.object({
  error: v.object({ code: v.picklist(STAFF_ERROR_CODES), message: v.string() }),
});

/** The staff error in a reply body, if it is one. */
export function staffErrorIn(body: unknown): StaffError | undefined {
  const parsed = v.safeParse(StaffErrorBodySchema, body);
  return parsed.success ? new StaffError(parsed.output.error.code, parsed.output.error.message) : undefined;
}
