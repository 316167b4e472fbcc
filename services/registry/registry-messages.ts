// Messages of the registry that the contract module does not define yet: the staff replies, the
// paged admin list, and the RA_EVENTS event. Candidates to move into machines/contract/messages.ts.
import * as v from 'valibot';
import { ACTIVATION_PATHS, CARD_RECORD_STATUSES } from '../../machines/contract/index.ts';
import { EVENT_TYPES } from './card-record.ts';

const cardNumber = v.pipe(v.string(), v.regex(/^[A-Z0-9]{4,32}$/));
const isoTime = v.pipe(v.string(), v.isoTimestamp());
const status = v.picklist(CARD_RECORD_STATUSES);

/** One RA_EVENTS message (`ra.events.<cardNumber>.<type>`). */
export const RegistryEventSchema = v.object({
  id: v.string(),
  type: v.picklist(EVENT_TYPES),
  cardNumber,
  at: isoTime,
  from: v.optional(status),
  to: v.optional(status),
  kioskId: v.optional(v.string()),
  staffId: v.optional(v.string()),
  /** SHA-256 (first 128 bits, hex) of the activation id, never the id itself. */
  activation: v.optional(v.string()),
  attemptsLeft: v.optional(v.number()),
  grant: v.optional(v.number()),
});

/** What `ra.staff.unlock` and `ra.staff.return` answer: the record after the change. No secret, no hash. */
export const StaffCardSummarySchema = v.object({
  cardNumber,
  route: v.picklist(ACTIVATION_PATHS),
  status,
  attemptsLeft: v.number(),
  certSerial: v.string(),
  holderName: v.string(),
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

/** `ra.admin.list` request (our extension: an empty body lists the first page). */
export const AdminListRequestSchema = v.object({
  /** Start after this card number (the `next` of the previous page). */
  after: v.optional(cardNumber),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5_000))),
});
export type AdminListRequest = v.InferOutput<typeof AdminListRequestSchema>;

/** AdminListReply plus `next` when more cards follow (cards sorted by card number). */
export const AdminListPageSchema = v.object({
  cards: v.array(v.object({ cardNumber, route: v.picklist(ACTIVATION_PATHS), status })),
  next: v.optional(cardNumber),
});
export type AdminListPage = v.InferOutput<typeof AdminListPageSchema>;

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

/** One RA_AUDIT message (`ra.audit.staff.<action>`): who asked what about which card, and the outcome. */
export const StaffAuditEventSchema = v.object({
  at: isoTime,
  action: v.picklist(['card', 'unlock', 'return']),
  cardNumber: v.string(),
  /** From a verified token; absent when the request was refused before one was verified. */
  staffId: v.optional(v.string()),
  outcome: v.string(),
});
export type StaffAuditEvent = v.InferOutput<typeof StaffAuditEventSchema>;
