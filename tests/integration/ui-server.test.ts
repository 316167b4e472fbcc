import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type HealthReport } from '../../services/ui/static.service.ts';

function get(
  url: string,
  rawPath?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; type: string | undefined; etag: string | undefined; cacheControl: string | undefined }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path: rawPath ?? target.pathname, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'], etag: res.headers.etag, cacheControl: res.headers['cache-control'] }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('UI static server', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startUiServer>>;
  let health: HealthReport = { ok: false, parts: { engine: { ok: false, detail: 'starting' } } };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-ui-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>kiosk</title>');
    await writeFile(join(dir, 'staff.html'), '<!doctype html><title>staff</title>');
    server = await startUiServer({
      port: 0,
      distDir: dir,
      browserConfig: () => ({ natsWsUrl: 'ws://127.0.0.1:9222', kioskId: 'kiosk-1', simulatedReader: true }),
      health: async () => health,
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the kiosk page and the staff console', async () => {
    const index = await get(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.type).toContain('text/html');
    expect(index.body).toContain('<title>kiosk</title>');
    expect((await get(`${server.url}/staff`)).body).toContain('<title>staff</title>');
  });

  it('lets the browser keep a file it has while it is unchanged: 304 for its validator, the new file once it changed', async () => {
    const first = await get(`${server.url}/staff.html`);
    expect(first.cacheControl).toBe('no-cache');
    expect(first.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const again = await get(`${server.url}/staff.html`, undefined, { 'if-none-match': first.etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    await writeFile(join(dir, 'staff.html'), '<!doctype html><title>staff, next release</title>');
    const changed = await get(`${server.url}/staff.html`, undefined, { 'if-none-match': first.etag ?? '' });
    expect(changed.status).toBe(200);
    expect(changed.body).toContain('next release');
    await writeFile(join(dir, 'staff.html'), '<!doctype html><title>staff</title>');
  });

  it('tells the browser where NATS is', async () => {
    const config = await get(`${server.url}/config.json`);
    expect(JSON.parse(config.body)).toEqual({ natsWsUrl: 'ws://127.0.0.1:9222', kioskId: 'kiosk-1', simulatedReader: true });
  });

  it('answers /healthz 503 until every part is up, then 200', async () => {
    const down = await get(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).parts.engine.ok).toBe(false);
    health = { ok: true, parts: { engine: { ok: true } } };
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses paths that climb out of the served folder and unknown files', async () => {
    expect((await get(server.url, '/../../etc/passwd')).status).not.toBe(200);
    expect((await get(server.url, '/%2e%2e/%2e%2e/etc/passwd')).status).not.toBe(200);
    expect((await get(`${server.url}/nope.js`)).status).toBe(404);
  });
});
