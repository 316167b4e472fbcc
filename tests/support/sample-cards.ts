// The registry tests' sample card: one self-applied issuance record, as the issuing side imports
// it, so each test file names only what it changes (its card numbers, a status, a user code).
import type { AdminImportRequest } from '../../machines/contract/index.ts';
import { testCardKey } from './card-keys.ts';

export type ImportRecord = AdminImportRequest['records'][number];
export type SelfAppliedImportRecord = Extract<ImportRecord, { route: 'self-applied' }>;

/** The certificate serial written on every sample card. */
export const SAMPLE_CERT_SERIAL = '0a1b2c3d4e5f';
/** The user code printed on every sample card's PIN mailer (a secret the canary tests look for). */
export const SAMPLE_USER_CODE = 'Ab3$xyz9';
/** One card key stands for every sample card: binding a card to its key is tested elsewhere. */
export const SAMPLE_CARD_KEY = testCardKey();

/** A self-applied card, issued, valid 2026–2031, its SO credential `so-<card number>`. */
export function sampleCardRecord(cardNumber: string, overrides: Partial<SelfAppliedImportRecord> = {}): SelfAppliedImportRecord {
  return {
    cardNumber,
    route: 'self-applied',
    holderName: '測試公司',
    ubn: '97969933',
    email: 'test@example.com.tw',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2031-01-01T00:00:00Z',
    status: 'issued',
    userCode: SAMPLE_USER_CODE,
    certSerial: SAMPLE_CERT_SERIAL,
    soCredential: `so-${cardNumber}`,
    certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256,
    ...overrides,
  };
}
