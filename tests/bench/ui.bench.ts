// The kiosk UI: the bundle's gzipped size against its 60 KB budget, and the time from navigation
// to the first screen in headless Chromium — from a fixture view set by the page, from the
// engine's view over a real nats-server websocket, and as the UI server serves the page (the
// current view and its screen's snapshot in it, docs/ui.md "First screen", then the app and the
// websocket) — each against a bare static page loaded in the same rounds, interleaved, from the same server
// (printed as a ratio). Two marks per kiosk page: `ka-first-screen` (a screen is on the page) and
// `ka-interactive` (the app has rendered a view and its websocket is up; the pages with NATS
// only). Medians of N rounds; nothing asserts a time.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { kioskSubjects } from '../../machines/contract/subjects.ts';
import { buildKiosk, KIOSK_GZIP_BUDGET_BYTES } from '../../kiosk/tools/build.ts';
import { FIRST_SCREEN_MARK, INTERACTIVE_MARK } from '../../kiosk/src/initial-view.ts';
import { FIRST_SCREEN_MARK_FILE } from '../../kiosk/tools/first-screens.ts';
import { firstScreens, pageWithView } from '../../services/ui/first-screen.ts';
import { fixtureView } from '../../kiosk/fixtures/views.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startPreviewServer } from '../../kiosk/tools/preview-server.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { followCurrentView } from '../../services/ui/current-view.ts';
import { securityHeaders, startUiServer } from '../../services/ui/static.service.ts';
import { record } from './measures.ts';

const RUNS = Number(process.env.UI_BENCH_RUNS ?? 15);
const KIOSK = 'kiosk-bench';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

interface Probe {
  url: string;
  /** The performance marks to read, each in ms from navigation start. */
  marks: readonly string[];
}

/**
 * Loads every probe's page once per round, RUNS rounds (after one throwaway round that warms the
 * browser and the caches), and returns each probe's times per mark. Interleaved, so that the
 * shared machine's load, which changes from second to second, falls on every probe alike: the
 * ratios compare pages loaded side by side. Each probe keeps its own browser context (its own
 * cache) across the rounds; each load is a fresh tab.
 */
async function timeProbes<K extends string>(browser: Browser, probes: Record<K, Probe>): Promise<Record<K, number[][]>> {
  const names = Object.keys(probes) as K[];
  const contexts = await Promise.all(names.map(() => browser.newContext({ viewport: { width: 1080, height: 1920 } })));
  const times = Object.fromEntries(names.map((name) => [name, probes[name].marks.map((): number[] => [])])) as Record<K, number[][]>;
  try {
    for (let round = 0; round <= RUNS; round++) {
      for (const [index, name] of names.entries()) {
        const page = await (contexts[index] as BrowserContext).newPage();
        await page.goto(probes[name].url);
        for (const [at, mark] of probes[name].marks.entries()) {
          const handle = await page.waitForFunction((wanted) => performance.getEntriesByName(wanted)[0]?.startTime, mark, { timeout: 30_000, polling: 10 });
          if (round > 0) times[name][at]?.push(Number(await handle.jsonValue()));
        }
        await page.close();
      }
    }
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
  return times;
}

const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-ui-bench-'));
const built = await buildKiosk({ outdir: join(dataDir, 'dist') });
const nats = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'ui-bench', wsPort: 0 });
const engine = await connect({ servers: nats.url, name: 'bench-engine' });
const current = fixtureView('insertCard', 'zh-TW', KIOSK);
engine.subscribe(kioskSubjects(KIOSK).viewGet, {
  callback: (_error, msg) => {
    msg.respond(JSON.stringify(current));
  },
});
await engine.flush();

const server = await startPreviewServer(built.outdir);
const BARE_PAGE = `<!doctype html><html lang="zh-TW"><head><meta charset="utf-8"><title>bare</title></head>
  <body><h1>請插入待開卡之工商憑證IC卡</h1><script type="module">performance.mark('bare-ready');</script></body></html>`;
