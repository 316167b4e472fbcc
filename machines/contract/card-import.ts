// Section 1 of docs/contract.md: the card import file, and the registry's admin endpoints that
// take it (`ra.admin.import`, `ra.admin.list`).
import * as v from 'valibot';
import { cardNumber, cardRecordStatus, certSerial, isoTime, keySha256, path, typed } from './fields.ts';

export const IMPORT_STATUSES = ['issued', 'revoked', 'suspended', 'used-before-activation'] as const;

const importCommon = {
  cardNumber,
  holderName: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  /** The certificate's OU: the branch or unit, e.g. 測試分公司1 (optional). */
  orgUnit: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  ubn: v.pipe(v.string(), v.regex(/^\d{8}$/)),
  email: typed(254),
  validFrom: isoTime,
  validTo: isoTime,
  status: v.optional(v.picklist(IMPORT_STATUSES), 'issued'),
  certSerial: v.optional(certSerial),
  /** Our extension: SHA-256 of the certificate's public key (SPKI DER), hex; the demo provisioning computes it. */
  certificateKeySha256: v.optional(keySha256),
};

/** One element of the card import file (docs/contract.md, "The card import file"). */
export const CardImportRecordSchema = v.variant('route', [
  v.object({ ...importCommon, route: v.literal('self-applied'), userCode: typed() }),
  v.object({
    ...importCommon,
    route: v.literal('registration-bundled'),
    responsibleId: typed(),
    birthDate: v.optional(v.pipe(v.string(), v.isoDate())),
  }),
]);
export type CardImportRecord = v.InferOutput<typeof CardImportRecordSchema>;
export const CardImportFileSchema = v.array(CardImportRecordSchema);

/**
 * `ra.admin.import`: registers issuance records. Each carries the card's SO credential (generated
 * when its token was made) and its certificate serial as written on the token. An admin-only
 * subject: in production only the issuing side may publish on it.
 */
export const AdminImportRequestSchema = v.object({
  records: v.pipe(
    v.array(
      v.intersect([
        CardImportRecordSchema,
        v.object({
          certSerial,
          soCredential: v.pipe(v.string(), v.minLength(4), v.maxLength(255)),
          certificateKeySha256: keySha256,
        }),
      ]),
    ),
    v.maxLength(1000),
  ),
});
export type AdminImportRequest = v.InferOutput<typeof AdminImportRequestSchema>;

export const AdminImportReplySchema = v.object({
  results: v.array(
    v.object({
      cardNumber,
      /** created: new record; unchanged: already known with the same serial (import is idempotent). */
      outcome: v.picklist(['created', 'unchanged']),
      status: cardRecordStatus,
    }),
  ),
});
export type AdminImportReply = v.InferOutput<typeof AdminImportReplySchema>;

/** `ra.admin.list`: one summary per known card (no secrets). */
export const AdminListReplySchema = v.object({
  cards: v.array(v.object({ cardNumber, route: path, status: cardRecordStatus })),
});
export type AdminListReply = v.InferOutput<typeof AdminListReplySchema>;

/** `ra.admin.list` request (our extension: an empty body lists the first page). */
export const AdminListRequestSchema = v.object({
  /** Start after this card number (the `next` of the previous page). */
  after: v.optional(cardNumber),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5_000))),
});
export type AdminListRequest = v.InferOutput<typeof AdminListRequestSchema>;

/** AdminListReply plus `next` when more cards follow (cards sorted by card number). */
export const AdminListPageSchema = v.object({ ...AdminListReplySchema.entries, next: v.optional(cardNumber) });
export type AdminListPage = v.InferOutput<typeof AdminListPageSchema>;
