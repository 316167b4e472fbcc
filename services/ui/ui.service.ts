// The kiosk's HTTP part: builds the pages, serves them with /config.json and /healthz on
// 127.0.0.1:$HTTP_PORT, and tells the browser where the kiosk's NATS websocket is.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { buildKiosk } from '../../kiosk/tools/build.ts';
import { natsConnectOptions, type StackConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { checkHealth } from '../stack/health.ts';
import type { BrowserConfig } from '../../machines/contract/index.ts';
import { readCredentialsSync } from '../stack/credentials/credential-files.ts';
import { startUiServer, type BrowserPage } from './static.service.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
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
  return credentials === undefined ? undefined : { ...credentials, inboxPrefix: `_INBOX.${credentials.user}` };
}

export async function runUi(config: StackConfig, distDir = join(root, 'kiosk', 'dist')) {
  const log = createLogger('ui');
  await buildKiosk({ outdir: distDir });
  const nc = await connect(natsConnectOptions(config, 'ui'));
  const demoCards = config.cardReader === 'sim' ? await demoCardsForTray() : undefined;
  const natsWsUrl = `ws://127.0.0.1:${config.natsWsPort}`;
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
  });
  log.info('serving', { url: server.url });
  return { url: server.url, stop: async () => { await server.stop(); await nc.drain(); } };
}

