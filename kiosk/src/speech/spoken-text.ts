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
import { ERROR_CODES, ERRORS, REMEDIES, type ErrorCode, type Remedy } from '../../../machines/contract/errors.ts';
import { LANGUAGES, SCREENS, type ActivationPath, type Language, type Screen } from '../../../machines/contract/screens.ts';
import { errorText, fill, strings } from '../i18n.ts';

/** The variant of a text that path B (registration-bundled) reads instead. */
const BUNDLED = 'registration-bundled' satisfies ActivationPath;

/** Advice the failure screen gives instead of a remedy's own (docs/ui.md, the failure screen). */
type Advice = Remedy | 'otherPath' | 'notDetectedAgain';

export const screenKey = (screen: Screen, path?: ActivationPath) => `screen.${screen}${path === BUNDLED ? `.${BUNDLED}` : ''}`;
export const errorKey = (code: ErrorCode, path?: ActivationPath) => `error.${code}${path === BUNDLED ? `.${BUNDLED}` : ''}`;
export const adviceKey = (advice: Advice) => `next.${advice}`;

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
 */
export function spokenTexts(lang: Language): Record<string, string> {
  const s = strings(lang);
  const texts: Record<string, string> = {};
  for (const screen of SCREENS) {
    const entry = s.screens[screen] as ScreenTexts | undefined;
    texts[screenKey(screen)] = entry === undefined ? '' : screenText(entry);
    if (entry?.bodyBundled !== undefined) texts[screenKey(screen, BUNDLED)] = screenText(entry, BUNDLED);
  }
  for (const code of ERROR_CODES) {
    texts[errorKey(code)] = errorText(code, lang);
    const info = ERRORS[code];
    if (info.bundledText !== undefined) texts[errorKey(code, BUNDLED)] = errorText(code, lang, BUNDLED);
  }
  for (const remedy of REMEDIES) texts[adviceKey(remedy)] = joined([s.whatNext, s.remedies[remedy]]);
  texts[adviceKey('otherPath')] = joined([s.whatNext, s.remedyOtherPath]);
  texts[adviceKey('notDetectedAgain')] = joined([s.whatNext, s.notDetectedAgain]);
  return texts;
}

/** The keys every language must have audio for: what the build checks and `/speech/index.json` lists. */
export function spokenKeys(): string[] {
  const keys = new Set<string>();
  for (const lang of LANGUAGES) for (const key of Object.keys(spokenTexts(lang))) keys.add(key);
  return [...keys];
}

/** What the failure screen advises (ka-failed-screen.ts: `advice`), as a key. */
function failureAdvice(view: View): Advice {
  const error = view.error;
  const remedy: Remedy = error ? (error.remedy ?? ERRORS[error.code].remedy) : 'staff';
  if (view.accepts.includes('user.choosePath')) return 'otherPath';
  if (error?.code === 'CARD_NOT_DETECTED' && remedy === 'staff') return 'notDetectedAgain';
  return remedy;
}

/**
 * The keys to play, in order, for the view on screen: the screen's words, then its error and, on
 * the failure screen, what to do next. Input screens speak their input error too (3005, a format).
 */
export function speechKeysFor(view: View): string[] {
  const path = view.path ?? view.card?.route;
  const keys = [screenKey(view.screen, hasBundledScreenText(view.screen) ? path : undefined)];
  if (view.error !== undefined) keys.push(errorKey(view.error.code, ERRORS[view.error.code].bundledText ? path : undefined));
  if (view.screen === 'failed') keys.push(adviceKey(failureAdvice(view)));
  return keys;
}

function hasBundledScreenText(screen: Screen): boolean {
  return (strings(LANGUAGES[0]).screens[screen] as ScreenTexts | undefined)?.bodyBundled !== undefined;
}
