export const TAIPEI = 'Asia/Taipei';

/** A calendar date: Gregorian year, month 1–12, day 1–31. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

// Built once: constructing Intl formatters is the slow part. Asia/Taipei, not a fixed +08:00,
// because Taiwan kept daylight saving time in several years up to 1979.
const gregorianInTaipei = new Intl.DateTimeFormat('en-US-u-ca-gregory', {
  timeZone: TAIPEI,
  numberingSystem: 'latn',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});
const rocInTaipei = new Intl.DateTimeFormat('zh-TW-u-ca-roc', {
  timeZone: TAIPEI,
  numberingSystem: 'latn',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});

function numericParts(format: Intl.DateTimeFormat, instant: Date): CalendarDate {
  const parts = format.formatToParts(instant);
  const value = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value);
  return { year: value('year'), month: value('month'), day: value('day') };
}

function toInstant(value: string | Date): Date {
  const instant = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(instant.getTime())) throw new RangeError('not a date or timestamp');
  return instant;
}

/** The Gregorian calendar date an instant falls on in Taipei. */
export function taipeiDate(value: string | Date): CalendarDate {
  return numericParts(gregorianInTaipei, toInstant(value));
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

export function isoDate({ year, month, day }: CalendarDate): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The date an instant falls on in Taipei, as 'YYYY-MM-DD'. */
export function taipeiIsoDate(value: string | Date): string {
  return isoDate(taipeiDate(value));
}

interface RocDate {
  /** true for 民國前: years up to 1911. */
  beforeRoc: boolean;
  /** The ROC year counted from 1 in either direction (1911 is 民國前1年, 1912 is 民國1年). */
  year: number;
  month: number;
  day: number;
  gregorian: CalendarDate;
}

// ICU's roc calendar gives the year counted within its era, so 1911 and 1912 both come out as 1;
// which era it is we read from the Gregorian year rather than from the era name, whose wording
// ("民國前", "B.R.O.C.") differs between ICU versions and locales.
function rocDate(value: string | Date): RocDate {
  const instant = toInstant(value);
  const roc = numericParts(rocInTaipei, instant);
  const gregorian = numericParts(gregorianInTaipei, instant);
  return { beforeRoc: gregorian.year < 1912, ...roc, gregorian };
}

function rocText(date: RocDate, lang: 'zh-TW' | 'en', eraName: string): string {
  if (lang === 'en') {
    const era = date.beforeRoc ? 'before ROC' : 'ROC';
    return `${era} ${date.year}-${pad(date.month, 2)}-${pad(date.day, 2)} (${isoDate(date.gregorian)})`;
  }
  return `${eraName}${date.beforeRoc ? '前' : ''}${date.year}年${date.month}月${date.day}日`;
}

/**
 * The Republic of China calendar (民國紀年, official in Taiwan) counts years from 1912, so 民國N年 is
 * 1911+N and the years before 1912 are 民國前N年 (1911 is 民國前1年, there is no year 0); months and
 * days are the Gregorian ones. The year comes from Intl's 'roc' calendar, the date is the one in
 * Taipei. English reads 'ROC 113-03-05 (2024-03-05)' or 'before ROC 1-12-31 (1911-12-31)'.
 * Throws a RangeError for an unparseable timestamp.
 */
export function formatRocDate(value: string | Date, lang: 'zh-TW' | 'en' = 'zh-TW'): string {
  return rocText(rocDate(value), lang, '民國');
}

/**
 * A validity period as the CA's manual prints it on the card-data screen:
 * '中華民國102年3月25日 到 中華民國102年4月25日' — the full era name, both ends in Taipei.
 */
export function formatRocRange(from: string | Date, to: string | Date, lang: 'zh-TW' | 'en' = 'zh-TW'): string {
  const joiner = lang === 'en' ? ' to ' : ' 到 ';
  return rocText(rocDate(from), lang, '中華民國') + joiner + rocText(rocDate(to), lang, '中華民國');
}
