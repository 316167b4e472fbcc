// The kiosk page's first screen without a websocket round trip (docs/ui.md, "First screen"): the UI
// server follows the engine's views over a real nats-server and serves the built page with the
// current one in it; headless Chromium under the server's content security policy shows that
// screen while its websocket cannot connect at all, and the engine's `view.get` answer takes over
// once it can. The view goes only where /config.json's login would (docs/security.md).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { INITIAL_VIEW_ELEMENT_ID, kioskSubjects, type View } from '../../machines/contract/index.ts';
import { buildKiosk } from '../../kiosk/tools/build.ts';
import { loadCatalogue } from '../../kiosk/src/i18n.ts';
import { fixtureView } from '../../kiosk/fixtures/views.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../kiosk/tools/preview-server.ts';
import { followCurrentView, initialViewBlock, type CurrentView } from '../../services/ui/current-view.ts';
import { startUiServer } from '../../services/ui/static.service.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { until } from '../support/until.ts';

const KIOSK = 'kiosk-first';
const s = kioskSubjects(KIOSK);
/** What the engine published last (the UI server keeps it) and what it answers view.get with now. */
const published: View = { ...fixtureView('choosePath', 'zh-TW', KIOSK), seq: 7 };
const answered: View = { ...fixtureView('insertCard', 'zh-TW', KIOSK), seq: 8 };

