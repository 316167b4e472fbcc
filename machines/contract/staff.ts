// The staff side of the contract (docs/contract.md, "Subjects": Staff, Staff sign-in): the
// requests staff send to the registry and what it answers, the RA_AUDIT message, staff sign-in's
// subjects and messages, and the staff-only error codes. The WebAuthn option and response objects
// are @simplewebauthn's JSON forms, passed through as they are and checked by the library when
// verified; everything else is checked here.
//
// The staff error codes never reach a kiosk user, so they live outside errors.ts (which needs a
// kiosk state per code); on the wire they take the same form as every contract error:
// `{error: {code, message, retryable}}` and the service-error headers.
import * as v from 'valibot';
import { CodedError } from './coded-error.ts';
import { cardNumber, cardRecordStatus as status, isoTime, path } from './fields.ts';
import { RegistryEventSchema } from './registry.ts';

// ---------------------------------------------------------------------------------------------
// Staff requests to the registry (`ra.staff.*`) and the audit trail

/** What `ra.staff.unlock` and `ra.staff.return` answer: the record after the change. No secret, no hash. */
export const StaffCardSummarySchema = v.object({
  cardNumber,
  route: path,
  status,
  attemptsLeft: v.number(),
  certSerial: v.string(),
  holderName: v.string(),
  /** The certificate's OU (a branch or unit), so staff tell a branch's card from the head office's. */
  orgUnit: v.optional(v.string()),
  ubn: v.string(),
  validFrom: isoTime,
  validTo: isoTime,
  importedAt: isoTime,
  acceptedAt: v.optional(isoTime),
  activatedAt: v.optional(isoTime),
  lockedAt: v.optional(isoTime),
  /** A card agent reported a failed SO login: no PIN grant until staff unlock. */
  soLoginFailedAt: v.optional(isoTime),
  returnedAt: v.optional(isoTime),
  /** Why the card was taken in (the code that sent it to staff) and whom it goes back to. */
  returnReason: v.optional(v.string()),
  returnContact: v.optional(v.object({ name: v.string(), phone: v.string(), address: v.string() })),
  /** The latest activation: which kiosk, until when, and whether it is still live. */
  activation: v.optional(v.object({ kioskId: v.string(), expiresAt: isoTime, live: v.boolean() })),
});
export type StaffCardSummary = v.InferOutput<typeof StaffCardSummarySchema>;

/** What `ra.staff.card` answers: the summary and the card's events from RA_EVENTS, oldest first. */
export const StaffCardReplySchema = v.object({
  ...StaffCardSummarySchema.entries,
  history: v.array(RegistryEventSchema),
});
export type StaffCardReply = v.InferOutput<typeof StaffCardReplySchema>;

/**
 * Every `ra.staff.*` request: the card and the staff token from sign-in (docs/staff-console.md).
 * The staff id comes from the token alone; a `staffId` in the body, if any, must be the token's.
 */
export const StaffRequestSchema = v.object({
  cardNumber,
  token: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  staffId: v.optional(v.pipe(v.string(), v.maxLength(64))),
});
export type StaffRequest = v.InferOutput<typeof StaffRequestSchema>;

const contactText = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max), v.regex(/^[^\p{Cc}]*$/u));

