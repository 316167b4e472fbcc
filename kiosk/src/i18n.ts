// Every word the kiosk shows, in 正體中文 (the CA manual's own wording wherever it has one) and in
// English. The words themselves are data: one catalogue per language in `text/` (a translator edits
// a catalogue, never code); this module turns a catalogue into the `Strings` the screens read,
// filling `{name}` placeholders. Each error code's words are here too (`errors`, and path B's
// wording in `errorsBundled` where the code means something else there); the contract keeps only
// the codes, their classes and remedies. `tests/unit/kiosk-text.test.ts` holds both
// catalogues to the same keys and the same placeholders.
//
// Only the default language's catalogue is part of the page's bundle; another is imported when it
// is first wanted (`loadLanguage`), which the build turns into a module of its own beside the page
// (kiosk/tools/build.ts, docs/ui.md "Languages"). Until it has arrived, `strings` answers in the
// default language.
import type { ActivationPath, ErrorCode, Language, RegistryStep, Remedy, Screen } from '../../machines/contract/index.ts';
import { CUSTOMER_SERVICE, manualCodeOf, RET_CODE_3125 } from '../../machines/contract/errors.ts';
import zhTW from './text/zh-TW.json';

/**
 * A catalogue as the JSON holds it, with the tables the contract names checked against the
 * contract: a path, remedy or screen without its words does not compile.
 */
type Catalogue = typeof zhTW & {
  paths: Record<ActivationPath, string>;
  pathWho: Record<ActivationPath, string>;
  pathNeeds: Record<ActivationPath, string>;
  callIfSure: Record<ActivationPath, string>;
  remedies: Record<Remedy, string>;
  failed3125: Record<RegistryStep, { what: string; next: string }>;
  screens: Record<Screen, { title: string; body: string }>;
  /** What the user reads for each code, in the manual's wording where it has one. */
  errors: Record<ErrorCode, string>;
  /** Path B's wording where a code means something else there (3005: the ID or birth date). */
  errorsBundled: Partial<Record<ErrorCode, string>>;
};

/** The language the page is built with and shows until another has arrived. */
export const DEFAULT_LANGUAGE = 'zh-TW' satisfies Language;

/**
 * The other languages' catalogues, each imported only when wanted: the build makes each import a
 * module of its own (`text/<lang>.js` beside the page); tests and the build tools in Node import
 * the JSON itself.
 */
const CATALOGUE_IMPORTS: Record<Exclude<Language, typeof DEFAULT_LANGUAGE>, () => Promise<{ default: Catalogue }>> = {
  en: () => import('./text/en.json'),
};

/** A language's catalogue as the JSON holds it: the default one at once, another once imported. */
export async function loadCatalogue(lang: Language): Promise<Catalogue> {
  return lang === DEFAULT_LANGUAGE ? zhTW : (await CATALOGUE_IMPORTS[lang]()).default;
}

/** What every catalogue may name in its placeholders besides a text's own arguments. */
const FIXED_VALUES: Record<string, string> = {
  ...CUSTOMER_SERVICE,
  retCode: RET_CODE_3125,
};

