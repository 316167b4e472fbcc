// What identify needs of a card record, none of it a secret: kept in clear beside the sealed
// record in each change message (card-stream.ts), so that identify never opens a record.
import type { ActivationPath, CardRecordStatus } from '../../machines/contract/index.ts';
import type { CardRecord, CurrentActivation } from './card-record-shape.ts';

/** Wrong user codes / IDs a card takes before self-service is locked (docs/registry.md, "Rules worth knowing"). */
export const MAX_WRONG_ATTEMPTS = 5;

/**
 * What identify needs of a record (no secret): kept beside each card in an instance's view, so
 * that the record is not opened for every identify (card-view.ts).
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
