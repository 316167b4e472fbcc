import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { birthDateField, readBirthDate } from '../../machines/contract/index.ts';
import {
  checkPersonalId,
  formatRocDate,
  formatRocRange,
  isValidEmail,
  isValidPin,
  isValidUbn,
  isValidUserCode,
  normalizeInput,
  parseBirthDate,
  taipeiIsoDate,
  type PersonalIdKind,
} from '../../machines/validators/index.ts';

describe('normalizeInput', () => {
  it.each([
    ['Ａ１２３４５６７８９', 'A123456789'],
    ['  A123456789\t', 'A123456789'],
    ['\u3000\u3000abc\u3000', 'abc'],
    ['ab\u3000cd', 'ab cd'],
    ['！～＠＃', '!~@#'],
    ['ｐａｓｓ＿Ｗｏｒｄ', 'pass_Word'],
    ['７５／３／５', '75/3/5'],
    // Just outside the folded block, and CJK text: left alone.
    ['\uff5f\uff00', '\uff5f\uff00'],
    ['民國75年', '民國75年'],
    ['', ''],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeInput(raw)).toBe(expected);
  });
});

// Published vectors: A123456789 is the textbook example; M162773050 ends in 0 (the check digit of a
// sum that is already a multiple of 10, which an off-by-one "10 − remainder" rejects); the
// A100000001 … Z100000002 row gives every area letter once and, like the other rows, comes from the
// test suites of open-source Taiwan ID validators (Go, TypeScript, C#, CoffeeScript).
const nationalValid = [
  'A123456789', 'M162773050', 'Z256783650', 'F131104093', 'O158238845', 'N116247806', 'L122544270',
  'C180661564', 'Y123456788', 'Y144766850', 'G217072800', 'N200052080', 'Q213382740', 'A200000003',
  'A100000010', 'A100000109', 'A100003002',
  'A100000001', 'B100000002', 'C100000003', 'D100000004', 'E100000005', 'F100000006', 'G100000007',
  'H100000008', 'I100000003', 'J100000009', 'K100000000', 'L100000000', 'M100000001', 'N100000002',
  'O100000004', 'P100000003', 'Q100000004', 'R100000005', 'S100000006', 'T100000007', 'U100000008',
  'V100000009', 'W100000001', 'X100000009', 'Y100000000', 'Z100000002',
];
const nationalBadChecksum = [
  'A123456788', 'F131104091', 'O158238842', 'E207760092', 'N211007890', 'I203158694', 'P215440899',
  'M162773051', 'M162773059',
];
const residentNewValid = [
  'A800000014', 'A800000005', 'A900000007', 'A900207177', 'A803095426', 'B801300667', 'C800151116',
  'H802717288', 'T900251126', 'A930196810', 'A824285055', 'G951582036', 'R884356462', 'J839129044',
];
const residentNewBadChecksum = ['A800000000', 'A824285054', 'F931104091', 'O958238842', 'Z900000000'];
const residentOldValid = [
  'AA00000009', 'AB00000001', 'AC00000003', 'AD00000005', 'AC01234567', 'AB00207171', 'AC03095424',
  'BD01300667', 'CC00151114', 'HD02717288', 'TD00251124', 'AD30196818', 'AB12345677', 'AC12345679',
];
const residentOldBadChecksum = ['AA00000000', 'AC01234565', 'AC01234560', 'AC01234561', 'AC01234562'];

