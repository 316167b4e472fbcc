// The kiosk's HTTP side: the built UI as static files, `/config.json` (where the browser finds the
// kiosk's NATS websocket), and `/healthz` (200 with JSON once every part answers). Loopback only:
// the kiosk's own Chromium is the only client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserConfig } from '../../machines/contract/index.ts';

export interface HealthReport {
  ok: boolean;
  parts: Record<string, { ok: boolean; detail?: string }>;
}

export interface UiServerOptions {
  port: number;
  host?: string;
  /** The folder with the built pages (index.html, staff.html, inspector.html, bundles). */
  distDir: string;
  browserConfig: () => BrowserConfig;
  health: () => Promise<HealthReport>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPES['.json'], 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function sendFile(res: ServerResponse, distDir: string, urlPath: string): Promise<void> {
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
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      // The kiosk pages load nothing from elsewhere; the websocket goes to loopback.
      'content-security-policy':
        "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    });
    res.end(body);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

export async function startUiServer(options: UiServerOptions): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
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
      sendJson(res, 200, options.browserConfig());
      return;
    }
    const pages: Record<string, string> = { '/staff': '/staff.html', '/inspector': '/inspector.html', '/dashboard': '/dashboard.html' };
    const path = pages[url.pathname] ?? url.pathname;
    await sendFile(res, options.distDir, path);
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
