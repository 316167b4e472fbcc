import { normalizeInput } from './text.validator.ts';

/**
 * `other`: 6–20 letters and digits that are neither a national nor a resident ID: a foreign
 * responsible person's passport or other number. The manual's fig. 19 lets the user confirm such an
 * ID after the checksum warning (是(Y)), so it is well-formed but never passes a checksum.
 */
export type PersonalIdKind = 'national' | 'residentNew' | 'residentOld' | 'other';

/** The shortest and longest ID the kiosk, the registry and import accept (any letters and digits). */
export const RESPONSIBLE_ID_LENGTH = { min: 6, max: 20 } as const;

const ANY_ID = new RegExp(`^[A-Z0-9]{${RESPONSIBLE_ID_LENGTH.min},${RESPONSIBLE_ID_LENGTH.max}}$`);

export interface PersonalIdCheck {
  /** normalizeInput + upper-cased. */
  normalized: string;
  /** null when it is not even 6–20 letters and digits. */
  kind: PersonalIdKind | null;
  /** Well-formed: a national or resident ID, or any 6–20 letters and digits (`other`). */
  formatOk: boolean;
  /** Only a national or resident ID can pass; `other` and malformed IDs never do. */
  checksumOk: boolean;
}

// The Ministry of the Interior's area codes. They do not follow the alphabet (I=34, O=35, W=32,
// X=30, Y=31, Z=33), so the table is written out rather than derived.
const AREA_CODE: Readonly<Record<string, number>> = {
  A: 10, B: 11, C: 12, D: 13, E: 14, F: 15, G: 16, H: 17, I: 34, J: 18, K: 19, L: 20, M: 21,
  N: 22, O: 35, P: 23, Q: 24, R: 25, S: 26, T: 27, U: 28, V: 29, W: 32, X: 30, Y: 31, Z: 33,
};

const FORMATS: ReadonlyArray<readonly [PersonalIdKind, RegExp]> = [
  ['national', /^[A-Z][12]\d{8}$/],
  ['residentNew', /^[A-Z][89]\d{8}$/],
  ['residentOld', /^[A-Z][A-D]\d{8}$/],
];

function digit(char: string | undefined): number {
  return char === undefined ? Number.NaN : char.charCodeAt(0) - 48;
}

/** Weighted sum of the 11 digits: area code tens ×1, units ×9, then ×8 … ×1, check digit ×1. */
function checksumHolds(areaCode: number, secondDigit: number, id: string): boolean {
  const weights = [8, 7, 6, 5, 4, 3, 2, 1, 1];
  const digits = [secondDigit, ...Array.from(id.slice(2), digit)];
  let sum = Math.floor(areaCode / 10) + (areaCode % 10) * 9;
  digits.forEach((value, index) => {
    sum += value * (weights[index] ?? 0);
  });
  return sum % 10 === 0;
}

/**
 * National ID (國民身分證統一編號, Ministry of the Interior): an area letter, 1 (male) or 2 (female),
 * seven serial digits and a check digit. The letter becomes its two-digit area code (A=10 … H=17,
 * I=34, J=18 … N=22, O=35, P=23 … V=29, W=32, X=30, Y=31, Z=33); the eleven digits are weighted
 * 1,9,8,7,6,5,4,3,2,1,1 and the sum must be a multiple of 10.
 *
 * Resident IDs (外來人口統一證號, National Immigration Agency): since 2 January 2021 the new form
 * copies the national one with 8 (male) or 9 (female) in second place and the same checksum. The
 * old form, in use until 1 January 2031, has a second letter A–D (sex and issuing category) which
 * counts as the units digit of its own area code (A→0, B→1, C→2, D→3) in the same sum, as the
 * published valid old IDs (AA00000009 … AD00000005, AC01234567) confirm.
 *
 * A failing checksum is reported, not refused: the manual makes it a warning the user may confirm
 * (fig. 19, 是(Y)), and so is any other 6–20 letters and digits (kind `other`). This is the one
 * rule for the kiosk, the registry's verify and the card import alike.
 */
export function checkPersonalId(raw: string): PersonalIdCheck {
  const normalized = normalizeInput(raw).toUpperCase();
  const kind = FORMATS.find(([, format]) => format.test(normalized))?.[0] ?? (ANY_ID.test(normalized) ? 'other' : null);
  if (kind === null) return { normalized, kind, formatOk: false, checksumOk: false };
  if (kind === 'other') return { normalized, kind, formatOk: true, checksumOk: false };
  const areaCode = AREA_CODE[normalized.charAt(0)] ?? 0;
  const second = normalized.charAt(1);
  const secondDigit = kind === 'residentOld' ? (AREA_CODE[second] ?? 0) % 10 : digit(second);
  return { normalized, kind, formatOk: true, checksumOk: checksumHolds(areaCode, secondDigit, normalized) };
}
