// Pure input checks and ROC-calendar formatting shared by the session statechart, the registry and
// the kiosk UI. No I/O and nothing Node-only: the browser bundle imports this module too.
export { normalizeInput, isValidUserCode, isValidPin, isValidEmail, type PinLengthBounds } from './text.validator.ts';
export { checkPersonalId, RESPONSIBLE_ID_LENGTH, type PersonalIdKind, type PersonalIdCheck } from './personal-id.validator.ts';
export { isValidUbn } from './ubn.validator.ts';
export { parseBirthDate, type BirthDateResult } from './roc-date.validator.ts';
export {
  formatRocDate,
  formatRocRange,
  taipeiIsoDate,
  taipeiDate,
  TAIPEI,
  type CalendarDate,
} from './roc-date.formatter.ts';
export { certificateUserName, type CertificateHolder } from './certificate-name.formatter.ts';
