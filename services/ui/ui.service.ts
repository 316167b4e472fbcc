// The kiosk's HTTP part: serves the pages with /config.json and /healthz on 127.0.0.1:$HTTP_PORT,
// and tells the browser where the kiosk's NATS websocket is. The release (dist/ui.mjs) serves the
// pages `npm run build` prebuilt in dist/ui; from the sources (`npm start`) it builds them first.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { StackConfig } from '../../platform/config.ts';
import { connectPart } from '../../platform/nats-runtime.ts';
import { createLogger } from '../../platform/log.ts';
import { runsFromSource } from '../../platform/source-or-build.ts';
import { checkHealth } from '../stack/health.ts';
import type { BrowserConfig } from '../../machines/contract/index.ts';
import { readCredentialsSync } from '../stack/credentials/credential-files.ts';
import { followCurrentView } from './current-view.ts';
import { startUiServer, type BrowserPage } from './static.service.ts';
import { browserUids } from './login-peer.ts';

/** From the sources this file is services/ui/ui.service.ts; in the release it is dist/ui.mjs. */
const RUNS_FROM_SOURCE = runsFromSource(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), ...(RUNS_FROM_SOURCE ? ['..', '..'] : ['..']));
/** Where `npm run build` puts the pages. */
export const PREBUILT_UI_DIR = join(root, 'dist', 'ui');

/**
 * The pages to serve: the release's prebuilt ones, or (from the sources) built now. The build tool
 * is imported by a name esbuild does not follow, so the release bundle never needs esbuild.
 */
async function pagesDir(distDir: string | undefined): Promise<string> {
  if (!RUNS_FROM_SOURCE) {
    const dir = distDir ?? PREBUILT_UI_DIR;
    if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir}: no prebuilt pages; run npm run build`);
    return dir;
  }
  const buildTool = '../../kiosk/tools/build.ts';
  const { buildKiosk } = (await import(buildTool)) as typeof import('../../kiosk/tools/build.ts');
  const dir = distDir ?? join(root, 'kiosk', 'dist');
  await buildKiosk({ outdir: dir });
  return dir;
}
export const DEMO_CARD_FILES = [join(root, 'deploy/demo/cards.json'), join(root, 'deploy/demo/unregistered-cards.json')];

/** The demo tray's cards: number and a short label (route and status), never their secrets. */
export async function demoCardsForTray(): Promise<NonNullable<BrowserConfig['demoCards']>> {
  const cards: NonNullable<BrowserConfig['demoCards']> = [];
  for (const file of DEMO_CARD_FILES) {
    const records = JSON.parse(await readFile(file, 'utf8')) as {
      cardNumber: string;
      route: string;
      status?: string;
      holderName: string;
      validTo: string;
    }[];
    const registered = !file.endsWith('unregistered-cards.json');
    for (const record of records) {
      const status = registered ? (record.status ?? 'issued') : 'unregistered';
      const expired = Date.parse(record.validTo) < Date.now() ? ' · expired' : '';
      const label = `${record.cardNumber.slice(-4)} ${record.holderName} · ${record.route} · ${status}${expired}`;
      cards.push({ cardNumber: record.cardNumber, label });
    }
  }
  return cards;
}

/** Which NATS user each page logs in as (docs/security.md, "Embedded stack"). */
const PAGE_USERS: Record<BrowserPage, string> = { kiosk: 'browser', staff: 'staff', inspector: 'inspector', dashboard: 'dashboard' };

/** The page's login from the credentials `npm start` generated; none where there are none. */
function pageLogin(dataDir: string, page: BrowserPage) {
  const credentials = readCredentialsSync(dataDir, PAGE_USERS[page]);
  return credentials === undefined ? undefined : { ...credentials, inboxPrefix: credentials.inboxPrefix ?? `_INBOX.${credentials.user}` };
}

export async function runUi(config: StackConfig, outDir?: string) {
  const log = createLogger('ui');
  const distDir = await pagesDir(outDir);
  const nc = await connectPart(config, 'ui');
  const demoCards = config.cardReader === 'sim' ? await demoCardsForTray() : undefined;
  const natsWsUrl = `ws://127.0.0.1:${config.natsWsPort}`;
  // Whose browser may have the pages' logins (docs/security.md, threat 12).
  const loginUids = browserUids(config.kioskBrowserUid);
  // The kiosk page is served with the engine's current view in it (docs/ui.md, "First screen").
  const view = await followCurrentView(nc, config.kioskId);
  const server = await startUiServer({
    port: config.httpPort,
    distDir,
    hostNames: config.uiHostNames,
    natsWsUrl,
    browserConfig: (page) => {
      const login = pageLogin(config.dataDir, page);
      return {
        natsWsUrl,
        kioskId: config.kioskId,
        simulatedReader: config.cardReader === 'sim',
        ...(demoCards === undefined ? {} : { demoCards }),
        ...(login === undefined ? {} : { nats: login }),
      };
    },
    health: () => checkHealth(nc, config.kioskId),
    loginUids,
    onLoginRefused: (refusal) => log.warn('page login refused: the connection is not the browser user\'s', { ...refusal, allowedUids: loginUids }),
    currentView: view.current,
  });
  log.info('serving', { url: server.url });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      view.stop();
      await nc.drain();
    },
  };
}

