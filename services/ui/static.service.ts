// The kiosk's HTTP side: the built UI as static files, `/config.json` (where the browser finds the
// kiosk's NATS websocket, and the page's NATS login), and `/healthz` (200 with JSON once every part
// answers). Loopback only: the kiosk's own Chromium is the only client. Every answer carries the
// headers of docs/security.md ("Web pages"), and a request naming a host that is neither loopback
// nor configured is refused, so a DNS-rebinding page cannot read the login under its own name.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserConfig, View } from '../../machines/contract/index.ts';
import { FIRST_SCREEN_MARK_FILE, type FirstScreenSnapshot } from '../../kiosk/tools/first-screens.ts';
import { firstScreens, pageWithView } from './first-screen.ts';
import { peerUid } from './login-peer.ts';

export interface HealthReport {
  ok: boolean;
  parts: Record<string, { ok: boolean; detail?: string }>;
}

export interface UiServerOptions {
  port: number;
  host?: string;
  /** The folder with the built pages (index.html, staff.html, inspector.html, bundles). */
  distDir: string;
  /** What `/config.json?page=…` says to `page`. */
  browserConfig: (page: BrowserPage) => BrowserConfig;
  health: () => Promise<HealthReport>;
  /** Host names answered besides loopback (UI_HOST_NAMES). */
  hostNames?: readonly string[];
  /** The NATS websocket URL, the only place the pages may connect to besides their own origin. */
  natsWsUrl?: string;
  /**
   * The OS users whose connections may receive a page's login (`KIOSK_BROWSER_UID`, login-peer.ts):
   * the kiosk browser's. Default: the uid this server runs as (the embedded stack).
   */
  loginUids?: readonly number[];
  /** Told of every login refused to a local process of another user (a log line; never the login). */
  onLoginRefused?: (refusal: { page: string; peerUid: number | undefined; peerPort: number | undefined }) => void;
  /**
   * The engine's current view (current-view.ts), embedded in the kiosk page it serves so that the
   * page shows the current screen before its websocket connects, with the build's snapshot of that
   * screen when there is one (first-screen.ts). Absent: the page as built.
   */
  currentView?: () => View | undefined;
}

/** The browser pages, each with its own NATS login. */
export type BrowserPage = 'kiosk' | 'staff' | 'inspector' | 'dashboard';
const PAGES: readonly BrowserPage[] = ['kiosk', 'staff', 'inspector', 'dashboard'];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The host name of a Host header (without the port), lower case; undefined if it is malformed. */
export function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.exec(host);
  return match ? (match[1] as string).toLowerCase() : undefined;
}

