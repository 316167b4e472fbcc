// What identify needs of a card record, none of it a secret: kept in clear beside the sealed
// record in each change message (card-stream.ts), so that identify never opens a record.
import { ACTIVATION_PATHS, type ActivationPath, type CardRecordStatus } from '../../machines/contract/index.ts';
import { CARD_RECORD_STATUSES } from '../../machines/contract/fields.ts';
import type { CardRecord, CurrentActivation } from './card-record-shape.ts';

/** Wrong user codes / IDs a card takes before self-service is locked (docs/registry.md, "Rules worth knowing"). */
export const MAX_WRONG_ATTEMPTS = 5;

/**
 * What identify needs of a record (no secret): written in clear beside the sealed record of every
 * change message and kept beside each card in an instance's view (card-view.ts), so that
 * identify never opens a record. Not authenticated like the sealed record: only the registry may
 * publish on RA_EVENTS, and identify is a hint that every later step checks again on the record.
 */
export interface CardFacts {
  readonly certSerial: string;
  readonly certificateKeySha256?: string;
  readonly route: ActivationPath;
  readonly status: CardRecordStatus;
  readonly failedAttempts: number;
  readonly activation?: Pick<CurrentActivation, 'expiresAt'>;
}

export function factsOf(record: CardRecord): CardFacts {
  return {
    certSerial: record.certSerial,
    ...(record.certificateKeySha256 === undefined ? {} : { certificateKeySha256: record.certificateKeySha256 }),
    route: record.route,
    status: record.status,
    failedAttempts: record.failedAttempts,
    ...(record.activation === undefined ? {} : { activation: { expiresAt: record.activation.expiresAt } }),
  };
}

/** The status the contract speaks of: `verified` only while its activation is live. */
export function effectiveStatus(record: Pick<CardRecord, 'status' | 'activation'> | CardFacts, now: Date): CardRecordStatus {
  if (record.status === 'verified' && !isLive(record.activation, now)) return 'issued';
  return record.status;
}

export function attemptsLeft(record: Pick<CardRecord, 'status' | 'failedAttempts'>): number {
  return record.status === 'locked' ? 0 : Math.max(0, MAX_WRONG_ATTEMPTS - record.failedAttempts);
}

export function isLive<A extends Pick<CurrentActivation, 'expiresAt'>>(activation: A | undefined, now: Date): activation is A {
  return activation !== undefined && now.getTime() <= Date.parse(activation.expiresAt);
}

const ROUTES: readonly string[] = ACTIVATION_PATHS;
const STATUSES: readonly string[] = CARD_RECORD_STATUSES;

/** The facts of a change message's `cardFacts` JSON, or undefined if it is not facts (then the record is opened). */
export function parseFacts(json: string): CardFacts | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const facts = value as Record<string, unknown>;
  const activation = facts.activation as Record<string, unknown> | undefined;
  const wellFormed =
    typeof facts.certSerial === 'string' &&
    (facts.certificateKeySha256 === undefined || typeof facts.certificateKeySha256 === 'string') &&
    typeof facts.route === 'string' &&
    ROUTES.includes(facts.route) &&
    typeof facts.status === 'string' &&
    STATUSES.includes(facts.status) &&
    Number.isInteger(facts.failedAttempts) &&
    (activation === undefined || (typeof activation === 'object' && activation !== null && typeof activation.expiresAt === 'string'));
  return wellFormed ? (facts as unknown as CardFacts) : undefined;
}
