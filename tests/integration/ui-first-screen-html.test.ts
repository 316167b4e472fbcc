// The kiosk's first screen in the HTML itself (docs/ui.md, "First screen"): the build renders the
// screens a page can start on into declarative shadow DOM, the UI server puts the current view's
// one in the page it serves, and headless Chromium under the server's content security policy
// shows it with no script run at all; then the bundle's app takes it over, looking the same, and
// goes live once its websocket is up. The snapshot carries the screen and the language only, and
// goes only where the view itself may (docs/security.md, threats 10 and 12).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { INITIAL_VIEW_ELEMENT_ID, kioskSubjects, type View } from '../../machines/contract/index.ts';
import { LANGUAGES } from '../../machines/contract/screens.ts';
import { buildKiosk } from '../../kiosk/tools/build.ts';
import { FIRST_SCREEN_MARK_FILE, FIRST_SCREENS_FILE, snapshotFor, type FirstScreenSnapshot } from '../../kiosk/tools/first-screens.ts';
import { FIRST_SCREEN_MARK, INTERACTIVE_MARK } from '../../kiosk/src/initial-view.ts';
import { loadCatalogue } from '../../kiosk/src/i18n.ts';
import { fixtureView } from '../../kiosk/fixtures/views.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../kiosk/tools/preview-server.ts';
import { followCurrentView, type CurrentView } from '../../services/ui/current-view.ts';
import { startUiServer } from '../../services/ui/static.service.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { until } from '../support/until.ts';

const KIOSK = 'kiosk-first-html';
const s = kioskSubjects(KIOSK);
const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };

let dir: string;
let shotsDir: string;
let snapshots: FirstScreenSnapshot[];
let nats: TestNats;
let engine: NatsConnection;
let follower: CurrentView;
let ui: Awaited<ReturnType<typeof startUiServer>>;
/** The same build served to a kiosk browser of another OS user than this test's (threat 12). */
let otherUsersUi: Awaited<ReturnType<typeof startUiServer>>;
let browser: Browser;
/** A TCP port that takes websocket connections and never answers: NATS never comes up. */
let silent: Server;
const silentSockets = new Set<Socket>();
let wsUrl = '';
let silentUrl = '';
/** The engine's current view: its answer to view.get, and published when a test changes it. */
let current: View = { ...fixtureView('insertCard', 'zh-TW', KIOSK), seq: 1 };
let seq = 1;

function get(path: string, headers: Record<string, string> = {}, server = ui): Promise<{ status: number; body: string; cacheControl?: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { host: url.host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cacheControl: res.headers['cache-control'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Makes `view` the engine's current one and waits until the UI server has it. */
async function engineShows(view: View): Promise<View> {
  current = { ...view, kioskId: KIOSK, seq: ++seq };
  engine.publish(s.view, JSON.stringify(current));
  await engine.flush();
  await until(() => follower.current()?.seq === current.seq, `the UI server following view ${current.seq}`);
  return current;
}

/** The words on the page: every text node through the shadow roots, styles left out, spaces collapsed. */
async function wordsOnPage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (let i = 0; i < roots.length; i++) {
      const walker = document.createTreeWalker(roots[i] as Node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        if (node instanceof Element && node.shadowRoot) roots.push(node.shadowRoot);
        const parent = node.parentElement?.localName;
        if (node.nodeType === Node.TEXT_NODE && parent !== 'style' && parent !== 'script' && parent !== 'title') texts.push(node.textContent ?? '');
      }
    }
    return texts.join(' ').replace(/\s+/g, ' ').trim();
  });
}

/** What the app's shadow root holds: the snapshot (inert, with its own styles) or the app's own rendering. */
async function appState(page: Page) {
  return page.evaluate(() => {
    const app = document.querySelector('ka-kiosk-app');
    const root = app?.shadowRoot;
    return {
      defined: customElements.get('ka-kiosk-app') !== undefined,
      snapshotStyles: [...(root?.children ?? [])].filter((element) => element.localName === 'style').length,
      inert: root?.querySelector('.shell')?.hasAttribute('inert') ?? false,
      screenTag: root?.querySelector('main > *')?.localName,
      screenUpgraded: root?.querySelector('main > *')?.matches(':defined') ?? false,
      connection: app?.getAttribute('connection') ?? undefined,
      busy: root?.querySelector('main')?.getAttribute('aria-busy') ?? undefined,
      marks: performance.getEntriesByType('mark').map((mark) => mark.name),
    };
  });
}

