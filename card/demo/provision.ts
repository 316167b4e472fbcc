// Demo cards from a card import file (docs/contract.md, "The card import file"; docs/card-agent.md, "Demo cards"): a SoftHSM2 token per card under
// `<DATA_DIR>/softhsm/`, certificates from the demo CA, and the issuance records registered with
// the registry — `npm run cards -- import FILE` and `npm start`'s first start both come here.
//
// Idempotent per card number: a card whose token exists and whose record the registry knows is
// left alone. A token the registry does not know (an earlier run stopped half-way) is made again,
// because its SO credential was never kept anywhere but in the registry. A record whose token is
// gone cannot be repaired here (the registry holds an SO credential no new token would have) and
// is reported as a conflict.
import { formatRocDate } from '../../machines/validators/roc-date.formatter.ts';
import './demo-worker.ts';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import {
  CardImportRecordSchema,
  decode,
  type AdminImportRequest,
  type CardImportRecord,
  type CardRecordStatus,
} from '../../machines/contract/index.ts';
import { importCards, listCards } from '../../platform/registry-admin-client.ts';
import { createLogger } from '../../platform/log.ts';
import { CARD_KEY_TYPES, type CardKeyType } from '../token/protocol.ts';
import { useSoftHsmDataDir } from '../token/softhsm.ts';
import { acquireTokenClient, DEFAULT_PKCS11_MODULE, releaseTokenClient } from '../token/token.client.ts';
import { createCardToken } from './card-token.ts';
import { loadDemoCa } from './demo-ca.ts';

/**
 * A demo card file is a card import file whose records may also say which key pair the demo token
 * gets (`keyType`, default `ec-p256`): the issuing side never sends this, the registry never sees it.
 */
const DemoCardFileSchema = v.array(v.intersect([CardImportRecordSchema, v.object({ keyType: v.optional(v.picklist(CARD_KEY_TYPES)) })]));
export type DemoCardRecord = CardImportRecord & { keyType?: CardKeyType };

export type TokenOutcome = 'created' | 'existing' | 'recreated' | 'missing';
export type RegistryOutcome = 'created' | 'unchanged' | 'not-registered' | 'conflict';

export interface ProvisionResult {
  cardNumber: string;
  token: TokenOutcome;
  registry: RegistryOutcome;
  status?: CardRecordStatus;
  certSerial?: string;
  problem?: string;
}

export interface ProvisionOptions {
  dataDir: string;
  records: readonly DemoCardRecord[];
  /** Tokens only, nothing registered: cards the registry must not know (`import --token-only`). */
  tokenOnly?: boolean;
  /** The registry's connection; required unless `tokenOnly`. */
  nc?: NatsConnection;
  /** One JSON line per record (default: none). */
  log?: (line: string) => void;
}

/**
 * The secrets a demo card is activated with: demo data, printed so a person can use the cards. The
 * birth date is printed as the kiosk asks for it, in the ROC calendar (民國69年5月17日).
 */
export function demoSecrets(record: CardImportRecord): string {
  if (record.route === 'self-applied') return `user code ${record.userCode}`;
  return `responsible ID ${record.responsibleId}${record.birthDate === undefined ? '' : `, birth date ${formatRocDate(record.birthDate)}`}`;
}

/** Reads and validates a card import file; throws with the problems (field paths, never values). */
export async function readCardFile(path: string): Promise<DemoCardRecord[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not readable JSON (${(error as Error).message})`, { cause: error });
  }
  const decoded = decode(DemoCardFileSchema, parsed);
  if (!decoded.ok) throw new Error(`${path}: not a card import file:\n  ${decoded.problems.join('\n  ')}`);
  const seen = new Set<string>();
  for (const record of decoded.value) {
    if (seen.has(record.cardNumber)) throw new Error(`${path}: card ${record.cardNumber} appears twice`);
    seen.add(record.cardNumber);
  }
  return decoded.value;
}

async function deleteToken(label: string): Promise<void> {
  // SoftHSM2 has no PKCS#11 call that deletes a token; its own tool does, without any PIN.
  await promisify(execFile)('softhsm2-util', ['--delete-token', '--token', label], { env: process.env });
}

export async function provisionCards(options: ProvisionOptions): Promise<ProvisionResult[]> {
  const log = createLogger('cards', options.log ?? (() => undefined));
  if (!options.tokenOnly && options.nc === undefined) throw new Error('provisionCards: nc is required to register cards');
  await useSoftHsmDataDir(options.dataDir);
  const ca = await loadDemoCa(options.dataDir);
  const client = acquireTokenClient(DEFAULT_PKCS11_MODULE);
  try {
    const labels = new Set((await client.call({ op: 'tokens' })).map((token) => token.label));
    const known = new Map<string, CardRecordStatus>();
    if (!options.tokenOnly && options.nc !== undefined) {
      for (const card of await listCards(options.nc)) known.set(card.cardNumber, card.status);
    }

    const results: ProvisionResult[] = [];
    const toRegister: AdminImportRequest['records'] = [];
    for (const record of options.records) {
      const hasToken = labels.has(record.cardNumber);
      const status = known.get(record.cardNumber);
      if (options.tokenOnly || status !== undefined) {
        if (hasToken) {
          results.push({ cardNumber: record.cardNumber, token: 'existing', registry: status === undefined ? 'not-registered' : 'unchanged', ...(status === undefined ? {} : { status }) });
          continue;
        }
        if (status !== undefined) {
          results.push({
            cardNumber: record.cardNumber,
            token: 'missing',
            registry: 'conflict',
            status,
            problem: 'the registry knows this card but its token is gone; a new token would not match its SO credential',
          });
          continue;
        }
      }
      if (hasToken) await deleteToken(record.cardNumber);
      const { keyType, ...importRecord } = record;
      const made = await createCardToken(client, ca, importRecord, {
        wrongUserLogins: record.status === 'used-before-activation' ? 1 : 0,
        ...(keyType === undefined ? {} : { keyType }),
      });
      const result: ProvisionResult = {
        cardNumber: record.cardNumber,
        token: hasToken ? 'recreated' : 'created',
        registry: 'not-registered',
        certSerial: made.certSerial,
      };
      results.push(result);
      log.info('token made', { cardNumber: record.cardNumber, token: result.token, slot: made.token.slot });
      if (!options.tokenOnly) toRegister.push({
          ...importRecord,
          certSerial: made.certSerial,
          soCredential: made.soCredential,
          certificateKeySha256: made.certificateKeySha256,
        });
    }

    if (toRegister.length > 0 && options.nc !== undefined) {
      const registered = await importCards(options.nc, toRegister);
      for (const entry of registered) {
        const result = results.find((r) => r.cardNumber === entry.cardNumber);
        if (result === undefined) continue;
        result.registry = entry.outcome;
        result.status = entry.status;
      }
    }
    for (const result of results) log.info('card provisioned', { ...result });
    return results;
  } finally {
    await releaseTokenClient(client);
  }
}
