// The issuing side's client of the registry: what `npm run cards -- import FILE` and `list` call once
// the card tokens exist. Import is idempotent per card number, so a failed run can simply be repeated.
// Only the contract's admin subjects and schemas: it lives in platform/, owned by no part, so demo
// provisioning in card/ uses it without importing the registry (docs/architecture.md).
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AdminEnrollAgentReplySchema,
  AdminImportReplySchema,
  REGISTRY_SUBJECTS,
  type AdminImportReply,
  type AdminImportRequest,
  type AdminListReply,
} from '../machines/contract/index.ts';
import { requestJson } from './nats-json.ts';
import { AdminListPageSchema } from '../machines/contract/card-import.ts';

/** Records per request: the contract allows 1000; smaller batches keep each reply prompt. */
export const IMPORT_BATCH_SIZE = 200;

export interface ImportOptions {
  /** At most 1000. */
  batchSize?: number;
  /**
   * Per batch. Each self-applied record costs one scrypt hash at the production cost (~45 ms of
   * one core), so a batch of 200 takes a few seconds on a 2-core machine.
   */
  timeoutMs?: number;
  /** Called after each batch with the results so far (for progress lines). */
  onBatch?: (done: number, total: number) => void;
}

/** Registers issuance records with the registry, in batches; results in the order of `records`. */
export async function importCards(
  nc: NatsConnection,
  records: AdminImportRequest['records'],
  options: ImportOptions = {},
): Promise<AdminImportReply['results']> {
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error('batchSize must be 1–1000');
  const results: AdminImportReply['results'] = [];
  for (let start = 0; start < records.length; start += batchSize) {
    const reply = await requestJson(nc, REGISTRY_SUBJECTS.adminImport, { records: records.slice(start, start + batchSize) }, AdminImportReplySchema, {
      timeout: options.timeoutMs ?? 120_000,
      unreachable: '3125',
    });
    results.push(...reply.results);
    options.onBatch?.(results.length, records.length);
  }
  return results;
}

/** Every card the registry knows: card number, route, status; sorted by card number. */
export async function listCards(nc: NatsConnection, options: { timeoutMs?: number } = {}): Promise<AdminListReply['cards']> {
  const cards: AdminListReply['cards'] = [];
  let after: string | undefined;
  do {
    const page = await requestJson(nc, REGISTRY_SUBJECTS.adminList, after === undefined ? {} : { after }, AdminListPageSchema, {
      timeout: options.timeoutMs ?? 30_000,
      unreachable: '3125',
    });
    cards.push(...page.cards);
    after = page.next;
  } while (after !== undefined);
  return cards;
}

/**
 * Enrolls a kiosk's card-agent key (`ra.admin.enroll-agent`): from then on the registry seals SO
 * credentials for that kiosk only to one-time keys this key signed. An operator's act.
 */
export async function enrollAgentKey(nc: NatsConnection, kioskId: string, publicKey: string): Promise<'enrolled' | 'replaced' | 'unchanged'> {
  const reply = await requestJson(nc, REGISTRY_SUBJECTS.adminEnrollAgent, { kioskId, publicKey }, AdminEnrollAgentReplySchema, {
    timeout: 10_000,
    unreachable: '3125',
  });
  return reply.outcome;
}
