// `npm run screenshots`: every screen, from the fixture views, in 正體中文 and English, portrait
// 1080×1920 (and the input screens in landscape 1920×1080), rendered by headless Chromium from the
// real bundle. All go to docs/screenshots/tmp/ (not committed); a few representative ones, at half
// scale, to docs/screenshots/ for the docs. Then the staff console and the inspector at 1600×1000
// from their fixtures (kiosk/tools/console-screenshots.ts), to docs/screenshots/ as well.
// `npm run screenshots -- kiosk` or `-- consoles` shoots only one of the two.
import { mkdir, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { Language } from '../../machines/contract/screens.ts';
import { buildKiosk } from './build.ts';
import { shootConsoles } from './console-screenshots.ts';
import { FIXTURE_NAMES, fixtureView, type FixtureName } from '../fixtures/views.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startPreviewServer } from './preview-server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const allDir = join(root, 'docs/screenshots/tmp');
const docsDir = join(root, 'docs/screenshots');

const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };
const LANDSCAPE_SCREENS: FixtureName[] = ['insertCard', 'choosePath', 'enterUserCode', 'enterResponsibleId', 'enterContact', 'enterPin', 'confirmCardData', 'failed-WRONG_PATH', 'stillThere'];
/** The ones kept in the repository, for the README and docs/ui.md. */
const REPRESENTATIVE: { name: FixtureName; lang: Language; orientation: 'portrait' | 'landscape' }[] = [
  { name: 'insertCard', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'choosePath', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'enterUserCode-3005', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'confirmCardData', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'enterPin', lang: 'en', orientation: 'portrait' },
  { name: 'failed-WRONG_PATH', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'failed-3125', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'failed-27011', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'enterResponsibleId-BIRTH_DATE_REQUIRED', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'enterResponsibleId', lang: 'zh-TW', orientation: 'landscape' },
  { name: 'stillThere', lang: 'en', orientation: 'landscape' },
  { name: 'failed-NOT_BUSINESS_CARD', lang: 'zh-TW', orientation: 'portrait' },
  { name: 'removeCard', lang: 'zh-TW', orientation: 'portrait' },
];

/** Types a little on the input screens, with the on-screen keyboard, so the shots show it in use. */
async function typeSomething(page: Page, name: FixtureName): Promise<void> {
  const keys: Partial<Record<FixtureName, string[]>> = {
    enterUserCode: ['shift', 'a', 'b', '3'],
    'enterUserCode-3005': ['a', 'b', 'c', '1', '2', '3'],
    enterResponsibleId: ['A', '1', '2', '3'],
    enterContact: ['s', 'a', 'l', 'e', 's', '@'],
    enterPin: ['1', '2', '3', '4'],
    'enterPin-mismatch': ['1', '2', '3', '4', '5', '6'],
  };
  for (const key of keys[name] ?? []) {
    await page.evaluate((key) => {
      const app = document.querySelector('ka-kiosk-app');
      const keyboard = app?.screenElement?.shadowRoot?.querySelector('ka-keyboard');
      const button = [...(keyboard?.shadowRoot?.querySelectorAll('button') ?? [])].find((b) =>
        key === 'shift' ? b.dataset.action === 'shift' : b.textContent?.trim() === key,
      );
      button?.click();
    }, key);
  }
}

async function show(page: Page, name: FixtureName, lang: Language, demo: boolean): Promise<void> {
  await page.evaluate(
    ({ view, demo }) => {
      const app = document.querySelector('ka-kiosk-app');
      if (!app) throw new Error('no app');
      // A fresh screen element per shot: typed values must not carry over between fixtures.
      app.view = undefined;
      app.demoCards = demo ? [{ cardNumber: 'TT00000000000051', label: '測試公司1' }, { cardNumber: 'TT00000000000052', label: '測試公司2' }] : undefined;
      return app.updateComplete.then(() => {
        app.view = view;
      });
    },
    { view: fixtureView(name, lang), demo },
  );
  // Shown in the fixture's language: English once its catalogue has arrived (docs/ui.md, "Languages").
  await page.waitForFunction((lang) => {
    const screen = document.querySelector('ka-kiosk-app')?.screenElement;
    return screen !== null && screen !== undefined && screen.shadowRoot?.querySelector('h1') !== null && document.documentElement.lang === lang;
  }, lang);
  await typeSomething(page, name);
  await page.evaluate(() => document.fonts.ready);
}

const distDir = await mkdtemp(join(tmpdir(), 'kiosk-shots-'));
await buildKiosk({ outdir: distDir });
const server = await startPreviewServer(distDir);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const only = process.argv[2];
try {
  if (only !== 'consoles') await shootKiosk();
  if (only !== 'kiosk') {
    const files = await shootConsoles(browser, server, distDir, docsDir);
    console.log(`screenshots: ${files.join(', ')} written to ${docsDir}`);
  }
} finally {
  await browser.close();
  await server.stop();
  await rm(distDir, { recursive: true, force: true });
}

async function shootKiosk(): Promise<void> {
  await mkdir(allDir, { recursive: true });
  let count = 0;
  for (const orientation of ['portrait', 'landscape'] as const) {
    for (const scale of [1, 0.5]) {
      const names = orientation === 'portrait' ? FIXTURE_NAMES : LANDSCAPE_SCREENS;
      const wanted = scale === 1 ? names.flatMap((name) => (['zh-TW', 'en'] as const).map((lang) => ({ name, lang }))) : REPRESENTATIVE.filter((r) => r.orientation === orientation);
      const context = await browser.newContext({ viewport: orientation === 'portrait' ? PORTRAIT : LANDSCAPE, deviceScaleFactor: scale });
      const page = await context.newPage();
      await page.goto(`${server.url}/preview.html`);
      await page.waitForFunction(() => customElements.get('ka-kiosk-app') !== undefined);
      for (const { name, lang } of wanted) {
        await show(page, name, lang, name === 'insertCard');
        const file = `${name}.${lang}.${orientation}.png`;
        await page.screenshot({ path: join(scale === 1 ? allDir : docsDir, file) });
        count++;
      }
      await context.close();
    }
  }
  console.log(`screenshots: ${count} written (all in ${allDir}, representative ones in ${docsDir})`);
}
