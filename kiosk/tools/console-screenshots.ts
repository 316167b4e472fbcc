// Screenshots of the staff console and the inspector, from fixture data, for the docs: the real
// bundles (`staff.js`, `inspector.js`) in headless Chromium at 1600×1000, fed the fixture kiosks
// (views of the real session machine), a recorded session and the machine's real description.
// Called by `npm run screenshots` (kiosk/tools/screenshots.ts).
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fixtureMachine, recordFixtureSession } from '../inspector/fixtures.ts';
import { PAGES, previewHtml, type PageSpec } from './pages.ts';
import type { PreviewServer } from './preview-server.ts';
import { fixture27011CardReply, fixtureKiosks, fixtureLockedCardReply } from '../consoles/fixtures.ts';

const VIEWPORT = { width: 1600, height: 1000 };

async function open(browser: Browser, server: PreviewServer, distDir: string, page: PageSpec): Promise<Page> {
  const bundle = `${page.bundle}.js`;
  const path = `/${page.bundle}-preview.html`;
  server.pages.set(path, previewHtml(page));
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const opened = await context.newPage();
  // The preview server serves the kiosk bundle only; the console bundles come straight from the build.
  await opened.route(`**/${bundle}`, (route) => route.fulfill({ path: join(distDir, bundle), contentType: 'text/javascript' }));
  await opened.goto(`${server.url}${path}`);
  await opened.waitForFunction((name) => customElements.get(name) !== undefined, page.element);
  return opened;
}

/** Reaches an element through the shadow roots on the way: `['ka-staff-kiosk-detail', 'ka-staff-card-panel']`. */
const DEEP = `(path) => {
  let node = document.querySelector(path[0]);
  for (const tag of path.slice(1)) node = node?.shadowRoot?.querySelector(tag) ?? null;
  return node;
}`;

async function settle(shot: Page): Promise<void> {
  await shot.evaluate(() => document.fonts.ready);
  await shot.waitForTimeout(150);
}

async function staffShots(browser: Browser, server: PreviewServer, distDir: string, outDir: string): Promise<string[]> {
  const shot = await open(browser, server, distDir, PAGES.staff);
  const show = async (kioskId: string, record: unknown, confirm: string | undefined) => {
    await shot.evaluate(
      async ({ kiosks, kioskId, record, confirm, deep }) => {
        const find = new Function(`return ${deep}`)() as (path: string[]) => (HTMLElement & Record<string, unknown>) | null;
        const app = document.querySelector('ka-staff-app')!;
        app.session = { token: 'screenshot', staffId: 'A1023', name: '林小姐', expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() };
        app.kiosks = new Map(kiosks);
        app.selectedKioskId = kioskId;
        await app.updateComplete;
        const detail = find(['ka-staff-app', 'ka-staff-kiosk-detail']) as (HTMLElement & { updateComplete: Promise<unknown> }) | null;
        await detail?.updateComplete;
        const panel = find(['ka-staff-app', 'ka-staff-kiosk-detail', 'ka-staff-card-panel']) as (HTMLElement & { updateComplete: Promise<unknown>; record: unknown }) | null;
        await panel?.updateComplete;
        if (panel) panel.record = record;
        if (confirm) find(['ka-staff-app', 'ka-staff-kiosk-detail'])?.shadowRoot?.querySelector<HTMLButtonElement>(`[data-action="${confirm}"]`)?.click();
      },
      { kiosks: [...fixtureKiosks()], kioskId, record, confirm, deep: DEEP },
    );
    await settle(shot);
  };
  await show('kiosk-2', fixtureLockedCardReply(), undefined);
  await shot.screenshot({ path: join(outDir, 'staff-console.png') });
  await show('kiosk-3', fixture27011CardReply(), 'staff.takeCard');
  await shot.screenshot({ path: join(outDir, 'staff-confirm-take-card.png') });
  await shot.context().close();
  return ['staff-console.png', 'staff-confirm-take-card.png'];
}

async function inspectorShots(browser: Browser, server: PreviewServer, distDir: string, outDir: string): Promise<string[]> {
  const shot = await open(browser, server, distDir, PAGES.inspector);
  const recorded = await recordFixtureSession('kiosk-1');
  await shot.evaluate(
    async ({ kiosks, machine, recorded }) => {
      const app = document.querySelector('ka-inspector-app')!;
      app.kiosks = new Map(kiosks);
      app.kioskId = 'kiosk-1';
      app.machine = machine as never;
      for (const message of recorded) {
        if (message.kind === 'view') app.showView(message.view, message.at);
        else app.recordInspection(message.event);
        await app.updateComplete;
      }
      app.stats = { accepted: 5, ignored: 1, rejected: 0, viewsPublished: 13, snapshotsPersisted: 31, persistFailures: 0, restoredFromSnapshot: false };
      app.statsAt = Date.parse('2026-03-25T06:10:36.000Z');
    },
    { kiosks: [...fixtureKiosks()], machine: fixtureMachine(), recorded },
  );
  await settle(shot);
  await shot.screenshot({ path: join(outDir, 'inspector.png') });
  await shot.evaluate(async () => {
    const app = document.querySelector('ka-inspector-app')!;
    app.selectedStateId = 'kioskSession.session.awaitingStaff';
    await app.updateComplete;
  });
  await settle(shot);
  await shot.screenshot({ path: join(outDir, 'inspector-selected-state.png') });
  await shot.context().close();
  return ['inspector.png', 'inspector-selected-state.png'];
}

export async function shootConsoles(browser: Browser, server: PreviewServer, distDir: string, outDir: string): Promise<string[]> {
  return [...(await staffShots(browser, server, distDir, outDir)), ...(await inspectorShots(browser, server, distDir, outDir))];
}
