import { isoDate, taipeiIsoDate, type CalendarDate } from './roc-date.formatter.ts';
import { normalizeInput } from './text.validator.ts';

export type BirthDateResult = { ok: true; iso: string } | { ok: false };

// ROC years are written with one to three digits (民國1年 … 民國999年) and Gregorian years with
// four, so the number of year digits alone tells the calendars apart.
const GREGORIAN = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const ROC_SEPARATED = /^(\d{1,3})([-/.])(\d{1,2})\2(\d{1,2})$/;
// The 7-digit form YYYMMDD that Taiwanese government forms use for ROC dates ('0750305').
const ROC_COMPACT = /^(\d{3})(\d{2})(\d{2})$/;
const WRITTEN = /^(?:(?:中華)?民國\s*(前)?\s*)?(\d{1,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$/;

function fromRoc(rocYear: number, beforeRoc: boolean): number {
  // There is no year 0 either way: 民國1年 is 1912, 民國前1年 is 1911.
  if (rocYear < 1) return Number.NaN;
  return beforeRoc ? 1912 - rocYear : 1911 + rocYear;
}

function readDate(text: string): CalendarDate | null {
  let match = GREGORIAN.exec(text);
  if (match) return { year: Number(match[1]), month: Number(match[3]), day: Number(match[4]) };
  match = ROC_SEPARATED.exec(text);
  if (match) return { year: fromRoc(Number(match[1]), false), month: Number(match[3]), day: Number(match[4]) };
  match = ROC_COMPACT.exec(text);
  if (match) return { year: fromRoc(Number(match[1]), false), month: Number(match[2]), day: Number(match[3]) };
  match = WRITTEN.exec(text);
  if (match) {
    const [, before, yearText = '', month, day] = match;
    const explicitlyRoc = text.includes('民國');
    // '1986年3月5日' is a Gregorian year; with 民國 the year must be an ROC one.
    if (yearText.length === 4 && explicitlyRoc) return null;
    const year = yearText.length === 4 ? Number(yearText) : fromRoc(Number(yearText), before !== undefined);
    return { year, month: Number(month), day: Number(day) };
  }
  return null;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function exists({ year, month, day }: CalendarDate): boolean {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1) return false;
  const lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (lengths[month - 1] ?? 0);
}

/**
 * The manual's path B asks the responsible person's birth date "in the ROC calendar" (民國 年 月 日),
 * the way Taiwanese forms write it: '75/3/5', '075-03-05', the 7-digit '0750305' or
 * '民國75年3月5日' (民國N年 is 1911+N, 民國前N年 is 1912−N). An ISO 'YYYY-MM-DD' (or any 4-digit year)
 * is read as Gregorian. The date must exist in the Gregorian calendar (leap years by the 4/100/400
 * rule, so Feb 29 of 民國89年 = 2000 exists and of 民國前12年 = 1900 does not), must not be after
 * `today` as dated in Taipei, and must not be before 1900. `today` is the caller's clock, never
 * read here; the contract's `birthDateField` (machines/contract/fields.ts) is how the product reads
 * a birth date.
 */
export function parseBirthDate(raw: string, today: Date): BirthDateResult {
  const date = readDate(normalizeInput(raw));
  if (date === null || !exists(date) || date.year < 1900) return { ok: false };
  const iso = isoDate(date);
  if (iso > taipeiIsoDate(today)) return { ok: false };
  return { ok: true, iso };
}
