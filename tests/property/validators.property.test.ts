// Property-based tests of every validator (machines/validators): thousands of generated inputs per
// property instead of hand-picked examples. Each property states a rule of the ID, UBN, date or
// text format that holds for every input, not a copy of the implementation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPersonalId, formatRocDate, isValidEmail, isValidPin, isValidUbn, isValidUserCode, normalizeInput, parseBirthDate } from '../../machines/validators/index.ts';

const RUNS = Number(process.env.PROPERTY_RUNS || 1000);
const settings = { numRuns: RUNS };

const PRINTABLE = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const printable = (min: number, max: number) => fc.string({ unit: PRINTABLE, minLength: min, maxLength: max });
const anyText = fc.string({ unit: 'binary', maxLength: 80 });
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
/** The full-width form of printable ASCII, as an IME types it. */
const fullWidth = (text: string) => Array.from(text, (char) => String.fromCodePoint(char.codePointAt(0)! + 0xfee0)).join('');
const AREA_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('normalizeInput', () => {
  it('is idempotent and never leaves outer white space', () => {
    fc.assert(fc.property(anyText, (raw) => {
      const once = normalizeInput(raw);
      expect(normalizeInput(once)).toBe(once);
      expect(once).toBe(once.trim());
    }), settings);
  });
  it('folds every full-width ASCII form to its ASCII letter', () => {
    fc.assert(fc.property(printable(1, 20), (text) => {
      expect(normalizeInput(fullWidth(text))).toBe(text);
    }), settings);
  });
});

describe('isValidUserCode and isValidPin', () => {
  it('accept every 6–10 (user code) and 6–8 (PIN) printable-ASCII string', () => {
    fc.assert(fc.property(printable(6, 10), (code) => {
      expect(isValidUserCode(code)).toBe(true);
    }), settings);
    fc.assert(fc.property(printable(6, 8), (pin) => {
      expect(isValidPin(pin)).toBe(true);
    }), settings);
  });
  it('refuse anything too short, too long, or with one character outside 0x21–0x7E', () => {
    fc.assert(fc.property(fc.oneof(printable(0, 5), printable(11, 40)), (code) => {
      expect(isValidUserCode(code)).toBe(false);
    }), settings);
    fc.assert(fc.property(fc.oneof(printable(0, 5), printable(9, 40)), (pin) => {
      expect(isValidPin(pin)).toBe(false);
    }), settings);
    const outside = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => !/^[\x21-\x7e]$/.test(char));
    fc.assert(fc.property(printable(3, 6), outside, fc.nat(6), (code, bad, at) => {
      const spoiled = code.slice(0, at) + bad + code.slice(at);
      expect(isValidUserCode(spoiled)).toBe(false);
      expect(isValidPin(spoiled)).toBe(false);
    }), settings);
  });
  it('token PIN bounds only ever narrow the PIN rule, and nonsense bounds never throw', () => {
    const bound = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double());
    fc.assert(fc.property(anyText, bound, bound, (pin, minLength, maxLength) => {
      const bounded = isValidPin(pin, { minLength, maxLength });
      if (bounded) expect(isValidPin(pin)).toBe(true);
    }), settings);
  });
});

describe('isValidEmail', () => {
  const atom = fc.string({ unit: fc.constantFrom(...'abcXYZ019!#$%&\'*+/=?^_`{|}~-'), minLength: 1, maxLength: 10 });
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const topLevel = fc.stringMatching(/^[a-z]{2,6}$/);
  const email = fc
    .tuple(fc.array(atom, { minLength: 1, maxLength: 3 }), fc.array(label, { minLength: 1, maxLength: 3 }), topLevel)
    .map(([local, labels, tld]) => `${local.join('.')}@${[...labels, tld].join('.')}`)
    .filter((text) => text.split('@')[0]!.length <= 64);

  it('accepts every dot-atom address on a domain of RFC 1035 labels', () => {
    fc.assert(fc.property(email, (address) => {
      expect(isValidEmail(address)).toBe(true);
    }), settings);
  });
  it('refuses a second @, a numeric top-level label, and anything over 254 characters', () => {
    fc.assert(fc.property(email, atom, (address, extra) => {
      expect(isValidEmail(`${extra}@${address}`)).toBe(false);
      expect(isValidEmail(address.replace(/\.[a-z]+$/, '.123'))).toBe(false);
      expect(isValidEmail(`${'a'.repeat(250)}${address}`)).toBe(false);
    }), settings);
  });
  it('never throws on any text', () => {
    fc.assert(fc.property(anyText, (text) => {
      expect(typeof isValidEmail(text)).toBe('boolean');
    }), settings);
  });
});

