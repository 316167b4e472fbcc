// A tiny static server for the built kiosk page on a free loopback port, for the screenshot script
// and the UI benchmark. Besides the build it serves `/preview.html`: the app with no `config-url`,
// so it connects to nothing and renders whatever view the caller sets.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { PAGES, previewHtml } from './pages.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

export interface PreviewServer {
  url: string;
  /** Extra pages by path, e.g. a bare baseline page for the benchmark. */
  pages: Map<string, string>;
  stop(): Promise<void>;
}

export async function startPreviewServer(distDir: string): Promise<PreviewServer> {
  const pages = new Map<string, string>([['/preview.html', previewHtml(PAGES.kiosk)]]);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const page = pages.get(path);
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    const relative = normalize(path).replace(/^\/+/, '');
    // The page, its bundle, and the catalogues it imports when another language is chosen (text/<lang>.js).
    if (relative.startsWith('..') || !(relative in { 'kiosk.js': 1, 'index.html': 1 } || /^text\/[\w-]+\.js$/.test(relative))) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(distDir, relative)).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[relative.slice(relative.lastIndexOf('.'))] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pages,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../platform/chromium.mjs';
