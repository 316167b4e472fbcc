// The screen ids of docs/contract.md ("Screens and error codes"). Each state of the session machine names one in its
// `meta.screen`; the UI has one component per id.

export const SCREENS = [
  'outOfService',
  'insertCard',
  'readingCard',
  'choosePath',
  'enterUserCode',
  'enterResponsibleId',
  'idChecksumWarning',
  'verifying',
  'confirmCardData',
  'enterContact',
  'accepting',
  'enterPin',
  'settingPin',
  'activated',
  'cardRemoved',
  'stillThere',
  'failed',
  'staffAssist',
  'removeCard',
] as const;

export type Screen = (typeof SCREENS)[number];

export function isScreen(value: unknown): value is Screen {
  return typeof value === 'string' && (SCREENS as readonly string[]).includes(value);
}

export const ACTIVATION_PATHS = ['self-applied', 'registration-bundled'] as const;
export type ActivationPath = (typeof ACTIVATION_PATHS)[number];

export const LANGUAGES = ['zh-TW', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
