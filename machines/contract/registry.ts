// The registry's event stream: the RA_EVENTS message that every change of a card record publishes
// (docs/contract.md, "Subjects"; docs/registry.md).
import * as v from 'valibot';
import { cardNumber, cardRecordStatus as status, isoTime, path } from './fields.ts';

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
  // The record moved from the `ra_cards` bucket to its card's change subject (docs/registry.md).
  'migrated',
] as const;
export type RegistryEventType = (typeof EVENT_TYPES)[number];

/** One RA_EVENTS message (`ra.events.<cardNumber>.change`; before the one-write layout `ra.events.<cardNumber>.<type>`). */
export const RegistryEventSchema = v.object({
  id: v.string(),
  type: v.picklist(EVENT_TYPES),
  cardNumber,
  at: isoTime,
  /** The card's activation path; absent on events published before the registry added it. */
  route: v.optional(path),
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

/**
 * `ra.dashboard.events`: RA_EVENTS for the office dashboard, a page at a time: from `since` (the
 * first ask of a day) or after stream sequence `after` (every ask after). Read-only.
 */
export const DashboardEventsRequestSchema = v.object({
  since: v.optional(isoTime),
  after: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});
export type DashboardEventsRequest = v.InferOutput<typeof DashboardEventsRequestSchema>;
export const DashboardEventsReplySchema = v.object({
  events: v.array(v.looseObject({ type: v.string(), cardNumber: v.string(), at: v.string() })),
  /** The stream sequence of the last event in `events` (ask `after` it next). */
  last: v.number(),
  /** More are stored past this page: ask again at once. */
  more: v.boolean(),
});
export type DashboardEventsReply = v.InferOutput<typeof DashboardEventsReplySchema>;
