// The registry's messages beside the activation ones in messages.ts: the RA_EVENTS event that
// every change of a card record publishes, and the paged admin list (docs/contract.md, "Subjects").
import * as v from 'valibot';
import { CARD_RECORD_STATUSES } from './messages.ts';
import { ACTIVATION_PATHS } from './screens.ts';

export const cardNumberSchema = v.pipe(v.string(), v.regex(/^[A-Z0-9]{4,32}$/));
export const isoTimeSchema = v.pipe(v.string(), v.isoTimestamp());
export const cardRecordStatusSchema = v.picklist(CARD_RECORD_STATUSES);
const cardNumber = cardNumberSchema;
const isoTime = isoTimeSchema;
const status = cardRecordStatusSchema;

/** What happened to a card record; one RA_EVENTS message each. */
export const EVENT_TYPES = [
  'imported',
  'verified',
  'attempt-failed',
  'locked',
  'accepted',
  'pin-granted',
  'so-login-failed',
  'activated',
  'unlocked',
  'returned',
] as const;
export type RegistryEventType = (typeof EVENT_TYPES)[number];

/** One RA_EVENTS message (`ra.events.<cardNumber>.<type>`). */
export const RegistryEventSchema = v.object({
  id: v.string(),
  type: v.picklist(EVENT_TYPES),
  cardNumber,
  at: isoTime,
  /** The card's activation path; absent on events published before the registry added it. */
  route: v.optional(v.picklist(ACTIVATION_PATHS)),
  from: v.optional(status),
  to: v.optional(status),
  kioskId: v.optional(v.string()),
  staffId: v.optional(v.string()),
  /** SHA-256 (first 128 bits, hex) of the activation id, never the id itself. */
  activation: v.optional(v.string()),
  attemptsLeft: v.optional(v.number()),
  grant: v.optional(v.number()),
});

export type RegistryEventMessage = v.InferOutput<typeof RegistryEventSchema>;

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

