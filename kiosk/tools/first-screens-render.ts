// Renders the kiosk's first screens (first-screens.ts) into HTML at build time, in headless
// Chromium from the bundle just built: each view is set on the app as the page would set it, then
// the app element is written out with its shadow roots as declarative ones
// (`<template shadowrootmode="open">`, `getHTML`) and each root's adopted style sheets as a
// `<style>` of its own (the policy allows inline styles, and no declarative form adopts a sheet).
// Drawn by the app itself, a snapshot looks exactly as the app draws that view; one snapshot
// serves both orientations, since the layout is the style sheets' media queries alone.
// The snapshot's top element is `inert`: until the app takes over, nothing on it can be focused
// or pressed (the app replaces the whole shadow root, the attribute with it). Each of its shadow
// roots is declared with no custom element registry (`shadowrootcustomelementregistry`), so the
// bundle, when it defines the elements, upgrades none of the snapshot's: they have no view to
// draw, and the app takes the whole snapshot away itself (kiosk/src/kiosk-app.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { View } from '../../machines/contract/messages.ts';
import { LANGUAGES } from '../../machines/contract/screens.ts';
import { viewOfResolvedState } from '../../machines/session/index.ts';
import { FIRST_SCREEN_MARK_FILE, FIRST_SCREEN_MARK_SCRIPT, FIRST_SCREENS_FILE, type FirstScreenSnapshot } from './first-screens.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startPreviewServer } from './preview-server.ts';

/**
 * The kiosk's states outside a session, whose screens can be the first one a started or reloaded
 * page shows: the start-up self-check (outOfService, busy), out of service (no reader), waiting
 * for a card, and asking for the last one to be taken out. None carries a card, a path or
 * anything typed: nothing of a session.
 */
const FIRST_SCREEN_STATES = ['checkingReader', 'outOfService', 'awaitingCard', 'awaitingCardRemoval'] as const;

/**
 * The views the build renders, in every language. Made by the real session machine (as the
 * engine would derive them) and shown busy: the page shows the served view busy until its
 * websocket is up (kiosk/src/view-controller.ts), so the snapshot is exactly what the app then draws.
 */
function firstScreenViews(): View[] {
  let seq = 0;
  return FIRST_SCREEN_STATES.flatMap((value) =>
    LANGUAGES.map((language) => ({ ...viewOfResolvedState({ value, language }, { kioskId: 'first-screen', seq: ++seq }), busy: true })),
  );
}

/** In the page: the app shows `view`, every Lit element below it rendered, in the view's language. */
async function showView(view: View): Promise<void> {
  type Updating = Element & { updateComplete?: Promise<unknown> };
  const app = document.querySelector('ka-kiosk-app');
  if (!app) throw new Error('no ka-kiosk-app on the preview page');
  app.view = undefined;
  await app.updateComplete;
  app.view = view;
  // The language's catalogue may still be on its way (text/<lang>.js): the app shows it once it has come.
  while (document.documentElement.lang !== view.lang || app.screenElement?.shadowRoot?.querySelector('h1') == null) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  // Every Lit element below the app, through the shadow roots (no named helpers: this runs in the page).
  const elements: Updating[] = [app];
  for (let i = 0; i < elements.length; i++) {
    const root = elements[i]?.shadowRoot;
    if (root) elements.push(...(root.querySelectorAll('*') as NodeListOf<Updating>));
  }
  for (const element of elements) await element.updateComplete;
  await document.fonts.ready;
}

/** In the page: the app's inside as HTML, its shadow roots declarative, each with its styles. */
function serialiseApp(): string {
  const app = document.querySelector('ka-kiosk-app');
  if (!app?.shadowRoot) throw new Error('the app has not rendered');
  const roots: ShadowRoot[] = [app.shadowRoot];
  for (let i = 0; i < roots.length; i++) {
    for (const element of roots[i]?.querySelectorAll('*') ?? []) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  const added: Element[] = [];
  for (const root of roots) {
    const style = document.createElement('style');
    style.textContent = root.adoptedStyleSheets.map((sheet) => [...sheet.cssRules].map((rule) => rule.cssText).join('\n')).join('\n');
    root.prepend(style);
    added.push(style);
  }
  const top = [...app.shadowRoot.children].filter((element) => element.localName !== 'style');
  for (const element of top) element.setAttribute('inert', '');
  try {
    // Lit's markers are comments: the snapshot needs none of them (the app renders afresh).
    const html = app.getHTML({ shadowRoots: roots });
    if (html.split('<template shadowrootmode="open"').length - 1 !== roots.length) throw new Error('a shadow root of the app is not an open one');
    return html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replaceAll('<template shadowrootmode="open"', '<template shadowrootmode="open" shadowrootcustomelementregistry');
  } finally {
    for (const element of top) element.removeAttribute('inert');
    for (const style of added) style.remove();
  }
}

/**
 * Writes `first-screens.json` (and the mark script) into `outdir`, where the build has just
 * written the kiosk page, its bundle and catalogues. Returns the snapshots' total size in bytes.
 */
export async function renderFirstScreens(outdir: string): Promise<{ snapshots: number; bytes: number }> {
  const server = await startPreviewServer(outdir);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const snapshots: FirstScreenSnapshot[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/preview.html`);
    await page.waitForFunction(() => customElements.get('ka-kiosk-app') !== undefined);
    for (const view of firstScreenViews()) {
      await page.evaluate(showView, view);
      const html = await page.evaluate(serialiseApp);
      const title = await page.title();
      snapshots.push({ view, lang: view.lang, title, html });
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const json = JSON.stringify(snapshots);
  await writeFile(join(outdir, FIRST_SCREENS_FILE), json);
  await writeFile(join(outdir, FIRST_SCREEN_MARK_FILE), FIRST_SCREEN_MARK_SCRIPT);
  return { snapshots: snapshots.length, bytes: Buffer.byteLength(json) };
}