server.pages.set('/bare.html', BARE_PAGE);
// The kiosk's own UI server, as `npm start` runs it: the built pages, the current view followed
// over NATS and embedded in the kiosk page. Its bare page is a file beside them; its inline module
// is refused by the server's content security policy, so there it marks from a file of its own.
await writeFile(join(built.outdir, 'bare-mark.js'), "performance.mark('bare-ready');\n");
const BARE_PAGE_WITH_FILE = BARE_PAGE.replace(`<script type="module">performance.mark('bare-ready');</script>`, '<script type="module" src="./bare-mark.js"></script>');
await writeFile(join(built.outdir, 'bare.html'), BARE_PAGE_WITH_FILE);
// Where the UI server's bare page loses its time: the same page and mark file with none of its
// headers, and with all of them but Cross-Origin-Opener-Policy (whose browsing context group
// change on each navigation from a fresh tab is the largest share, docs/benchmarks.md).
const { 'cross-origin-opener-policy': _coop, ...headersButCoop } = securityHeaders(nats.wsUrl);
const headerSets: Record<string, Record<string, string>> = { none: {}, 'but-coop': headersButCoop };
// And the kiosk page with its snapshot as the UI server makes it, served with none of its headers.
const servedWithoutHeaders = pageWithView(await readFile(join(built.outdir, 'index.html'), 'utf8'), current, await firstScreens(built.outdir)());
const headersServer = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = headerSets[url.searchParams.get('headers') ?? 'none'] ?? {};
  if (url.pathname === '/kiosk.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(servedWithoutHeaders);
    return;
  }
  if (url.pathname === '/kiosk.js' || url.pathname === `/${FIRST_SCREEN_MARK_FILE}`) {
    readFile(join(built.outdir, url.pathname)).then((body) => {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': url.pathname === '/kiosk.js' ? 'no-cache' : 'max-age=31536000, immutable' });
      res.end(body);
    }, () => res.writeHead(404).end());
    return;
  }
  const mark = url.pathname === '/bare-mark.js';
  res.writeHead(200, { 'content-type': mark ? 'text/javascript' : 'text/html; charset=utf-8', 'cache-control': mark ? 'no-cache' : 'no-store', ...headers });
  res.end(mark ? "performance.mark('bare-ready');\n" : BARE_PAGE_WITH_FILE.replace('./bare-mark.js', `./bare-mark.js?${url.searchParams}`));
});
await new Promise<void>((resolve) => headersServer.listen(0, '127.0.0.1', resolve));
const headersUrl = `http://127.0.0.1:${(headersServer.address() as AddressInfo).port}`;
const uiNc = await connect({ servers: nats.url, name: 'bench-ui' });
const followed = await followCurrentView(uiNc, KIOSK);
const uiServer = await startUiServer({
  port: 0,
  distDir: built.outdir,
  natsWsUrl: nats.wsUrl,
  browserConfig: () => ({ natsWsUrl: nats.wsUrl ?? '', kioskId: KIOSK, simulatedReader: false }),
  health: async () => ({ ok: true, parts: {} }),
  currentView: followed.current,
});
while (followed.current() === undefined) await uiNc.flush();
server.pages.set(
  '/fixture.html',
  `<!doctype html><html lang="zh-TW"><head><meta charset="utf-8"><title>fixture</title>
  <script type="module">import './kiosk.js'; document.querySelector('ka-kiosk-app').view = ${JSON.stringify(current)};</script>
  </head><body><ka-kiosk-app></ka-kiosk-app></body></html>`,
);
server.pages.set(
  '/nats.html',
  `<!doctype html><html lang="zh-TW"><head><meta charset="utf-8"><title>nats</title>
  <script type="module" src="./kiosk.js"></script></head><body><ka-kiosk-app config-url="/config.json"></ka-kiosk-app></body></html>`,
);
server.pages.set('/config.json', JSON.stringify({ natsWsUrl: nats.wsUrl, kioskId: KIOSK, simulatedReader: false }));

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
try {
  const t = await timeProbes(browser, {
    bare: { url: `${server.url}/bare.html`, marks: ['bare-ready'] },
    fixture: { url: `${server.url}/fixture.html`, marks: [FIRST_SCREEN_MARK] },
    viaNats: { url: `${server.url}/nats.html`, marks: [FIRST_SCREEN_MARK, INTERACTIVE_MARK] },
    bareFile: { url: `${headersUrl}/bare.html?headers=none`, marks: ['bare-ready'] },
    bareButCoop: { url: `${headersUrl}/bare.html?headers=but-coop`, marks: ['bare-ready'] },
    uiBare: { url: `${uiServer.url}/bare.html`, marks: ['bare-ready'] },
    servedNoHeaders: { url: `${headersUrl}/kiosk.html`, marks: [FIRST_SCREEN_MARK] },
    served: { url: `${uiServer.url}/`, marks: [FIRST_SCREEN_MARK, INTERACTIVE_MARK] },
  });
  const at = (times: number[][], index = 0) => median(times[index] ?? []);
  const [bare, fixture, viaNats, viaNatsLive] = [at(t.bare), at(t.fixture), at(t.viaNats), at(t.viaNats, 1)];
  const [bareFile, bareButCoop, uiBare, servedNoHeaders] = [at(t.bareFile), at(t.bareButCoop), at(t.uiBare), at(t.servedNoHeaders)];
  const [served, servedLive] = [at(t.served), at(t.served, 1)];

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(
    `kiosk bundle: ${kb(built.bytes)} minified, ${kb(built.gzipBytes)} gzipped; budget ${kb(KIOSK_GZIP_BUDGET_BYTES)} ` +
      `(${((built.gzipBytes / KIOSK_GZIP_BUDGET_BYTES) * 100).toFixed(0)} % of it${built.gzipBytes > KIOSK_GZIP_BUDGET_BYTES ? ', OVER' : ''})`,
  );
  record({ bench: 'ui', name: 'kiosk bundle, gzipped', value: built.gzipBytes / 1024, unit: 'KB', compared: 'value', target: { op: '≤', value: 60 } });
  const ratio = (ms: number) => `×${(ms / bare).toFixed(2)} of baseline`;
  console.log(`navigation → mark, median of ${RUNS} rounds (each page once per round, interleaved), headless Chromium, 1080×1920:`);
  console.log(`  bare static page (baseline)                          ${bare.toFixed(1)} ms`);
  console.log(`  kiosk, fixture view: first screen (the bundle alone)  ${fixture.toFixed(1)} ms   ${ratio(fixture)}`);
  console.log(`  kiosk, view.get over NATS websocket: first screen     ${viaNats.toFixed(1)} ms   ${ratio(viaNats)}`);
  console.log(`                                       interactive      ${viaNatsLive.toFixed(1)} ms   ${ratio(viaNatsLive)}`);
  console.log(`  bare page, mark from a module file                   ${bareFile.toFixed(1)} ms   ${ratio(bareFile)}`);
  console.log(`    and the UI server's headers but COOP               ${bareButCoop.toFixed(1)} ms   ${ratio(bareButCoop)}`);
  console.log(`  the UI server: bare static page (all its headers)    ${uiBare.toFixed(1)} ms   ${ratio(uiBare)} (its baseline)`);
  console.log(`  kiosk page with its snapshot, none of those headers  ${servedNoHeaders.toFixed(1)} ms   ${ratio(servedNoHeaders)}; ×${(servedNoHeaders / bareFile).toFixed(2)} of the bare page with a module file`);
  console.log(`  the UI server: kiosk page, first screen (snapshot)   ${served.toFixed(1)} ms   ${ratio(served)}; ×${(served / uiBare).toFixed(2)} of its baseline`);
  console.log(`                             interactive (app + NATS)  ${servedLive.toFixed(1)} ms   ${ratio(servedLive)}; ×${(servedLive / uiBare).toFixed(2)} of its baseline`);
  // The targets' baseline is the bare page as this bench always loaded it (inline, no headers);
  // the same server's bare page (security headers, a module file) is printed beside it.
  const recordAgainstBare = (name: string, value: number) =>
    record({ bench: 'ui', name, value, unit: 'ms', baseline: { name: 'bare static page', value: bare }, compared: 'ratio', target: { op: '≤', value: 2 } });
  recordAgainstBare('navigation → first screen, kiosk page from the UI server: its snapshot on the page (median)', served);
  recordAgainstBare('navigation → first screen, the same kiosk page and snapshot without the UI server\'s headers (median): the page alone', servedNoHeaders);
  recordAgainstBare('navigation → interactive, kiosk page from the UI server: the app rendered, its websocket up (median)', servedLive);
  recordAgainstBare('navigation → first screen, fixture view set by the page, no NATS (median): the bundle alone', fixture);
} finally {
  await browser.close();
  await server.stop();
  headersServer.closeAllConnections();
  await new Promise<void>((resolve) => headersServer.close(() => resolve()));
  await uiServer.stop();
  followed.stop();
  await uiNc.close();
  await engine.close();
  await nats.stop();
  await rm(dataDir, { recursive: true, force: true });
}
