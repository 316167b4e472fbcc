// The box is the boundary on a production kiosk (docs/security.md, threat 12): kiosk k1's own
// nats-server from the files make-kiosk-config.ts writes, its logins installed as the deployment
// guide says (each part's in a 0700 folder as for LoadCredential=, the page's under the UI
// server's DATA_DIR/credentials), and the real UI part logging in with NATS_LOGIN_FILE. A probe run
// as `nobody` (deploy/site/local-user-probe.mjs) gets no login from /config.json, can read no
// login file, and gets no connection to the box's server; the browser's user gets the page's login.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSecrets, kioskLogin } from '../../deploy/production/make-kiosk-config.ts';
import { KIOSK_LOCAL_USERS } from '../../deploy/production/nats-rules.ts';
import type { Site } from '../../deploy/production/nats-site.ts';
import { freePort } from '../../platform/nats-server.ts';
import { readConfig } from '../../platform/config.ts';
import { runUi } from '../../services/ui/ui.service.ts';
import { startKioskLeaf, type LoopbackSite, type StartedLeaf } from '../support/deploy-sites.ts';

const PROBE = fileURLToPath(new URL('../../deploy/site/local-user-probe.mjs', import.meta.url));
const K1 = 'k1';

interface ProbeResult {
  uid: number;
  pages: Record<string, { status: number; error?: string; gotLogin: boolean }>;
  tcp: Record<string, string>;
  websocket: Record<string, string>;
  files: Record<string, string>;
}

let root: string;
let leaf: StartedLeaf;
let ui: { url: string; stop(): Promise<void> } | undefined;
let loginFiles: string[];
let httpPort: number;

async function probeAs(user: string): Promise<ProbeResult> {
  const input = { httpUrl: `http://127.0.0.1:${httpPort}`, natsPort: Number(new URL(leaf.server.url).port), wsPort: leaf.websocketPort, files: loginFiles };
  const { stdout } = await promisify(execFile)('runuser', ['-u', user, '--', process.execPath, PROBE, JSON.stringify(input)]);
  return JSON.parse(stdout) as ProbeResult;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deploy-box-'));
  // Only the login folders' own modes stand between another user and the logins.
  await chmod(root, 0o755);
  const site: Site = { hub: { cluster: 'box-hub', nodes: [{ name: 'hub-1', host: '127.0.0.1', leafPort: await freePort() }] }, kiosks: [K1], staffDesks: [], lab: true };
  const at: LoopbackSite = { root, site, secrets: completeSecrets(site, {}) };
  httpPort = await freePort();
  // No hub runs: the box's own server is what a local user would reach.
  leaf = await startKioskLeaf(at, K1, { uiPort: httpPort });

  const etcCredentials = join(root, 'etc-credentials');
  const dataDir = join(root, 'data');
  await mkdir(etcCredentials, { mode: 0o700 });
  await mkdir(join(dataDir, 'credentials'), { recursive: true, mode: 0o700 });
  loginFiles = [];
  for (const user of KIOSK_LOCAL_USERS) {
    const file = user === 'browser' ? join(dataDir, 'credentials', 'browser.json') : join(etcCredentials, `${user}.json`);
    await writeFile(file, `${JSON.stringify(kioskLogin(K1, user, at.secrets))}\n`, { mode: 0o600 });
    loginFiles.push(file);
  }
  loginFiles.push(join(root, K1, 'hub-link.conf'));

  ui = await runUi(
    readConfig({
      KIOSK_ID: K1,
      DATA_DIR: dataDir,
      NATS_URL: leaf.server.url,
      NATS_WS_PORT: String(leaf.websocketPort),
      HTTP_PORT: String(httpPort),
      CARD_READER: 'pcsc',
      // As kiosk-ui.service: the UI part's own login, read from its credential file.
      NATS_LOGIN_FILE: join(etcCredentials, 'ui.json'),
      // The kiosk browser's user: root runs the browser in this test.
      KIOSK_BROWSER_UID: 'root',
    }),
    join(root, 'pages'),
  );
}, 120_000);

afterAll(async () => {
  await ui?.stop();
  await leaf?.server.stop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('a generated kiosk box, probed by another OS user (nobody)', () => {
  let probe: ProbeResult;
  beforeAll(async () => {
    probe = await probeAs('nobody');
  }, 60_000);

  it('gets no page login from the UI server', () => {
    expect(probe.uid).toBe(65534);
    for (const page of ['kiosk', 'staff', 'inspector', 'dashboard']) {
      expect(probe.pages[page], page).toEqual({ status: 403, error: 'LOGIN_PEER_REFUSED', gotLogin: false });
    }
  });

  it('can read no login file', () => {
    for (const [file, outcome] of Object.entries(probe.files)) expect(outcome, file).toBe('EACCES');
  });

  it('gets no connection to the box\'s nats-server: it has no anonymous user', () => {
    expect(Object.keys(probe.tcp)).toEqual(['(anonymous)']);
    expect(probe.tcp['(anonymous)']).toMatch(/Authorization Violation/);
    expect(probe.websocket['(anonymous)']).toMatch(/Authorization Violation/);
  });
});

describe('the kiosk browser\'s user on the same box', () => {
  it('gets the page\'s login with its own inbox prefix, and it works on the websocket', async () => {
    const probe = await probeAs('root');
    expect(probe.pages.kiosk).toEqual({ status: 200, gotLogin: true });
    expect(probe.websocket.browser).toBe('connected');
    const response = await fetch(`http://127.0.0.1:${httpPort}/config.json?page=kiosk`);
    const config = (await response.json()) as { nats?: { user: string; inboxPrefix: string } };
    expect(config.nats).toMatchObject({ user: 'browser', inboxPrefix: `_INBOX.kiosk.${K1}.browser` });
  }, 60_000);
});