describe('checkPersonalId', () => {
  const rows: Array<[string, PersonalIdKind, boolean]> = [
    ...nationalValid.map((id): [string, PersonalIdKind, boolean] => [id, 'national', true]),
    ...nationalBadChecksum.map((id): [string, PersonalIdKind, boolean] => [id, 'national', false]),
    ...residentNewValid.map((id): [string, PersonalIdKind, boolean] => [id, 'residentNew', true]),
    ...residentNewBadChecksum.map((id): [string, PersonalIdKind, boolean] => [id, 'residentNew', false]),
    ...residentOldValid.map((id): [string, PersonalIdKind, boolean] => [id, 'residentOld', true]),
    ...residentOldBadChecksum.map((id): [string, PersonalIdKind, boolean] => [id, 'residentOld', false]),
  ];

  it.each(rows)('%s is %s with checksum %s', (id, kind, checksumOk) => {
    expect(checkPersonalId(id)).toEqual({ normalized: id, kind, formatOk: true, checksumOk });
  });

  it('has a published valid national ID for every area letter', () => {
    const letters = new Set(nationalValid.map((id) => id.charAt(0)));
    expect([...letters].sort().join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  });

  it('has published valid old resident IDs for every second letter A–D', () => {
    const letters = new Set(residentOldValid.map((id) => id.charAt(1)));
    expect([...letters].sort().join('')).toBe('ABCD');
  });

  it('normalizes full-width, lower-case and padded input', () => {
    expect(checkPersonalId('Ａ１２３４５６７８９')).toEqual({
      normalized: 'A123456789', kind: 'national', formatOk: true, checksumOk: true,
    });
    expect(checkPersonalId(' m162773050\u3000')).toMatchObject({ normalized: 'M162773050', checksumOk: true });
    expect(checkPersonalId('ac01234567')).toMatchObject({ kind: 'residentOld', checksumOk: true });
  });

  it.each(['', 'A1234', 'A 123456789', 'Ä123456789', '@90y8fgtear0g8', 'P-1234567', 'P12345678901234567890'])(
    '%j is not 6–20 letters and digits: no format',
    (raw) => {
      const check = checkPersonalId(raw);
      expect(check.kind).toBeNull();
      expect(check.formatOk).toBe(false);
      expect(check.checksumOk).toBe(false);
    },
  );

  // The manual's fig. 19: 12345678 gets the warning, and the user may confirm it (是(Y)).
  it.each([
    '12345678', 'A12345678', 'A1234567899', '1123456789', 'A323456789', 'A723456789', 'FG31104091',
    'AE12345678', 'A12345678X', 'P12345678', 'E1234567890123456789', 'a12345',
  ])('%j is another ID (passport or other number): well-formed, never a valid checksum', (raw) => {
    expect(checkPersonalId(raw)).toEqual({ normalized: raw.toUpperCase(), kind: 'other', formatOk: true, checksumOk: false });
  });

  // A property of any single check digit, independent of the vectors above.
  it('accepts exactly one check digit for every letter and second character', () => {
    for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
      for (const second of ['1', '2', '8', '9', 'A', 'B', 'C', 'D']) {
        const passing = [...'0123456789'].filter((check) => checkPersonalId(`${letter}${second}3141592${check}`).checksumOk);
        expect(passing, `${letter}${second}`).toHaveLength(1);
      }
    }
  });
});

describe('isValidUbn', () => {
  it.each([
    // Valid under both rules (a multiple of 10): the notice's example, then real registered UBNs
    // (22099131 and 84149961 from a published test suite, 97969933 from our demo data).
    ['04595257', 'the Ministry of Finance notice example'],
    ['22099131', 'real'],
    ['84149961', 'real'],
    ['97969933', 'demo card'],
    ['12345675', 'published, 7th digit 7, read as 1: sum 30'],
    // Valid only under the 2023 rule: the sum is a multiple of 5 but not of 10.
    ['04595252', 'new rule, sum 35'],
    ['12345671', 'new rule, 7th digit 7, read as 0: sum 25'],
    // 7th digit 7: 7 × 4 = 28 → 10, read as 1 or as 0.
    ['10458575', 'notice example, 7th digit 7, read as 0: sum 20'],
    ['10458574', '7th digit 7, read as 1: sum 20'],
    ['10458570', '7th digit 7, read as 0: sum 15 (new rule only)'],
    ['12345670', '7th digit 7, read as 1: sum 25 (new rule only)'],
    ['12345676', '7th digit 7, read as 0: sum 30'],
    ['０４５９５２５２', 'full-width digits'],
    [' 04595252 ', 'padded'],
  ])('%s is valid (%s)', (ubn) => {
    expect(isValidUbn(ubn)).toBe(true);
  });

  it.each([
    ['22099130', 'sum 29'],
    ['12345678', '7th digit 7, sums 33 and 32'],
    ['04595250', 'sum 33'],
    // Sum 39: one more would pass, but the 7th digit is 2, so the 7-rule does not apply.
    ['04595256', 'sum 39, 7th digit not 7'],
    ['10458572', '7th digit 7, sums 18 and 17'],
    ['10458573', '7th digit 7, sums 19 and 18'],
    ['1234567', 'seven digits'],
    ['123456789', 'nine digits'],
    ['ABCDEFGH', 'letters'],
    ['0459 5252', 'inner space'],
    ['', 'empty'],
  ])('%j is invalid (%s)', (ubn) => {
    expect(isValidUbn(ubn)).toBe(false);
  });
});

