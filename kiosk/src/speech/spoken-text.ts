// What the kiosk says aloud (docs/ui.md, "Spoken guidance"): each screen's title and instruction,
// each error code's text, and what to do next. The keys come from the contract's tables (SCREENS,
// ERROR_CODES, REMEDIES), never from a hand list, so a screen or a code added there is spoken, and
// the build fails (kiosk/tools/speech.ts) until its words are in the catalogues. The words are the
// catalogues' own; nothing typed and nothing read from the card is ever spoken, because the audio
// is made once, at build time, from these texts alone.
//
// A screen is spoken as a short playlist of these keys (`speechKeysFor`): the screen, then on a
// failure the error and what to do next. Pure: the build tool and the page both import it.
import type { View } from '../../../machines/contract/messages.ts';
import { ERROR_CODES, REMEDIES, type ErrorCode } from '../../../machines/contract/errors.ts';
import { REGISTRY_STEPS, type RegistryStep } from '../../../machines/contract/messages.ts';
import { adviceText, failureAdvice, step3125, type Advice } from '../screens/failed/failure-words.ts';
import { LANGUAGES, SCREENS, type ActivationPath, type Language, type Screen } from '../../../machines/contract/screens.ts';
import { errorTextIn, fill, hasBundledErrorText, strings, stringsIn } from '../i18n.ts';

/** The variant of a text that path B (registration-bundled) reads instead. */
const BUNDLED = 'registration-bundled' satisfies ActivationPath;

export const screenKey = (screen: Screen, path?: ActivationPath) => `screen.${screen}${path === BUNDLED ? `.${BUNDLED}` : ''}`;
export const errorKey = (code: ErrorCode, path?: ActivationPath) => `error.${code}${path === BUNDLED ? `.${BUNDLED}` : ''}`;
export const adviceKey = (advice: Advice) => `next.${advice}`;
/** 3125 at one step: its title says what did not happen there (ka-failed-screen.ts). */
export const error3125Key = (step: RegistryStep) => `error.3125.${step}`;

/** The fields of a screen's catalogue entry that are spoken, in this order; the rest (labels, notes) are not. */
const SPOKEN_FIELDS = ['title', 'accepted', 'body', 'question', 'hint'] as const;

type ScreenTexts = Partial<Record<(typeof SPOKEN_FIELDS)[number] | 'bodyBundled', string>>;

/**
 * The parts as one text, each part's fixed placeholders (the service numbers, the CA's address)
 * filled; a placeholder for a value of the session stays as written, and the build refuses it.
 */
function joined(parts: readonly (string | undefined)[]): string {
  return parts
    .map((part) => (part === undefined ? undefined : fill(part).trim()))
    .filter((part): part is string => part !== undefined && part !== '')
    .join('\n');
}

function screenText(entry: ScreenTexts, path?: ActivationPath): string {
  return joined(SPOKEN_FIELDS.map((field) => (field === 'body' && path === BUNDLED ? (entry.bodyBundled ?? entry.body) : entry[field])));
}

/**
 * Every spoken text of one language, by key: one per screen (and its path-B wording where the
 * catalogue has one), one per error code (and its path-B wording), one per piece of advice. An
 * empty text is kept as empty: the build refuses it, so a screen without words cannot ship.
 * `lang`'s catalogue must be loaded (`loadLanguage`).
 */
export function spokenTexts(lang: Language): Record<string, string> {
  const s = stringsIn(lang);
  const texts: Record<string, string> = {};
  for (const screen of SCREENS) {
    const entry = s.screens[screen] as ScreenTexts | undefined;
    texts[screenKey(screen)] = entry === undefined ? '' : screenText(entry);
    if (entry?.bodyBundled !== undefined) texts[screenKey(screen, BUNDLED)] = screenText(entry, BUNDLED);
  }
  for (const code of ERROR_CODES) {
    texts[errorKey(code)] = errorTextIn(s, code);
    if (hasBundledErrorText(code)) texts[errorKey(code, BUNDLED)] = errorTextIn(s, code, BUNDLED);
  }
  const advices: Advice[] = [...REMEDIES, 'otherPath', 'notDetectedAgain', 'notBusinessCard'];
  for (const step of REGISTRY_STEPS) {
    advices.push(`3125.${step}`);
    texts[error3125Key(step)] = s.error3125(s.failed3125[step].what);
  }
  for (const advice of advices) texts[adviceKey(advice)] = joined([s.whatNext, adviceText(advice, s)]);
  return texts;
}

/** The keys every language must have audio for: what the build checks and `/speech/index.json` lists. */
export function spokenKeys(): string[] {
  const keys = new Set<string>();
  for (const lang of LANGUAGES) for (const key of Object.keys(spokenTexts(lang))) keys.add(key);
  return [...keys];
}

/**
 * The keys to play, in order, for the view on screen: the screen's words, then its error and, on
 * the failure screen, what to do next. Input screens speak their input error too (3005, a format).
 */
export function speechKeysFor(view: View): string[] {
  const path = view.path ?? view.card?.route;
  const keys = [screenKey(view.screen, hasBundledScreenText(view.screen) ? path : undefined)];
  const during = step3125(view);
  if (during !== undefined) keys.push(error3125Key(during));
  else if (view.error !== undefined) keys.push(errorKey(view.error.code, hasBundledErrorText(view.error.code) ? path : undefined));
  if (view.screen === 'failed') keys.push(adviceKey(failureAdvice(view)));
  return keys;
}

function hasBundledScreenText(screen: Screen): boolean {
  return (strings(LANGUAGES[0]).screens[screen] as ScreenTexts | undefined)?.bodyBundled !== undefined;
}