let dir: string;
let nats: TestNats;
let engine: NatsConnection;
let follower: CurrentView;
let ui: Awaited<ReturnType<typeof startUiServer>>;
let browser: Browser;
/** A TCP port that takes websocket connections and never answers: NATS never comes up. */
let silent: Server;
const silentSockets = new Set<Socket>();
let silentUrl: string;
let natsWsUrl: string;
let viewGets = 0;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(ui.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { host: url.host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The tag of the screen the page shows, or undefined while it shows none. */
async function screenOf(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('main > *')?.tagName.toLowerCase());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ui-first-screen-'));
  const built = await buildKiosk({ outdir: join(dir, 'dist') });
  nats = await startTestNats({ websocket: true });
  natsWsUrl = nats.server.wsUrl ?? '';
  engine = await nats.connect('engine');
  engine.subscribe(s.viewGet, {
    callback: (_error, msg) => {
      viewGets++;
      msg.respond(JSON.stringify(viewGets === 1 ? published : answered));
    },
  });
  await engine.flush();
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  silentUrl = `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  follower = await followCurrentView(await nats.connect('ui'), KIOSK);
  let wsUrl = silentUrl;
  ui = await startUiServer({
    port: 0,
    distDir: built.outdir,
    browserConfig: () => ({ natsWsUrl: wsUrl, kioskId: KIOSK, simulatedReader: false }),
    health: async () => ({ ok: true, parts: {} }),
    currentView: follower.current,
  });
  // The tests below switch the page's websocket between the silent port and the real server.
  useWebsocket = (url) => (wsUrl = url);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
});
let useWebsocket: (url: string) => void = () => undefined;

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  follower?.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the kiosk page carries the current view', () => {
  it("keeps the engine's latest view: the view.get answer at start, then each published view", async () => {
    await until(() => follower.current()?.seq === 7, 'the view.get answer');
    // Published by the engine after that: the UI server's current view follows.
    engine.publish(s.view, JSON.stringify(published));
    await engine.flush();
    expect(follower.current()).toEqual(published);
  });

  it('embeds it in the page as a JSON data block, under the same content security policy, never cached', async () => {
    const page = await get('/', { 'sec-fetch-site': 'none' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(initialViewBlock(published));
    expect(page.body).toContain(`<script type="application/json" id="${INITIAL_VIEW_ELEMENT_ID}">`);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await get('/index.html', { 'sec-fetch-site': 'same-origin' })).body).toContain(initialViewBlock(published));
  });

  it('leaves it out of a page another site navigated to, and out of every other page', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const page = await get('/', { 'sec-fetch-site': site });
      expect(page.status).toBe(200);
      expect(page.body).not.toContain(INITIAL_VIEW_ELEMENT_ID);
    }
    expect((await get('/', { origin: 'http://evil.example' })).body).not.toContain(INITIAL_VIEW_ELEMENT_ID);
    expect((await get('/kiosk.js')).body).not.toContain(initialViewBlock(published));
  });

  it('escapes what could end the data block', () => {
    const block = initialViewBlock({ ...published, error: { code: 'X', message: '</script><script>alert(1)</script>' } } as unknown as View);
    expect(block.indexOf('</script>')).toBe(block.length - '</script>'.length);
  });
});

describe('Chromium shows it before the websocket connects', () => {
  it('shows the embedded screen while NATS cannot be reached at all', async () => {
    useWebsocket(silentUrl);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${ui.url}/`);
      await until(async () => (await screenOf(page)) === 'ka-choose-path-screen', 'the embedded screen');
      // The page did try its websocket, and it never got NATS's hello.
      await until(() => silentSockets.size > 0, 'the page dialling its websocket');
      expect(await page.evaluate(() => document.querySelector('ka-kiosk-app')?.getAttribute('connection'))).toBe('connecting');
      // Shown busy: a tap now would have nowhere to go.
      expect(await page.evaluate(() => document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('main')?.getAttribute('aria-busy'))).toBe('true');
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("then takes the engine's view.get answer once the websocket is up", async () => {
    useWebsocket(natsWsUrl);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${ui.url}/`);
      await until(async () => (await screenOf(page)) === 'ka-insert-card-screen', "the engine's answer");
      expect(await page.evaluate(() => document.querySelector('ka-kiosk-app')?.getAttribute('connection'))).toBe('connected');
      expect(await page.evaluate(() => document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('main')?.getAttribute('aria-busy'))).toBe('false');
    } finally {
      await context.close();
    }
  });
});

/** The words of the screen the page shows (its own shadow root's text). */
async function screenWords(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('main > *')?.shadowRoot?.textContent ?? '');
}

describe('the second language arrives only when wanted (docs/ui.md, "Languages")', () => {
  const english = { ...fixtureView('insertCard', 'en', KIOSK), seq: 9 };

  it('is not in the page bundle: a module of its own beside it, from the same origin', async () => {
    const [en, zh] = [await loadCatalogue('en'), await loadCatalogue('zh-TW')];
    const kiosk = await get('/kiosk.js');
    expect(kiosk.body).toContain(zh.screens.insertCard.title);
    expect(kiosk.body).not.toContain(en.screens.insertCard.title);
    const module = await get('/text/en.js');
    expect(module.status).toBe(200);
    expect(String(module.headers['content-type'])).toMatch(/^text\/javascript/);
    expect(module.body).toContain(en.screens.insertCard.title);
  });

  it('shows an English view in English once the catalogue has arrived, under the same content security policy', async () => {
    useWebsocket(silentUrl);
    engine.publish(s.view, JSON.stringify(english));
    await engine.flush();
    await until(() => follower.current()?.seq === english.seq, 'the English view at the UI server');
    const en = await loadCatalogue('en');
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${ui.url}/`);
      await until(async () => (await screenWords(page)).includes(en.screens.insertCard.title), 'the English insert-card title');
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps the default language while the catalogue cannot be loaded, and tries again on the next switch', async () => {
    useWebsocket(silentUrl);
    const [en, zh] = [await loadCatalogue('en'), await loadCatalogue('zh-TW')];
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      let refused = 0;
      let served = 0;
      let refuse = true;
      await page.route('**/text/en.js', async (route) => {
        if (refuse) {
          refused++;
          await route.abort();
        } else {
          served++;
          await route.continue();
        }
      });
      await page.goto(`${ui.url}/`);
      await until(() => refused === 1, 'the refused catalogue');
      await until(async () => (await screenWords(page)).includes(zh.screens.insertCard.title), 'the default language');
      expect(await screenWords(page)).not.toContain(en.screens.insertCard.title);
      // The next switch to English (the header's language button, which the page shows in the default language) tries again.
      refuse = false;
      await page.evaluate(() => (document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('[data-event="user.setLanguage"]') as HTMLElement | null)?.click());
      await until(() => served === 1, 'the catalogue asked for again');
      await until(async () => (await screenWords(page)).includes(en.screens.insertCard.title), 'the English insert-card title');
    } finally {
      await context.close();
    }
  });
});
