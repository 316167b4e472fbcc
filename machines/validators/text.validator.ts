/**
 * Kiosk input arrives from an on-screen keyboard or a Chinese IME, which often types full-width
 * forms (ＡＢＣ１２３, U+FF01–U+FF5E) and the ideographic space U+3000. Unicode maps each full-width
 * ASCII form to its ASCII letter at a fixed offset of 0xFEE0 (the Halfwidth and Fullwidth Forms
 * block); we fold those and trim, and change nothing else, so a user code or PIN keeps its case and
 * its inner characters.
 */
export function normalizeInput(raw: string): string {
  let folded = '';
  for (const char of raw) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xff01 && code <= 0xff5e) folded += String.fromCodePoint(code - 0xfee0);
    else if (code === 0x3000) folded += ' ';
    else folded += char;
  }
  return folded.trim();
}

const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * The CA's manual and docs/contract.md ("The card import file"): a user code is 6–10 letters, digits or symbols and is
 * case-sensitive. We read "symbols" as printable ASCII, 0x21–0x7E, so a space or any
 * non-ASCII letter is refused rather than silently changed.
 */
export function isValidUserCode(code: string): boolean {
  return code.length >= 6 && code.length <= 10 && PRINTABLE_ASCII.test(code);
}

/** Bounds a PKCS#11 token reports for its PIN (CK_TOKEN_INFO ulMinPinLen / ulMaxPinLen). */
export interface PinLengthBounds {
  minLength: number;
  maxLength: number;
}

function usableBounds(bounds: PinLengthBounds | undefined): bounds is PinLengthBounds {
  return (
    bounds !== undefined &&
    Number.isInteger(bounds.minLength) &&
    Number.isInteger(bounds.maxLength) &&
    bounds.minLength >= 0 &&
    bounds.maxLength >= bounds.minLength
  );
}

/**
 * The manual's PIN step: the new card PIN is 6–8 letters, digits or symbols (printable ASCII,
 * 0x21–0x7E). The token's own ulMinPinLen/ulMaxPinLen can only narrow that range; bounds a token
 * reports that make no sense (max below min, not integers) carry no information and are ignored,
 * so the card agent's own check stays the last word.
 */
export function isValidPin(pin: string, bounds?: PinLengthBounds): boolean {
  let min = 6;
  let max = 8;
  if (usableBounds(bounds)) {
    min = Math.max(min, bounds.minLength);
    max = Math.min(max, bounds.maxLength);
  }
  return pin.length >= min && pin.length <= max && PRINTABLE_ASCII.test(pin);
}

// RFC 5322 atext: the characters a dot-atom local part may hold.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// RFC 1035 host label: letters, digits and inner hyphens, at most 63 characters.
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A pragmatic subset of RFC 5321/5322: exactly one '@'; a dot-atom local part of at most 64
 * characters (RFC 5321 §4.5.3.1.1); a domain of at least two RFC 1035 labels whose last label is not
 * all digits (so an IP address is not taken for a domain); at most 254 characters in all (the
 * longest forward-path of RFC 5321 less its angle brackets); ASCII only, internationalised
 * addresses (RFC 6531) being out of scope. Quoted local parts and address literals are refused on
 * purpose: no one types them at a kiosk.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (local.length === 0 || local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return false;
  const topLevel = labels[labels.length - 1] ?? '';
  return topLevel.length >= 2 && !/^\d+$/.test(topLevel);
}
