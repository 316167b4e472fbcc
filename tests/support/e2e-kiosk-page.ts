// Driving the kiosk page the way a person at the kiosk does: by touch, on what they can see.
// Buttons and keys are found by their accessible names (Playwright's role and label selectors
// pierce the components' open shadow roots); text is typed by tapping the on-screen keyboard.
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../platform/chromium.mjs';

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** A portrait kiosk screen (1080×1920) that takes touch. */
export async function openKioskPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, hasTouch: true });
  const page = await context.newPage();
  // Room for a loaded machine (the whole test suite runs beside this): waits end as soon as the
  // screen is there, this only bounds a hung run.
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  return page;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An accessible name that begins with `text` (a field's name grows an error mark when invalid). */
export const startingWith = (text: string) => new RegExp(`^${escapeRegExp(text)}`);

export function button(page: Page, name: string | RegExp): Locator {
  return page.getByRole('button', { name, exact: typeof name === 'string' });
}

/** Opens the demo tray's drawer (a tab on the right edge) unless it is open already. */
export async function openDemoTray(page: Page, tabName: string | RegExp = /^(示範卡片|Demo cards)$/): Promise<void> {
  const tab = page.getByRole('button', { name: tabName });
  if (await tab.isVisible()) await tab.tap();
}

/**
 * The demo tray's insert button for the card held by `holderName` (its label may lead with a short
 * card number). The tray is a drawer: `tap()` opens it first, as a person would.
 */
export function trayInsertButton(page: Page, holderName: string): Pick<Locator, 'tap'> & { locator: Locator } {
  const locator = page.getByRole('button', { name: new RegExp(`^插入：(?:.*\\s)?${escapeRegExp(holderName)} ·`) });
  return {
    locator,
    async tap(options) {
      await openDemoTray(page);
      await locator.tap(options);
    },
  };
}

/** Takes the demo card out, from the tray's drawer. */
export async function removeDemoCard(page: Page, name = '取出卡片'): Promise<void> {
  await openDemoTray(page);
  await button(page, name).tap();
}

/** Waits for the screen whose heading is `name`. */
export async function waitForScreen(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name, exact: true, level: 1 }).waitFor();
}

/**
 * A field by the start of its accessible name (the visible label, or its longer spoken name): the
 * name grows an error mark when the field is invalid. Masked fields are text boxes too.
 */
export function field(page: Page, label: string): Locator {
  return page.getByRole('textbox', { name: startingWith(label) });
}

/** The on-screen keyboard's labels, in the language the page shows. */
export interface KeyboardNames {
  keyboard: string;
  shift: string;
  symbols: string;
  letters: string;
}

export const ZH_KEYBOARD: KeyboardNames = { keyboard: '螢幕鍵盤', shift: '大寫', symbols: '符號', letters: '英文' };

/**
 * Taps `text` into `target` on the on-screen keyboard: its field is tapped first, so the keyboard
 * types there and shows that field's layout; capitals through one-shot shift, symbols from the
 * symbols page. Each key is checked to have landed before the next is tapped, so a lost or
 * doubled tap fails here rather than as a confusing answer from the engine.
 */
export async function tapText(page: Page, target: Locator, text: string, names: KeyboardNames = ZH_KEYBOARD): Promise<void> {
  const keyboard = page.getByRole('group', { name: names.keyboard });
  const key = (name: string) => keyboard.getByRole('button', { name, exact: true });
  await target.tap();
  // The keyboard follows the focused field; it must have moved before keys are chosen.
  await target.waitForFunction((input) => input.matches(':focus'));
  let typed = await target.inputValue();
  for (const char of text) {
    if (!(await key(char).isVisible())) {
      if (/[a-z]/i.test(char)) {
        if (await key(names.letters).isVisible()) await key(names.letters).tap();
        if (/[A-Z]/.test(char)) await key(names.shift).tap();
      } else {
        await key(names.symbols).tap();
      }
    }
    await key(char).tap();
    typed += char;
    await target.waitForFunction((input, expected) => (input as HTMLInputElement).value === expected, typed);
  }
}
