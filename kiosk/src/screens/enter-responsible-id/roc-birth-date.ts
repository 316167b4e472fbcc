// The birth date is typed as the manual asks, in the ROC calendar (民國 年 月 日), in three fields.
// The page reads nothing into it: it joins the three parts as the ROC date they spell ('75/3/5')
// and sends that; the contract's birth-date field (`birthDateField`, machines/contract/fields.ts)
// is the one place that reads it, in the machine, and answers BIRTH_DATE_FORMAT for a date that is
// incomplete, does not exist or lies ahead.

/** `undefined` when all three parts are empty (the birth date is optional). */
export function typedRocBirthDate(year: string, month: string, day: string): string | undefined {
  if (year === '' && month === '' && day === '') return undefined;
  return `${year}/${month}/${day}`;
}