describe('isValidUserCode', () => {
  it.each([
    ['abcde', false, 'length 5'],
    ['abcdef', true, 'length 6'],
    ['aB3$xY!z', true, 'length 8'],
    ['abcdefghi', true, 'length 9'],
    ['abcdefghij', true, 'length 10'],
    ['abcdefghijk', false, 'length 11'],
    ['!@#$%^', true, 'symbols only'],
    ['~}|{`_"\'', true, 'the last printable ASCII symbols'],
    ['Passw0rd', true, 'mixed case'],
    ['abc def', false, 'a space inside'],
    [' abcdef', false, 'a leading space (normalizeInput is the caller’s job)'],
    ['abc\tdef', false, 'a tab'],
    ['abcdéf', false, 'a non-ASCII letter'],
    ['用戶代碼1234', false, 'CJK'],
    ['ＡＢＣ１２３', false, 'full-width, not normalized'],
    ['', false, 'empty'],
  ])('%j → %s (%s)', (code, expected) => {
    expect(isValidUserCode(code)).toBe(expected);
  });

  it('accepts full-width input once normalized', () => {
    expect(isValidUserCode(normalizeInput('ＡＢＣ１２３'))).toBe(true);
  });
});

describe('isValidPin', () => {
  it.each([
    ['12345', false, 'length 5'],
    ['123456', true, 'length 6'],
    ['1234567', true, 'length 7'],
    ['a!B@c#D$', true, 'length 8, symbols'],
    ['123456789', false, 'length 9'],
    ['1234567890', false, 'length 10'],
    ['12345678901', false, 'length 11'],
    ['123 456', false, 'a space'],
    ['12345ü', false, 'a non-ASCII letter'],
    ['１２３４５６', false, 'full-width, not normalized'],
    ['', false, 'empty'],
  ])('%j → %s (%s)', (pin, expected) => {
    expect(isValidPin(pin)).toBe(expected);
  });

  it.each([
    [{ minLength: 4, maxLength: 16 }, '123456', true, 'wider token bounds do not widen 6–8'],
    [{ minLength: 4, maxLength: 16 }, '12345', false, 'wider token bounds do not widen 6–8'],
    [{ minLength: 4, maxLength: 16 }, '123456789', false, 'wider token bounds do not widen 6–8'],
    [{ minLength: 7, maxLength: 8 }, '123456', false, 'the token’s minimum narrows'],
    [{ minLength: 7, maxLength: 8 }, '1234567', true, 'the token’s minimum narrows'],
    [{ minLength: 6, maxLength: 6 }, '1234567', false, 'the token’s maximum narrows'],
    [{ minLength: 6, maxLength: 6 }, '123456', true, 'the token’s maximum narrows'],
    [{ minLength: 8, maxLength: 4 }, '123456', true, 'nonsensical bounds are ignored'],
    [{ minLength: Number.NaN, maxLength: 8 }, '123456', true, 'nonsensical bounds are ignored'],
  ])('%j, %j → %s (%s)', (bounds, pin, expected) => {
    expect(isValidPin(pin, bounds)).toBe(expected);
  });
});

