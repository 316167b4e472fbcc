// Subjects and messages of staff sign-in (docs/contract.md, "Staff sign-in"). The WebAuthn option
// and response objects are @simplewebauthn's JSON forms, passed through as they are and checked by
// the library when verified; everything else is checked here.
import * as v from 'valibot';

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
} as const;

/** The queue group of staff-auth instances. */
export const STAFF_AUTH_QUEUE = 'staff-auth';

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

/** What a begin answers: the ceremony to finish, the options for the browser, and the origin it must run on. */
export const CeremonyReplySchema = v.object({
  ceremonyId: v.string(),
  origin: v.string(),
  options: v.looseObject({ challenge: v.string() }),
  staffId: v.optional(v.string()),
  name: v.optional(v.string()),
});
export type CeremonyReply = v.InferOutput<typeof CeremonyReplySchema>;

export const SignInReplySchema = v.object({ token: v.string(), staffId: v.string(), name: v.string(), expiresAt: v.string() });
export type SignInReply = v.InferOutput<typeof SignInReplySchema>;

export const EnrollFinishReplySchema = v.object({ staffId: v.string(), name: v.string() });
export const AdminEnrollReplySchema = v.object({ staffId: v.string(), name: v.string(), code: v.string(), link: v.string(), expiresAt: v.string() });
export type AdminEnrollReply = v.InferOutput<typeof AdminEnrollReplySchema>;
export const AdminListReplySchema = v.object({
  staff: v.array(v.object({ staffId: v.string(), name: v.string(), passkeys: v.number(), enrolledAt: v.string() })),
});
