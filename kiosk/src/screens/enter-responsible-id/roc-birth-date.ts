// The birth date is typed as the manual asks, in the ROC calendar (民國 年 月 日), and sent as the
// Gregorian 'YYYY-MM-DD' the contract carries. Whether it is a real date is the session machine's
// call (`parseBirthDate`, machines/validators/roc-date.validator.ts): whatever was typed is passed
// on, so an incomplete date comes back as ID_FORMAT on the screen.

/** ROC year 1 is 1912. */
export const ROC_YEAR_OFFSET = 1911;

/** `undefined` when all three parts are empty (the birth date is optional). */
export function rocBirthDateToIso(year: string, month: string, day: string): string | undefined {
  if (year === '' && month === '' && day === '') return undefined;
  const gregorian = /^\d{1,3}$/.test(year) ? String(Number(year) + ROC_YEAR_OFFSET).padStart(4, '0') : year;
  return `${gregorian}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}