describe('isValidEmail', () => {
  const local64 = 'a'.repeat(64);
  // 64 + 1 + 189 = 254 characters.
  const domain189 = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;

  it.each([
    ['test@example.com.tw', 'the contract example'],
    ['a@b.co', 'shortest sensible'],
    ['first.last+tag@sub.example.org', 'dots and plus'],
    ["o'brien_x-y!#$%&*/=?^`{|}~@example.com", 'every atext symbol'],
    ['User@Example.COM', 'upper case'],
    ['x@xn--p1ai.xn--p1ai', 'punycode labels'],
    ['x@a-b.example.tw', 'inner hyphen'],
    [`${local64}@example.com`, 'local part of 64'],
    [`${local64}@${domain189}`, 'total of 254'],
  ])('%s is valid (%s)', (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    ['plainaddress', 'no @'],
    ['a@b@example.com', 'two @'],
    ['@example.com', 'empty local part'],
    ['a@', 'empty domain'],
    ['a@localhost', 'no dot in the domain'],
    ['.a@example.com', 'leading dot'],
    ['a.@example.com', 'trailing dot in the local part'],
    ['a..b@example.com', 'two dots'],
    ['a@-example.com', 'label starting with a hyphen'],
    ['a@example-.com', 'label ending with a hyphen'],
    ['a@example..com', 'empty label'],
    ['a@example.com.', 'trailing dot in the domain'],
    ['a@example.c', 'one-letter top-level label'],
    ['a@10.0.0.1', 'an IP address'],
    ['a b@example.com', 'a space'],
    ['"a b"@example.com', 'a quoted local part'],
    ['測試@example.com', 'non-ASCII local part'],
    ['a@exämple.com', 'non-ASCII domain'],
    ['a@ex_ample.com', 'underscore in the domain'],
    [`${local64}a@example.com`, 'local part of 65'],
    [`${local64}@${domain189}x`, 'total of 255'],
    [`a@${'b'.repeat(64)}.com`, 'label of 64'],
    ['', 'empty'],
  ])('%j is invalid (%s)', (email) => {
    expect(isValidEmail(email)).toBe(false);
  });
});

