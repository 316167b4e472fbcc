// Every word the kiosk shows, in 正體中文 (the CA manual's own wording wherever it has one) and in
// English. The words themselves are data: one catalogue per language in `text/` (a translator edits
// a catalogue, never code); this module turns a catalogue into the `Strings` the screens read,
// filling `{name}` placeholders. Error texts come from the contract's catalogue; the kiosk's
// catalogues only add what the user can do next. `tests/unit/kiosk-text.test.ts` holds both
// catalogues to the same keys and the same placeholders.
import type { ActivationPath, ErrorCode, Language, RegistryStep, Remedy, Screen } from '../../machines/contract/index.ts';
import { CA_MAIL_ADDRESS, CUSTOMER_SERVICE, errorTextFor, manualCodeOf, RET_CODE_3125 } from '../../machines/contract/errors.ts';
import zhTW from './text/zh-TW.json';
import en from './text/en.json';

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
};

export const CATALOGUES: Record<Language, Catalogue> = { 'zh-TW': zhTW, en };

/** What every catalogue may name in its placeholders besides a text's own arguments. */
const FIXED_VALUES: Record<string, string> = {
  ...CUSTOMER_SERVICE,
  mailAddress: CA_MAIL_ADDRESS,
  retCode: RET_CODE_3125,
};

/** Fills `{name}` placeholders; a name without a value stays visible rather than vanishing. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? FIXED_VALUES[name] ?? whole));
}

function fillAll<T extends Record<string, string>>(table: T): T {
  return Object.fromEntries(Object.entries(table).map(([key, text]) => [key, fill(text)])) as T;
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
    mailIn: fillAll(c.mailIn),
    failed3125: c.failed3125,
    error3125: (what: string) => fill(c.error3125, { what }),
  };
}

export type Strings = ReturnType<typeof stringsFrom>;

const tables: Record<Language, Strings> = { 'zh-TW': stringsFrom(zhTW, 'zh-TW'), en: stringsFrom(en, 'en') };

export function strings(lang: Language): Strings {
  return tables[lang];
}

/** The catalogue's text for an error code, in the view's language (and path B's wording where it has one). */
export function errorText(code: ErrorCode, lang: Language, path?: ActivationPath): string {
  return errorTextFor(code, lang, path);
}