/** `ra.staff.return`: plus why the card is taken in and whom the CA returns it to. */
export const StaffReturnRequestSchema = v.object({
  ...StaffRequestSchema.entries,
  reason: v.optional(v.pipe(v.string(), v.regex(/^[A-Z0-9_]{1,32}$/))),
  contact: v.optional(
    v.object({
      name: contactText(64),
      phone: v.pipe(v.string(), v.trim(), v.regex(/^[0-9+()#\- ]{6,24}$/)),
      address: contactText(200),
    }),
  ),
});
export type StaffReturnRequest = v.InferOutput<typeof StaffReturnRequestSchema>;

/**
 * One RA_AUDIT message (`ra.audit.staff.<action>`): who asked what about which card, and the
 * outcome: `requested` is written (and acknowledged) before the registry acts, the result after.
 * `n` and `prev` chain it to the message before (docs/security.md, "The audit trail"); checkpoints
 * (`ra.audit.staff.checkpoint`) sit in the same chain.
 */
export const StaffAuditEventSchema = v.object({
  n: v.optional(v.number()),
  prev: v.optional(v.string()),
  at: isoTime,
  action: v.picklist(['card', 'unlock', 'return']),
  cardNumber: v.string(),
  /** From a verified token; absent when the request was refused before one was verified. */
  staffId: v.optional(v.string()),
  outcome: v.string(),
});
export type StaffAuditEvent = v.InferOutput<typeof StaffAuditEventSchema>;

// ---------------------------------------------------------------------------------------------
// Staff sign-in (queue group `staff-auth`)

export const STAFF_AUTH_SUBJECTS = {
  /** Console: `{staffId?}` → a sign-in ceremony (WebAuthn request options). */
  signInBegin: 'ra.staffauth.signin.begin',
  /** Console: `{ceremonyId, response}` → `{token, staffId, name, expiresAt}`. */
  signInFinish: 'ra.staffauth.signin.finish',
  /** Console, from an enrollment link: `{code}` → an enrollment ceremony (creation options). */
  enrollBegin: 'ra.staffauth.enroll.begin',
  /** Console: `{ceremonyId, response}` → `{staffId, name}`. */
  enrollFinish: 'ra.staffauth.enroll.finish',
  /** Operator (`npm run staff -- enroll`): `{staffId, name}` → a one-time enrollment code. */
  adminEnroll: 'ra.admin.staff.enroll',
  /** Operator: `{}` → every enrolled staff member (no key material). */
  adminList: 'ra.admin.staff.list',
  /** Operator: `{staffId}` → `{removed}`; the member's passkeys stop working at once. */
  adminRemove: 'ra.admin.staff.remove',
  /** Operator (`npm run staff -- revoke`): `{staffId}` → `{revokedBefore}`; every token issued before it is refused. */
  adminRevoke: 'ra.admin.staff.revoke',
  /** Console: `{token}` → `{signedOut: true}`; that token is refused from now on. */
  signOut: 'ra.staffauth.signout',
} as const;

/** The queue group of staff-auth instances. */
export const STAFF_AUTH_QUEUE = 'staff-auth';

/** Staff sign-in's KV buckets: staff and their passkeys' public keys; enrollment-code hashes and open ceremonies (they age out). */
export const STAFF_BUCKET = 'ra_staff';
export const STAFF_PENDING_BUCKET = 'ra_staff_pending';

export const STAFF_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;
export const staffIdSchema = v.pipe(v.string(), v.regex(STAFF_ID_PATTERN));
const staffName = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(64));
const ceremonyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));
/** A WebAuthn response as @simplewebauthn/browser returns it (the library checks the rest). */
const credentialResponse = v.looseObject({ id: v.string(), rawId: v.string(), type: v.literal('public-key'), response: v.looseObject({}) });

export const SignInBeginSchema = v.object({ staffId: v.optional(staffIdSchema) });
export const CeremonyFinishSchema = v.object({ ceremonyId, response: credentialResponse });
export const EnrollBeginSchema = v.object({ code: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{20,64}$/)) });
export const AdminEnrollSchema = v.object({ staffId: staffIdSchema, name: staffName });
export const AdminRemoveSchema = v.object({ staffId: staffIdSchema });
/** `ra.activation.staff-check.<kiosk>`: `{token}` → `{staffId}` or a staff error. */
export const StaffCheckRequestSchema = v.object({ token: v.pipe(v.string(), v.maxLength(4096)) });
export const SignOutSchema = v.object({ token: v.pipe(v.string(), v.maxLength(4096)) });

