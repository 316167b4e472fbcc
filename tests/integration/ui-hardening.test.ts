// The UI server's web hardening (docs/security.md, threat 10): security headers on every answer,
// a Host check against DNS rebinding, and the pages' NATS login only for same-origin requests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer } from '../../services/ui/static.service.ts';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let dir: string;
let server: Awaited<ReturnType<typeof startUiServer>>;
let port: number;

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiosk-ui-hardening-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>kiosk</title>');
  server = await startUiServer({
    port: 0,
    distDir: dir,
    hostNames: ['kiosk-7.example.tw'],
    natsWsUrl: 'ws://127.0.0.1:9222',
    browserConfig: (page) => ({
      natsWsUrl: 'ws://127.0.0.1:9222',
      kioskId: 'kiosk-1',
      simulatedReader: false,
      nats: { user: page === 'kiosk' ? 'browser' : page, password: `secret-of-${page}-0123456789`, inboxPrefix: `_INBOX.${page}` },
    }),
    health: async () => ({ ok: true, parts: {} }),
  });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('security headers', () => {
  it.each(['/', '/config.json', '/healthz', '/missing.js'])('are on %s', async (path) => {
    const { headers } = await get(path);
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('connect-src \'self\' ws://127.0.0.1:9222');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('the Host check (DNS rebinding)', () => {
  it('answers loopback names and the configured host names', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `kiosk-7.example.tw:${port}`, `KIOSK-7.example.tw`]) {
      expect((await get('/', { host })).status).toBe(200);
    }
  });

  it('refuses any other name, with nothing served', async () => {
    for (const host of [`evil.example:${port}`, 'attacker.test', '127.0.0.1.evil.example', 'not a host']) {
      const answer = await get('/config.json', { host });
      expect(answer.status).toBe(421);
      expect(answer.body).not.toContain('secret-of');
    }
  });
});

describe('the pages\' NATS login in /config.json', () => {
  it('goes to a same-origin request, each page its own', async () => {
    const kiosk = JSON.parse((await get('/config.json', { 'sec-fetch-site': 'same-origin' })).body);
    expect(kiosk.nats.user).toBe('browser');
    const staff = JSON.parse((await get('/config.json?page=staff', { 'sec-fetch-site': 'same-origin', origin: `http://127.0.0.1:${port}` })).body);
    expect(staff.nats.user).toBe('staff');
    expect((await get('/config.json?page=admin')).status).toBe(404);
  });

  it('is refused to a foreign page', async () => {
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: `http://127.0.0.1:${port + 1}` },
    ]) {
      const answer = await get('/config.json?page=staff', headers);
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain('secret-of');
    }
  });
});