/** Fills `{name}` placeholders; a name without a value stays visible rather than vanishing. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? FIXED_VALUES[name] ?? whole));
}

function fillAll<T extends Record<string, string>>(table: T, values: Record<string, string> = {}): T {
  return Object.fromEntries(Object.entries(table).map(([key, text]) => [key, fill(text, values)])) as T;
}

function stringsFrom(c: Catalogue, lang: Language) {
  const plural = new Intl.PluralRules(lang);
  return {
    ...c,
    step: (index: number, of: number) => fill(c.step, { index, of }),
    buttons: { ...c.buttons, switchPath: (path: string) => fill(c.buttons.switchPath, { path }) },
    fields: {
      ...c.fields,
      // English names the field mid-sentence, in lower case; Chinese has no case to change.
      showSecret: (label: string) => fill(c.fields.showSecret, { label: lang === 'en' ? label.toLowerCase() : label }),
      hideSecret: (label: string) => fill(c.fields.hideSecret, { label: lang === 'en' ? label.toLowerCase() : label }),
    },
    countdown: { ...c.countdown, seconds: (n: number) => fill(c.countdown.seconds, { n }) },
    tray: { ...c.tray, insert: (label: string) => fill(c.tray.insert, { label }) },
    attemptsLeft: (n: number) => fill(plural.select(n) === 'one' ? c.attemptsLeft.one : c.attemptsLeft.other, { n }),
    customerServiceLines: c.customerServiceLines.map((line) => fill(line)),
    callIfSure: fillAll(c.callIfSure),
    customerServiceEmail: fill(c.customerServiceEmail),
    /**
     * What to quote on the phone: the manual's code (3125 with its RetCode) and the card number;
     * undefined for a code the manual does not give (ours stay with staff).
     */
    forTheCall: (code: ErrorCode, cardNumber: string | undefined): string | undefined => {
      const manual = manualCodeOf(code);
      if (manual === undefined) return undefined;
      return (
        fill(c.forTheCall.code, { code: manual }) +
        (manual === '3125' ? fill(c.forTheCall.retCode) : '') +
        (cardNumber === undefined ? '' : fill(c.forTheCall.cardNumber, { cardNumber }))
      );
    },
    retCode3125: (cardNumber: string | undefined) => fill(c.retCode3125, { cardNumber: cardNumber ?? '' }),
    // Where the manual sends a card (27011 to be unblocked, an unreadable one to be tested): the
    // catalogue's `caMailAddress`, written as the envelope is, in Chinese in every language.
    mailIn: fillAll(c.mailIn, { mailAddress: c.caMailAddress }),
    failed3125: c.failed3125,
    error3125: (what: string) => fill(c.error3125, { what }),
  };
}

export type Strings = ReturnType<typeof stringsFrom>;

const tables: Partial<Record<Language, Strings>> = { [DEFAULT_LANGUAGE]: stringsFrom(zhTW, DEFAULT_LANGUAGE) };
const loading = new Map<Language, Promise<boolean>>();

/** Whether `lang`'s words are here: `strings(lang)` answers in `lang` itself. */
export function hasLanguage(lang: Language): boolean {
  return tables[lang] !== undefined;
}

/**
 * Fetches `lang`'s catalogue if it is not here yet; true once it is. A failed import answers false
 * and is forgotten, so that the next call (the next switch to that language) tries again.
 */
export function loadLanguage(lang: Language): Promise<boolean> {
  if (hasLanguage(lang)) return Promise.resolve(true);
  let pending = loading.get(lang);
  if (pending === undefined) {
    pending = loadCatalogue(lang).then(
      (catalogue) => {
        tables[lang] = stringsFrom(catalogue, lang);
        return true;
      },
      () => false,
    );
    pending.finally(() => loading.delete(lang)).catch(() => undefined);
    loading.set(lang, pending);
  }
  return pending;
}

/** The words in `lang`, or in the default language while `lang`'s catalogue has not arrived. */
export function strings(lang: Language): Strings {
  return tables[lang] ?? (tables[DEFAULT_LANGUAGE] as Strings);
}

/** The words in `lang` itself; throws if its catalogue is not loaded (the build tools, which must never speak one language for another). */
export function stringsIn(lang: Language): Strings {
  const table = tables[lang];
  if (table === undefined) throw new Error(`the ${lang} catalogue is not loaded (await loadLanguage first)`);
  return table;
}

/** An error code's words in `s` (and path B's wording where it has one). */
export function errorTextIn(s: Strings, code: ErrorCode, path?: ActivationPath): string {
  return (path === 'registration-bundled' ? s.errorsBundled[code] : undefined) ?? s.errors[code];
}

/** The catalogue's text for an error code, in the view's language (and path B's wording where it has one). */
export function errorText(code: ErrorCode, lang: Language, path?: ActivationPath): string {
  return errorTextIn(strings(lang), code, path);
}

/** Whether path B words `code` its own way (the same in every catalogue: kiosk-text.test.ts). */
export function hasBundledErrorText(code: ErrorCode): boolean {
  return strings(DEFAULT_LANGUAGE).errorsBundled[code] !== undefined;
}