/** Opens the kiosk page with the bundle held back until `release()`; the mark script is not held. */
async function openWithBundleHeld(context: BrowserContext): Promise<{ page: Page; release: () => Promise<void>; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/WebSocket|favicon|404/.test(message.text())) errors.push(message.text());
  });
  let held: Route | undefined;
  await page.route('**/kiosk.js', (route) => {
    held = route;
  });
  // Not to its load event: that waits for the bundle.
  await page.goto(`${ui.url}/`, { waitUntil: 'commit' });
  await until(() => held, 'the page asking for its bundle');
  return { page, errors, release: async () => (held as Route).continue() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ui-first-screen-html-'));
  shotsDir = join(dir, 'shots');
  const built = await buildKiosk({ outdir: join(dir, 'dist') });
  snapshots = JSON.parse(await readFile(join(built.outdir, FIRST_SCREENS_FILE), 'utf8')) as FirstScreenSnapshot[];
  nats = await startTestNats({ websocket: true });
  engine = await nats.connect('engine');
  engine.subscribe(s.viewGet, {
    callback: (_error, msg) => {
      msg.respond(JSON.stringify(current));
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
  wsUrl = silentUrl;
  follower = await followCurrentView(await nats.connect('ui'), KIOSK);
  await until(() => follower.current()?.seq === current.seq, 'the view.get answer');
  const options = {
    port: 0,
    distDir: built.outdir,
    browserConfig: () => ({ natsWsUrl: wsUrl, kioskId: KIOSK, simulatedReader: false }),
    health: async () => ({ ok: true, parts: {} }),
    currentView: follower.current,
  };
  ui = await startUiServer(options);
  // 65534 is `nobody`: this test's own connections are then another OS user's.
  otherUsersUi = await startUiServer({ ...options, loginUids: [65534] });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  await otherUsersUi?.stop();
  follower?.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the build renders the screens a page can start on', () => {
  it('has the self-check, out of service, insert card and remove card screens, in every language, each drawn busy', () => {
    const made = snapshots.map((snapshot) => `${snapshot.view.screen}${snapshot.view.error ? `-${snapshot.view.error.code}` : ''}.${snapshot.lang}`);
    for (const lang of LANGUAGES) {
      for (const screen of ['outOfService', 'outOfService-READER_NOT_FOUND', 'insertCard', 'removeCard']) expect(made).toContain(`${screen}.${lang}`);
    }
    for (const snapshot of snapshots) {
      expect(snapshot.view.busy).toBe(true);
      expect(snapshot.view.card).toBeUndefined();
      expect(snapshot.view.path).toBeUndefined();
    }
  });

  it('picks a snapshot only for a view that shows the same and carries nothing of a session', () => {
    const insertCard = fixtureView('insertCard', 'en', KIOSK);
    expect(snapshotFor(snapshots, insertCard)?.view.screen).toBe('insertCard');
    expect(snapshotFor(snapshots, insertCard)?.lang).toBe('en');
    // Another kiosk, another seq, a deadline, not busy: the same screen.
    expect(snapshotFor(snapshots, { ...insertCard, kioskId: 'k9', seq: 99, busy: false, deadline: new Date().toISOString() })).toBeDefined();
    // Anything of a session, or anything drawn differently: none.
    const card = fixtureView('confirmCardData', 'zh-TW', KIOSK).card;
    expect(snapshotFor(snapshots, { ...insertCard, card })).toBeUndefined();
    expect(snapshotFor(snapshots, { ...insertCard, path: 'self-applied' })).toBeUndefined();
    expect(snapshotFor(snapshots, { ...insertCard, accepts: [...insertCard.accepts, 'user.cancel'] })).toBeUndefined();
    expect(snapshotFor(snapshots, { ...insertCard, error: { code: 'CARD_UNREADABLE', retryable: true } })).toBeUndefined();
    expect(snapshotFor(snapshots, fixtureView('choosePath', 'zh-TW', KIOSK))).toBeUndefined();
  });
});

describe('the UI server puts the snapshot in the page', () => {
  it("serves the build's snapshot of the current screen as it is, with the script that marks it, and nothing of the view in it", async () => {
    const view = await engineShows(fixtureView('insertCard', 'en', KIOSK));
    const page = await get('/', { 'sec-fetch-site': 'none' });
    const snapshot = snapshotFor(snapshots, view) as FirstScreenSnapshot;
    expect(page.body).toContain(`>${snapshot.html}</ka-kiosk-app>\n    <script async src="./${FIRST_SCREEN_MARK_FILE}"></script>`);
    expect(page.body).toContain('<html lang="en">');
    expect(snapshot.html).not.toContain(KIOSK);
    // The mark file is named after its mark and kept by the browser; the page itself never is.
    const markFile = await get(`/${FIRST_SCREEN_MARK_FILE}`);
    expect(markFile.body).toContain(`performance.mark(${JSON.stringify(FIRST_SCREEN_MARK)})`);
    expect(markFile.cacheControl).toContain('immutable');
    expect(page.cacheControl).toBe('no-store');
  });

  it('serves no snapshot for a screen of a session, nor for one with the card on it', async () => {
    for (const name of ['choosePath', 'confirmCardData', 'enterPin'] as const) {
      await engineShows(fixtureView(name, 'zh-TW', KIOSK));
      const page = await get('/', { 'sec-fetch-site': 'none' });
      expect(page.body, name).toContain(INITIAL_VIEW_ELEMENT_ID);
      expect(page.body, name).not.toContain('shadowrootmode');
      expect(page.body, name).not.toContain(FIRST_SCREEN_MARK_FILE);
    }
  });

  it('gives a page another site navigated to, or another OS user, the page as built', async () => {
    await engineShows(fixtureView('insertCard', 'zh-TW', KIOSK));
    expect((await get('/', { 'sec-fetch-site': 'none' })).body).toContain('shadowrootmode');
    const foreign = [
      await get('/', { 'sec-fetch-site': 'cross-site' }),
      await get('/', { 'sec-fetch-site': 'same-site' }),
      await get('/', { origin: 'http://evil.example' }),
      await get('/', { 'sec-fetch-site': 'none' }, otherUsersUi),
    ];
    const asBuilt = await readFile(join(dir, 'dist', 'index.html'), 'utf8');
    for (const page of foreign) {
      expect(page.status).toBe(200);
      expect(page.body).toBe(asBuilt);
    }
  });
});

describe('Chromium shows it from the HTML, and the app takes it over', () => {
  it("shows each snapshot screen in the manual's words with no script run at all", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: PORTRAIT });
    try {
      for (const lang of LANGUAGES) {
        const text = await loadCatalogue(lang);
        const expected: [View, string[]][] = [
          [fixtureView('insertCard', lang, KIOSK), [text.screens.insertCard.title, text.screens.insertCard.body, text.buttons.callStaff]],
          [fixtureView('removeCard', lang, KIOSK), [text.screens.removeCard.title, text.screens.removeCard.body]],
          [fixtureView('outOfService', lang, KIOSK), [text.screens.outOfService.title, text.screens.outOfService.body, text.errors.READER_NOT_FOUND]],
          [{ ...fixtureView('outOfService', lang, KIOSK), error: undefined, accepts: ['user.setLanguage'], busy: true }, [text.screens.outOfService.title, text.screens.outOfService.body]],
        ];
        for (const [view, words] of expected) {
          await engineShows(view);
          const page = await context.newPage();
          await page.goto(`${ui.url}/`);
          const shown = await wordsOnPage(page);
          for (const word of [text.org, text.product, ...words]) expect(shown, `${view.screen}.${lang}`).toContain(word);
          await page.close();
        }
      }
    } finally {
      await context.close();
    }
  });

  for (const [orientation, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
    it(`looks the same before and after the app takes over (${orientation})`, async () => {
      wsUrl = silentUrl;
      await engineShows(fixtureView('insertCard', 'zh-TW', KIOSK));
      const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
      try {
        const { page, release, errors } = await openWithBundleHeld(context);
        await until(async () => (await appState(page)).marks.includes(FIRST_SCREEN_MARK), 'the first screen marked');
        const before = await appState(page);
        expect(before).toMatchObject({ defined: false, inert: true, screenTag: 'ka-insert-card-screen', screenUpgraded: false });
        expect(before.snapshotStyles).toBe(1);
        // Nothing on the snapshot takes focus (or a tap) before the app is there.
        expect(
          await page.evaluate(() => {
            const button = document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('button');
            if (button === null || button === undefined) return 'no button on the snapshot';
            button.focus();
            return document.querySelector('ka-kiosk-app')?.shadowRoot?.activeElement === button ? 'focused' : 'not focused';
          }),
        ).toBe('not focused');
        const shotBefore = await page.screenshot({ path: join(shotsDir, `insertCard.${orientation}.snapshot.png`) });
        await release();
        await until(async () => {
          const state = await appState(page);
          return state.defined && state.snapshotStyles === 0 && state.screenUpgraded && !state.inert;
        }, 'the app taking over');
        await page.evaluate(() => document.querySelector('ka-kiosk-app')?.screenElement?.updateComplete);
        // Taken over while its websocket cannot connect: the same view, busy, as the snapshot was drawn.
        expect(await appState(page)).toMatchObject({ connection: 'connecting', busy: 'true' });
        expect((await appState(page)).marks.filter((mark) => mark === FIRST_SCREEN_MARK)).toHaveLength(1);
        const shotAfter = await page.screenshot({ path: join(shotsDir, `insertCard.${orientation}.app.png`) });
        expect(shotAfter.equals(shotBefore), 'the screenshots before and after the takeover differ').toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('shows an English snapshot in English on every frame until the app draws it in English', async () => {
    wsUrl = silentUrl;
    await engineShows(fixtureView('insertCard', 'en', KIOSK));
    const context = await browser.newContext({ viewport: PORTRAIT });
    try {
      // Each frame, the language the app's screen is drawn in (set before any of the page's scripts).
      await context.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { framesSeen: string[] }).framesSeen = seen;
        const sample = () => {
          const shell = document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('.shell');
          if (shell) seen.push(shell.getAttribute('lang') ?? '');
          requestAnimationFrame(sample);
        };
        requestAnimationFrame(sample);
      });
      const { page, release, errors } = await openWithBundleHeld(context);
      await until(async () => (await page.evaluate(() => (window as unknown as { framesSeen: string[] }).framesSeen.length)) > 0, 'a frame of the snapshot');
      await release();
      await until(async () => {
        const state = await appState(page);
        return state.defined && state.snapshotStyles === 0 && state.screenUpgraded;
      }, 'the app taking over');
      const en = await loadCatalogue('en');
      await until(async () => (await wordsOnPage(page)).includes(en.screens.insertCard.title), 'the app in English');
      const frames = await page.evaluate(() => (window as unknown as { framesSeen: string[] }).framesSeen);
      expect(new Set(frames)).toEqual(new Set(['en']));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('goes live once its websocket is up: interactive marked, not busy, and a tap reaches the engine', async () => {
    wsUrl = nats.server.wsUrl ?? '';
    await engineShows(fixtureView('insertCard', 'zh-TW', KIOSK));
    const inputs: string[] = [];
    const subscription = engine.subscribe(s.input, {
      callback: (_error, msg) => {
        inputs.push(msg.string());
      },
    });
    await engine.flush();
    const context = await browser.newContext({ viewport: PORTRAIT });
    try {
      const page = await context.newPage();
      await page.goto(`${ui.url}/`);
      await until(async () => (await appState(page)).marks.includes(INTERACTIVE_MARK), 'the page interactive');
      const state = await appState(page);
      expect(state).toMatchObject({ connection: 'connected', busy: 'false', inert: false, snapshotStyles: 0, screenUpgraded: true });
      expect(state.marks).toContain(FIRST_SCREEN_MARK);
      expect(state.marks.indexOf(FIRST_SCREEN_MARK)).toBeLessThan(state.marks.indexOf(INTERACTIVE_MARK));
      await page.evaluate(() => (document.querySelector('ka-kiosk-app')?.shadowRoot?.querySelector('[data-event="user.callStaff"]') as HTMLElement | null)?.click());
      await until(() => inputs.some((input) => input.includes('user.callStaff')), 'the tap at the engine');
    } finally {
      subscription.unsubscribe();
      await context.close();
    }
  });
});