describe('formatRocDate', () => {
  it.each([
    ['2024-03-05T00:00:00+08:00', '民國113年3月5日', 'ROC 113-03-05 (2024-03-05)'],
    // The Taipei boundary: 16:00 UTC is midnight in Taipei.
    ['2024-03-04T15:59:59Z', '民國113年3月4日', 'ROC 113-03-04 (2024-03-04)'],
    ['2024-03-04T16:00:00Z', '民國113年3月5日', 'ROC 113-03-05 (2024-03-05)'],
    ['2024-03-04T16:30:00Z', '民國113年3月5日', 'ROC 113-03-05 (2024-03-05)'],
    ['2023-12-31T16:00:00Z', '民國113年1月1日', 'ROC 113-01-01 (2024-01-01)'],
    ['2013-03-25', '民國102年3月25日', 'ROC 102-03-25 (2013-03-25)'],
    ['1912-01-01T00:00:00+08:00', '民國1年1月1日', 'ROC 1-01-01 (1912-01-01)'],
    ['1911-12-31T00:00:00+08:00', '民國前1年12月31日', 'before ROC 1-12-31 (1911-12-31)'],
    ['1900-01-01T00:00:00+08:00', '民國前12年1月1日', 'before ROC 12-01-01 (1900-01-01)'],
    ['1900-12-31T12:00:00+08:00', '民國前12年12月31日', 'before ROC 12-12-31 (1900-12-31)'],
    // Taiwan kept daylight saving time in 1979 (UTC+9): a fixed +08:00 would give July 1.
    ['1979-07-01T15:30:00Z', '民國68年7月2日', 'ROC 68-07-02 (1979-07-02)'],
  ])('%s → %s / %s', (value, zh, en) => {
    expect(formatRocDate(value)).toBe(zh);
    expect(formatRocDate(value, 'zh-TW')).toBe(zh);
    expect(formatRocDate(value, 'en')).toBe(en);
  });

  it('takes a Date', () => {
    expect(formatRocDate(new Date(Date.UTC(2024, 2, 4, 16, 30)))).toBe('民國113年3月5日');
  });

  it('refuses what is not a date', () => {
    expect(() => formatRocDate('not a date')).toThrow(RangeError);
    expect(() => formatRocDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('formatRocRange', () => {
  it('prints a validity period as the manual does', () => {
    expect(formatRocRange('2013-03-24T16:00:00Z', '2013-04-25T00:00:00+08:00')).toBe(
      '中華民國102年3月25日 到 中華民國102年4月25日',
    );
    expect(formatRocRange('2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z', 'en')).toBe(
      'ROC 115-01-01 (2026-01-01) to ROC 120-01-01 (2031-01-01)',
    );
    expect(formatRocRange(new Date('1911-12-31T00:00:00+08:00'), '1912-01-01')).toBe(
      '中華民國前1年12月31日 到 中華民國1年1月1日',
    );
  });
});

describe('taipeiIsoDate', () => {
  it('dates an instant in Taipei', () => {
    expect(taipeiIsoDate('2024-03-04T16:30:00Z')).toBe('2024-03-05');
    expect(taipeiIsoDate(new Date('2024-03-04T15:59:59Z'))).toBe('2024-03-04');
  });
});

describe("the contract's birth-date field: the one place a typed birth date is read", () => {
  const today = new Date('2024-03-04T16:30:00Z');

  it('reads what the kiosk page sends (the three 民國 parts joined) and any ROC or ISO form, to the ISO date', () => {
    expect(readBirthDate('75/3/9', today)).toEqual({ ok: true, iso: '1986-03-09' });
    expect(readBirthDate('075/03/09', today)).toEqual({ ok: true, iso: '1986-03-09' });
    expect(readBirthDate('民國75年3月9日', today)).toEqual({ ok: true, iso: '1986-03-09' });
    expect(readBirthDate('1986-03-09', today)).toEqual({ ok: true, iso: '1986-03-09' });
    expect(v.parse(birthDateField(today), '75/3/9')).toBe('1986-03-09');
  });

  it.each([
    ['75//', 'only the year typed'],
    ['/3/9', 'no year'],
    ['75/2/30', 'no such day'],
    ['113/3/6', 'after today in Taipei'],
    ['x'.repeat(65), 'longer than any date'],
  ])('%j fails with BIRTH_DATE_FORMAT (%s)', (raw) => {
    expect(readBirthDate(raw, today)).toEqual({ ok: false, code: 'BIRTH_DATE_FORMAT' });
    const result = v.safeParse(birthDateField(today), raw);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues.map((issue) => issue.message)).toContain('BIRTH_DATE_FORMAT');
  });

  it("dates 'today' by the clock it is given", () => {
    expect(readBirthDate('113/3/6', new Date('2024-03-06T00:00:00Z'))).toEqual({ ok: true, iso: '2024-03-06' });
  });
});

describe('parseBirthDate', () => {
  // 00:30 on 5 March 2024 in Taipei, still 4 March in UTC.
  const today = new Date('2024-03-04T16:30:00Z');

  it.each([
    ['75/3/5', '1986-03-05'],
    ['075/03/05', '1986-03-05'],
    ['075-03-05', '1986-03-05'],
    ['75.3.5', '1986-03-05'],
    ['0750305', '1986-03-05'],
    ['1130305', '2024-03-05'],
    ['民國75年3月5日', '1986-03-05'],
    ['中華民國75年3月5日', '1986-03-05'],
    ['民國 75 年 3 月 5 日', '1986-03-05'],
    ['75年3月5日', '1986-03-05'],
    ['民國前1年12月31日', '1911-12-31'],
    ['民國前12年1月1日', '1900-01-01'],
    ['1/1/1', '1912-01-01'],
    ['1986-03-05', '1986-03-05'],
    ['1986/3/5', '1986-03-05'],
    ['1986年3月5日', '1986-03-05'],
    ['1900-01-01', '1900-01-01'],
    ['７５／３／５', '1986-03-05'],
    ['\u3000075-03-05 ', '1986-03-05'],
  ])('%j → %s', (raw, iso) => {
    expect(parseBirthDate(raw, today)).toEqual({ ok: true, iso });
  });

  it.each([
    ['89/2/29', true, '民國89年 = 2000, divisible by 400'],
    ['73/2/29', true, '民國73年 = 1984'],
    ['0730229', true, '民國73年 = 1984, compact'],
    ['民國101年2月29日', true, '民國101年 = 2012'],
    ['2000-02-29', true, 'ISO 2000'],
    ['74/2/29', false, '民國74年 = 1985'],
    ['90/2/29', false, '民國90年 = 2001'],
    ['民國前12年2月29日', false, '民國前12年 = 1900, divisible by 100 but not 400'],
    ['1900-02-29', false, 'ISO 1900'],
  ])('Feb 29: %j → %s (%s)', (raw, ok) => {
    expect(parseBirthDate(raw, today).ok).toBe(ok);
  });

  it.each([
    ['75/2/30', 'Feb 30'],
    ['75/4/31', 'April 31'],
    ['75/13/1', 'month 13'],
    ['75/0/1', 'month 0'],
    ['75/1/0', 'day 0'],
    ['1986-02-30', 'ISO Feb 30'],
    ['0/1/1', 'ROC year 0'],
    ['0000101', 'ROC year 0, compact'],
    ['民國0年1月1日', 'ROC year 0, written'],
    ['民國前0年1月1日', 'before-ROC year 0'],
    ['民國前13年12月31日', '1899'],
    ['1899-12-31', '1899'],
    ['113/3/6', 'tomorrow in Taipei'],
    ['2024-03-06', 'tomorrow in Taipei, ISO'],
    ['999/1/1', 'far future'],
    ['民國1986年3月5日', 'a Gregorian year after 民國'],
    ['75-3/5', 'mixed separators'],
    ['75/3', 'no day'],
    ['750305', 'six digits'],
    ['075030', 'six digits'],
    ['19860305', 'eight digits'],
    ['75 3 5', 'spaces as separators'],
    ['abc', 'not a date'],
    ['', 'empty'],
  ])('%j is refused (%s)', (raw) => {
    expect(parseBirthDate(raw, today)).toEqual({ ok: false });
  });

  it('takes today as dated in Taipei', () => {
    // 23:00 on 4 March in Taipei: 5 March is still the future there.
    const lateOnMarch4 = new Date('2024-03-04T15:00:00Z');
    expect(parseBirthDate('113/3/4', lateOnMarch4)).toEqual({ ok: true, iso: '2024-03-04' });
    expect(parseBirthDate('113/3/5', lateOnMarch4)).toEqual({ ok: false });
    expect(parseBirthDate('113/3/5', today)).toEqual({ ok: true, iso: '2024-03-05' });
  });

  it("reads the day from the caller's clock alone", () => {
    const taipeiToday = new Date('2026-06-01T04:00:00Z');
    expect(parseBirthDate('115/6/1', taipeiToday)).toEqual({ ok: true, iso: '2026-06-01' });
    expect(parseBirthDate('115/6/2', taipeiToday)).toEqual({ ok: false });
  });
});

describe('secrets', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are never written to the console by any validator', () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    const canaries = ['A123456789', 'canary-uc!', 'pin-cnry', '75/3/5', 'bad id canary', ''];
    for (const canary of canaries) {
      normalizeInput(canary);
      checkPersonalId(canary);
      isValidUbn(canary);
      isValidUserCode(canary);
      isValidPin(canary, { minLength: 4, maxLength: 8 });
      isValidEmail(canary);
      parseBirthDate(canary, new Date('2026-06-01T00:00:00Z'));
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
