// Where each input error belongs (docs/contract.md, "Screens and error codes"): the input screen it
// returns the user to and the fields there it marks. One table for both readers: the session machine
// takes from it which rejections send the user back to which input screen, the kiosk page which
// fields of that screen to mark (and so which typed values still stand).
import type { ErrorCode } from './errors.ts';
import type { Screen } from './screens.ts';

/** The birth date's three fields on the responsible-ID screen: 民國 year, month, day. */
export const BIRTH_DATE_FIELDS = ['birthYear', 'birthMonth', 'birthDay'] as const;

export const INPUT_ERROR_FIELDS = {
  enterUserCode: { '3005': ['userCode'], USER_CODE_FORMAT: ['userCode'] },
  enterResponsibleId: {
    // On path B a 3005 may be the ID or the birth date: the kiosk cannot tell, so both are marked.
    '3005': ['responsibleId', ...BIRTH_DATE_FIELDS],
    ID_FORMAT: ['responsibleId'],
    BIRTH_DATE_FORMAT: BIRTH_DATE_FIELDS,
    BIRTH_DATE_REQUIRED: BIRTH_DATE_FIELDS,
  },
  enterContact: { EMAIL_FORMAT: ['email'], USER_CODE_FORMAT: ['userCode'], USER_CODE_MISMATCH: ['userCodeConfirm'] },
  enterPin: { PIN_FORMAT: ['pin'], PIN_MISMATCH: ['pin', 'pinConfirm'] },
} as const satisfies Partial<Record<Screen, Partial<Record<ErrorCode, readonly string[]>>>>;

export type InputErrorScreen = keyof typeof INPUT_ERROR_FIELDS;
/** The codes shown on `screen` itself, on the fields they concern. */
export type InputErrorOn<S extends InputErrorScreen> = keyof (typeof INPUT_ERROR_FIELDS)[S] & ErrorCode;

/** Every code that returns the user to `screen`, in the table's order. */
export function inputErrorCodesOn<S extends InputErrorScreen>(screen: S): InputErrorOn<S>[] {
  return Object.keys(INPUT_ERROR_FIELDS[screen]) as InputErrorOn<S>[];
}

/** The fields of `screen` an error marks; none when the code is not shown there. */
export function fieldsMarkedBy(screen: Screen | undefined, code: ErrorCode | undefined): readonly string[] {
  if (screen === undefined || code === undefined || !Object.hasOwn(INPUT_ERROR_FIELDS, screen)) return [];
  const fields: Partial<Record<ErrorCode, readonly string[]>> = INPUT_ERROR_FIELDS[screen as InputErrorScreen];
  return fields[code] ?? [];
}