/** What a begin answers: the ceremony to finish, the options for the browser, and the origin it must run on. */
export const CeremonyReplySchema = v.object({
  ceremonyId: v.string(),
  origin: v.string(),
  options: v.looseObject({ challenge: v.string() }),
  staffId: v.optional(v.string()),
  name: v.optional(v.string()),
  /** Enrollment: whether the site takes any authenticator or only the models it lists (STAFF_AUTHENTICATORS). */
  authenticators: v.optional(v.picklist(['any', 'listed'])),
});
export type CeremonyReply = v.InferOutput<typeof CeremonyReplySchema>;

export const SignInReplySchema = v.object({ token: v.string(), staffId: v.string(), name: v.string(), expiresAt: v.string() });
export type SignInReply = v.InferOutput<typeof SignInReplySchema>;

export const EnrollFinishReplySchema = v.object({ staffId: v.string(), name: v.string() });
export const AdminEnrollReplySchema = v.object({ staffId: v.string(), name: v.string(), code: v.string(), link: v.string(), expiresAt: v.string() });
export type AdminEnrollReply = v.InferOutput<typeof AdminEnrollReplySchema>;
export const SignOutReplySchema = v.object({ signedOut: v.literal(true) });
export const StaffRevokeReplySchema = v.object({ staffId: v.string(), revokedBefore: v.string() });
export const StaffAdminListReplySchema = v.object({
  staff: v.array(v.object({ staffId: v.string(), name: v.string(), passkeys: v.number(), enrolledAt: v.string() })),
});

// ---------------------------------------------------------------------------------------------
// Staff-only error codes: each with its wire class. The words staff read for each code are the
// staff console's (`staffErrors` in kiosk/staff/staff-strings.ts), never here.

export const STAFF_ERRORS = {
  /** A staff request without a token: sign in first. */
  STAFF_SIGN_IN_REQUIRED: { status: 401 },
  /** A token that is malformed, signed by another key, or for another audience. */
  STAFF_TOKEN_INVALID: { status: 401 },
  STAFF_TOKEN_EXPIRED: { status: 401 },
  /** A token signed out, or of a staff member revoked (`npm run staff -- revoke`) or no longer enrolled. */
  STAFF_TOKEN_REVOKED: { status: 401 },
  /** The audit entry of a staff request could not be written: nothing was done. */
  AUDIT_UNAVAILABLE: { status: 503 },
  /** Too many sign-in ceremonies open at once (this desk, or all desks): wait a moment. */
  SIGN_IN_BUSY: { status: 429 },
  /** The request names a staff id other than the signed-in one. */
  STAFF_MISMATCH: { status: 403 },
  /** Too many unlocks of one card within a day: a person must look at this card. */
  UNLOCK_LIMIT: { status: 429 },
  /** An enrollment code that is unknown, used or expired. */
  ENROLL_CODE_INVALID: { status: 403 },
  /** A sign-in or enrollment ceremony that does not verify (wrong origin, key, challenge, …). */
  PASSKEY_REFUSED: { status: 401 },
  /** A staff member or passkey the service does not know. */
  UNKNOWN_STAFF: { status: 404 },
  /** A request the staff service cannot read. */
  STAFF_BAD_REQUEST: { status: 400 },
} as const;

export type StaffErrorCode = keyof typeof STAFF_ERRORS;
export const STAFF_ERROR_CODES = Object.keys(STAFF_ERRORS) as StaffErrorCode[];

export class StaffError extends CodedError<StaffErrorCode> {
  constructor(code: StaffErrorCode, message: string) {
    super('StaffError', code, message);
  }
}

export function isStaffErrorCode(value: unknown): value is StaffErrorCode {
  return typeof value === 'string' && Object.hasOwn(STAFF_ERRORS, value);
}

const StaffErrorBodySchema = v.object({
  error: v.object({ code: v.picklist(STAFF_ERROR_CODES), message: v.string() }),
});

/** The staff error in a reply body, if it is one. */
export function staffErrorIn(body: unknown): StaffError | undefined {
  const parsed = v.safeParse(StaffErrorBodySchema, body);
  return parsed.success ? new StaffError(parsed.output.error.code, parsed.output.error.message) : undefined;
}
