// The card agent's one error table, row by row: each PC/SC and PKCS#11 value, token flag and agent
// situation maps to its contract code through the same path the agent uses, and the table's
// numeric values agree with the constants pkcs11js ships.
import { describe, expect, it } from 'vitest';
import pkcs11js from 'pkcs11js';
import { isErrorCode } from '../../machines/contract/index.ts';
import {
  ERROR_TABLE,
  PIN_FLAG_BITS,
  pcscError,
  pcscValueOf,
  pinFlagsError,
  pinFlagsOf,
  rawCauseOf,
  situationError,
  type ErrorRow,
} from '../../card/errors.ts';
import { errorOfFailure } from '../../card/token/token.client.ts';

const rows = <S extends ErrorRow['source']>(source: S) => ERROR_TABLE.filter((row): row is Extract<ErrorRow, { source: S }> => row.source === source);
const constants = pkcs11js as unknown as Record<string, number>;

describe('PC/SC rows', () => {
  it.each(rows('pcsc'))('$name → $code', (row) => {
    // The shape the pcsclite addon gives its errors.
    const error = new Error(`SCardGetStatusChange error: whatever pcsc_stringify_error says.(0x${row.value.toString(16).padStart(8, '0')})`);
    const mapped = pcscError(error);
    expect(mapped.code).toBe(row.code);
    expect(rawCauseOf(mapped)).toMatchObject({ source: 'pcsc', name: row.name, value: row.value });
  });

  it('reads the value out of a real pcsclite message', () => {
    expect(pcscValueOf(new Error('SCardEstablishContext error: Service not available.(0x8010001d)'))).toBe(0x8010001d);
    expect(pcscError(new Error('SCardEstablishContext error: Service not available.(0x8010001d)')).code).toBe('READER_NOT_FOUND');
  });

  it('treats an unknown PC/SC failure as a reader fault', () => {
    expect(pcscError(new Error('SCardConnect error: ?(0x80100099)')).code).toBe('READER_NOT_FOUND');
    expect(pcscError(new Error('no code at all')).code).toBe('READER_NOT_FOUND');
  });
});

describe('PKCS#11 rows', () => {
  it.each(rows('pkcs11'))('$name during $step → $code', (row) => {
    expect(constants[row.name]).toBe(row.value);
    const mapped = errorOfFailure({ kind: 'pkcs11', value: row.value, name: row.name, step: row.step ?? 'read' });
    expect(mapped.code).toBe(row.code);
    expect(rawCauseOf(mapped)).toMatchObject({ source: 'pkcs11', name: row.name, value: row.value });
  });

  it('prefers the row of the step: a wrong SO credential is not a wrong user PIN', () => {
    const incorrect = constants.CKR_PIN_INCORRECT ?? -1;
    const lenRange = constants.CKR_PIN_LEN_RANGE ?? -1;
    expect(errorOfFailure({ kind: 'pkcs11', value: incorrect, name: 'CKR_PIN_INCORRECT', step: 'so-login' }).code).toBe('CARD_UNREADABLE');
    expect(errorOfFailure({ kind: 'pkcs11', value: lenRange, name: 'CKR_PIN_LEN_RANGE', step: 'init-pin' }).code).toBe('PIN_FORMAT');
    expect(errorOfFailure({ kind: 'pkcs11', value: lenRange, name: 'CKR_PIN_LEN_RANGE', step: 'so-login' }).code).toBe('CARD_UNREADABLE');
  });

  it('treats an unknown CKR value as an unreadable card, and a module that will not load as no reader', () => {
    expect(errorOfFailure({ kind: 'pkcs11', value: 0x8000_0001, name: 'CKR_VENDOR_DEFINED', step: 'read' }).code).toBe('CARD_UNREADABLE');
    expect(errorOfFailure({ kind: 'native', step: 'load', detail: 'dlopen failed' }).code).toBe('READER_NOT_FOUND');
  });
});

describe('token flag rows', () => {
  it.each(rows('token-flag'))('$name on a card being activated → $code', (row) => {
    expect(constants[row.name]).toBe(PIN_FLAG_BITS[row.name]);
    const flags = PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED | PIN_FLAG_BITS[row.name];
    expect(pinFlagsError(pinFlagsOf(flags, 6, 8))?.code).toBe(row.code);
    expect(
      errorOfFailure({
        kind: 'token-flags',
        token: { slot: '1', slotDescription: '', label: 'X', serial: '', manufacturer: '', model: '', flags, minPinLength: 6, maxPinLength: 8 },
      }).code,
    ).toBe(row.code);
  });

  it('lets a clean card through', () => {
    expect(pinFlagsError(pinFlagsOf(PIN_FLAG_BITS.CKF_USER_PIN_INITIALIZED | 0x400, 6, 8))).toBeUndefined();
  });
});

describe('agent rows', () => {
  it.each(rows('agent'))('$name → $code', (row) => {
    const mapped = situationError(row.name);
    expect(mapped.code).toBe(row.code);
    if (row.message !== undefined) expect(mapped.message).toBe(row.message);
    expect(errorOfFailure({ kind: 'situation', situation: row.name }).code).toBe(row.code);
  });
});

it('uses contract codes only, with a reason on every row', () => {
  for (const row of ERROR_TABLE) {
    expect(isErrorCode(row.code)).toBe(true);
    expect(row.why.length).toBeGreaterThan(10);
  }
});