/** Headers on every answer: nothing may frame the pages, sniff a type, or learn where they are. */
export function securityHeaders(natsWsUrl: string | undefined): Record<string, string> {
  const connect = ["'self'", ...(natsWsUrl === undefined ? ['ws://127.0.0.1:*', 'ws://localhost:*'] : [natsWsUrl])].join(' ');
  return {
    'content-security-policy': [
      "default-src 'self'",
      `connect-src ${connect}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/**
 * Whether a request for the NATS login comes from one of our own pages. Chromium says where a
 * fetch comes from (Sec-Fetch-Site); a foreign page's request also names its Origin. A local
 * process can send or omit such headers as it likes: that is the peer's uid's job (loginPeerGate).
 */
function isSameOrigin(req: IncomingMessage, ownOrigins: ReadonlySet<string>): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  return origin === undefined || ownOrigins.has(origin);
}

/**
 * The one gate for everything that carries a login (or, like the kiosk page with its view, is only
 * for the kiosk browser): the connection's other end must be a socket of one of `uids`, as the
 * kernel reports it. Any other local user, or a peer the kernel cannot name, is refused.
 */
export function loginPeerGate(uids: readonly number[]) {
  const allowed = new Set(uids);
  return async (req: IncomingMessage): Promise<{ ok: boolean; uid: number | undefined }> => {
    const socket = req.socket;
    if (socket.remoteAddress === undefined || socket.remotePort === undefined || socket.localAddress === undefined || socket.localPort === undefined) {
      return { ok: false, uid: undefined };
    }
    const uid = await peerUid({ address: socket.remoteAddress, port: socket.remotePort }, { address: socket.localAddress, port: socket.localPort });
    return { ok: uid !== undefined && allowed.has(uid), uid };
  };
}

/**
 * Whether the kiosk page may carry the current view: the same rule as the login in /config.json,
 * except that a navigation the browser started itself (`Sec-Fetch-Site: none`: the kiosk's
 * Chromium opening its start URL, a reload) counts as our own. A page reached from any other
 * site gets the page as built and waits for its websocket.
 */
function mayCarryView(req: IncomingMessage, ownOrigins: ReadonlySet<string>): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  return origin === undefined || ownOrigins.has(origin);
}

/** The kiosk page's file with the view in it, and its screen's snapshot if the build made one (first-screen.ts). */
async function sendPageWithView(res: ServerResponse, file: string, view: View, snapshots: readonly FirstScreenSnapshot[]): Promise<void> {
  const body = pageWithView(await readFile(file, 'utf8'), view, snapshots);
  // The view changes with every screen: never kept by the browser.
  res.writeHead(200, { 'content-type': CONTENT_TYPES['.html'], 'cache-control': 'no-store' });
  res.end(body);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
  // The spoken guidance (speech/*.ogg, kiosk/tools/speech.ts).
  '.ogg': 'audio/ogg',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPES['.json'], 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Files whose content can never change under their name: the browser may keep them without asking
 * again. The first screen's mark (kiosk/tools/first-screens.ts) is asked for on every load of the
 * kiosk page; kept, it runs without a round trip to this server.
 */
const NEVER_CHANGES = new Set([FIRST_SCREEN_MARK_FILE]);

/**
 * A file of the built pages, with a validator: the browser asks again each time (`no-cache`, so a
 * new release is seen at once) and gets `304` while the file is unchanged, which keeps the bundle
 * in Chromium's cache with its compiled code (docs/ui.md, "First screen"). A file that never
 * changes is kept for a year without asking.
 */
async function sendFile(req: IncomingMessage, res: ServerResponse, distDir: string, urlPath: string): Promise<void> {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const file = join(distDir, relative === '' ? 'index.html' : relative);
  // A path that climbs out of the dist folder is refused, whatever the encoding.
  if (file !== distDir && !file.startsWith(distDir + sep)) {
    sendJson(res, 403, { error: 'forbidden' });
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const etag = `"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
    const cacheControl = NEVER_CHANGES.has(relative) ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cacheControl, etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = await readFile(file);
    res.writeHead(200, headers);
    res.end(body);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

export async function startUiServer(options: UiServerOptions): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const allowedHosts = new Set([...LOOPBACK_HOSTS, ...(options.hostNames ?? []).map((name) => name.toLowerCase())]);
  const headers = securityHeaders(options.natsWsUrl);
  let ownOrigins = new Set<string>();
  const ownUid = process.getuid?.();
  const isLoginPeer = loginPeerGate(options.loginUids ?? (ownUid === undefined ? [] : [ownUid]));
  const snapshots = firstScreens(options.distDir);
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const host = hostNameOf(req.headers.host);
    if (host === undefined || !allowedHosts.has(host)) {
      sendJson(res, 421, { error: 'unknown host' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    if (url.pathname === '/healthz') {
      const report = await options.health().catch(
        (error: Error): HealthReport => ({ ok: false, parts: { health: { ok: false, detail: error.message } } }),
      );
      sendJson(res, report.ok ? 200 : 503, report);
      return;
    }
    if (url.pathname === '/config.json') {
      const page = (url.searchParams.get('page') ?? 'kiosk') as BrowserPage;
      if (!PAGES.includes(page)) {
        sendJson(res, 404, { error: 'no such page' });
        return;
      }
      if (!isSameOrigin(req, ownOrigins)) {
        sendJson(res, 403, { error: 'cross-origin request' });
        return;
      }
      const peer = await isLoginPeer(req);
      if (!peer.ok) {
        options.onLoginRefused?.({ page, peerUid: peer.uid, peerPort: req.socket.remotePort });
        sendJson(res, 403, { error: 'LOGIN_PEER_REFUSED', detail: 'only the kiosk browser\'s user gets a page login' });
        return;
      }
      sendJson(res, 200, options.browserConfig(page));
      return;
    }
    const pages: Record<string, string> = { '/staff': '/staff.html', '/inspector': '/inspector.html', '/dashboard': '/dashboard.html' };
    const path = pages[url.pathname] ?? url.pathname;
    const view = path === '/' || path === '/index.html' ? options.currentView?.() : undefined;
    // The view is for the kiosk browser only, behind the same gate as the login (threat 12).
    if (view !== undefined && req.method === 'GET' && mayCarryView(req, ownOrigins) && (await isLoginPeer(req)).ok) {
      await sendPageWithView(res, join(options.distDir, 'index.html'), view, await snapshots());
      return;
    }
    await sendFile(req, res, options.distDir, path);
  };
  const server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ownOrigins = new Set([...allowedHosts].map((name) => `http://${name}:${port}`));
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