describe('checkPersonalId', () => {
  const second = fc.constantFrom('1', '2', '8', '9', 'A', 'B', 'C', 'D');
  const idBody = fc.tuple(fc.constantFrom(...AREA_LETTERS), second, digits(7)).map(([area, kind, serial]) => `${area}${kind}${serial}`);

  it('for every ID body exactly one check digit makes the checksum hold', () => {
    fc.assert(fc.property(idBody, (body) => {
      const good = '0123456789'.split('').filter((check) => checkPersonalId(body + check).checksumOk);
      expect(good).toHaveLength(1);
      const result = checkPersonalId(body + good[0]!);
      expect(result.formatOk).toBe(true);
      expect(result.kind).toBe(/[12]/.test(body[1]!) ? 'national' : /[89]/.test(body[1]!) ? 'residentNew' : 'residentOld');
    }), settings);
  });
  it('gives the same answer for lower case, full width and surrounding spaces', () => {
    fc.assert(fc.property(idBody, digits(1), (body, check) => {
      const id = body + check;
      const plain = checkPersonalId(id);
      expect(checkPersonalId(` ${id.toLowerCase()}\u3000`)).toEqual(plain);
      expect(checkPersonalId(fullWidth(id))).toEqual(plain);
    }), settings);
  });
  it('never throws, and a malformed input is never checksum-OK', () => {
    fc.assert(fc.property(anyText, (text) => {
      const result = checkPersonalId(text);
      if (!result.formatOk) expect(result.checksumOk).toBe(false);
    }), settings);
  });
});

describe('isValidUbn', () => {
  it('for seven digits (the seventh not 7) exactly two last digits are valid, five apart', () => {
    const prefix = digits(7).filter((text) => text[6] !== '7');
    fc.assert(fc.property(prefix, (start) => {
      const good = '0123456789'.split('').filter((last) => isValidUbn(start + last)).map(Number);
      expect(good).toHaveLength(2);
      expect(good[1]! - good[0]!).toBe(5);
    }), settings);
  });
  it('with 7 in seventh place at least two last digits are valid (the 1-or-0 reading adds some)', () => {
    fc.assert(fc.property(digits(6), (start) => {
      const good = '0123456789'.split('').filter((last) => isValidUbn(`${start}7${last}`));
      expect(good.length).toBeGreaterThanOrEqual(2);
    }), settings);
  });
  it('refuses anything that is not eight digits after folding, and never throws', () => {
    fc.assert(fc.property(anyText, (text) => {
      if (!/^\d{8}$/.test(normalizeInput(text))) expect(isValidUbn(text)).toBe(false);
    }), settings);
    fc.assert(fc.property(digits(8), (ubn) => {
      expect(isValidUbn(fullWidth(ubn))).toBe(isValidUbn(ubn));
    }), settings);
  });
});

describe('parseBirthDate', () => {
  const TODAY = new Date('2026-06-01T00:00:00Z');
  const pastDay = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2026-05-30T00:00:00Z'), noInvalidDate: true });

  it('every way of writing a past date reads as the same ISO date', () => {
    fc.assert(fc.property(pastDay, (date) => {
      const iso = date.toISOString().slice(0, 10);
      const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
      const forms = [iso, `${year}/${month}/${day}`, formatRocDate(`${iso}T12:00:00+08:00`)];
      if (year >= 1912) {
        const roc = year - 1911;
        forms.push(`${roc}/${month}/${day}`, `${roc}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
        forms.push(`${String(roc).padStart(3, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`);
        forms.push(`民國${roc}年${month}月${day}日`);
      } else {
        forms.push(`民國前${1912 - year}年${month}月${day}日`);
      }
      for (const form of forms) expect(parseBirthDate(form, TODAY), form).toEqual({ ok: true, iso });
      expect(parseBirthDate(fullWidth(`${year}/${month}/${day}`), TODAY)).toEqual({ ok: true, iso });
    }), settings);
  });
  it('refuses every date after today and every day that does not exist', () => {
    const future = fc.date({ min: new Date('2026-06-03T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(fc.property(future, (date) => {
      expect(parseBirthDate(date.toISOString().slice(0, 10), TODAY)).toEqual({ ok: false });
    }), settings);
    fc.assert(fc.property(fc.integer({ min: 1, max: 115 }), fc.integer({ min: 1, max: 12 }), (roc, month) => {
      const year = 1911 + roc;
      const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
      expect(parseBirthDate(`${roc}/${month}/${lastDay + 1}`, TODAY)).toEqual({ ok: false });
    }), settings);
  });
  it('never throws on any text', () => {
    fc.assert(fc.property(anyText, (text) => {
      const result = parseBirthDate(text, TODAY);
      if (result.ok) expect(result.iso).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }), settings);
  });
});
