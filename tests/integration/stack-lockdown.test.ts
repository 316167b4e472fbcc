// `npm start`'s nats-server is locked (docs/security.md, "Embedded stack"): the server runs with
// exactly the users and websocket origins the stack generates (embeddedServerAccess), and real
// clients, over TCP and over the websocket, try what the findings did. Every refusal is
// the server's own: a permissions violation it reports to the client, or a refused login/upgrade.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
import { errors, wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { kioskSubjects } from '../../machines/contract/index.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { credentialsDir, credentialsFile, embeddedServerAccess, readCredentials } from '../../services/stack/credentials/index.ts';
import { until } from '../support/until.ts';
import { websocketUpgradeStatus } from '../support/websocket-upgrade.ts';

// nats.js's websocket transport needs the browser's WebSocket; Node 20 has none of its own.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const KIOSK = 'kiosk-1';
const HTTP_PORT = 38123;
const OWN_ORIGIN = `http://127.0.0.1:${HTTP_PORT}`;
const k = kioskSubjects(KIOSK);

let dataDir: string;
let server: RunningNatsServer;
const open: NatsConnection[] = [];

interface Watched {
  nc: NatsConnection;
  violations: { operation: string; subject: string }[];
}

function watch(nc: NatsConnection): Watched {
  open.push(nc);
  const watched: Watched = { nc, violations: [] };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && status.error instanceof errors.PermissionViolationError) {
        watched.violations.push({ operation: status.error.operation, subject: status.error.subject });
      }
    }
  })();
  return watched;
}

async function login(user: string) {
  const { password } = await readCredentials(dataDir, user);
  return { user, pass: password, inboxPrefix: `_INBOX.${user}` };
}

async function part(user: string): Promise<Watched> {
  return watch(await connect({ servers: server.url, name: `test-${user}`, ...(await login(user)) }));
}

async function page(user: string): Promise<Watched> {
  return watch(await wsconnect({ servers: server.wsUrl!, name: `test-${user}`, ...(await login(user)) }));
}

function refusedPublish(client: Watched, subject: string): Promise<unknown> {
  client.nc.publish(subject, new Uint8Array());
  return until(() => client.violations.some((v) => v.operation === 'publish' && v.subject === subject), `publish to ${subject} refused`);
}

function refusedSubscribe(client: Watched, subject: string): Promise<unknown> {
  client.nc.subscribe(subject, { callback: () => undefined });
  return until(() => client.violations.some((v) => v.operation === 'subscription' && v.subject === subject), `subscribe to ${subject} refused`);
}

/** A websocket upgrade to the stack's nats-server as a page at `origin` asks for it: the HTTP status. */
function upgradeStatus(origin: string): Promise<number> {
  const url = new URL(server.wsUrl!.replace('ws://', 'http://'));
  return websocketUpgradeStatus(url.hostname, Number(url.port), origin);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiosk-lockdown-'));
  const access = await embeddedServerAccess({ dataDir, kioskId: KIOSK, cardReader: 'sim', httpPort: HTTP_PORT, uiHostNames: [] });
  server = await startNatsServer({ dataDir: join(dataDir, 'nats'), wsPort: 0, name: 'lockdown', access });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('credentials of the embedded stack', () => {
  it('are one 0600 file per user in a 0700 folder, as {"user","password"}', async () => {
    expect((await stat(credentialsDir(dataDir))).mode & 0o777).toBe(0o700);
    for (const user of ['registry', 'card-agent', 'engine', 'ui', 'stack', 'admin', 'staff', 'inspector', 'browser']) {
      expect((await stat(credentialsFile(dataDir, user))).mode & 0o777).toBe(0o600);
      const credentials = await readCredentials(dataDir, user);
      expect(credentials.user).toBe(user);
      expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
  });
});

describe('an anonymous client', () => {
  it('cannot connect over TCP, so cannot read kiosk.>', async () => {
    await expect(connect({ servers: server.url, name: 'anonymous', maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/);
  });

  it('cannot connect over the websocket either', async () => {
    await expect(wsconnect({ servers: server.wsUrl!, name: 'anonymous-ws', maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/);
  });

  it('with a wrong password is refused', async () => {
    await expect(connect({ servers: server.url, user: 'admin', pass: 'not-the-password', maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/);
  });
});

describe('the websocket', () => {
  it('accepts an upgrade from the UI\'s own origin only', async () => {
    expect(await upgradeStatus(OWN_ORIGIN)).toBe(101);
    expect(await upgradeStatus('http://evil.example')).toBe(403);
    expect(await upgradeStatus(`http://127.0.0.1:${HTTP_PORT + 1}`)).toBe(403);
  });

  it('refuses part users: they log in over TCP only', async () => {
    await expect(wsconnect({ servers: server.wsUrl!, ...(await login('registry')), maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/);
  });
});

describe('the kiosk page\'s user (browser)', () => {
  it('is websocket-only', async () => {
    await expect(connect({ servers: server.url, ...(await login('browser')), maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/);
  });

  it('sends its kiosk\'s input and reads its view, and nothing else', async () => {
    const browser = await page('browser');
    const engine = await part('engine');
    const inputs: string[] = [];
    engine.nc.subscribe(k.input, { callback: (_error, msg) => void inputs.push(msg.string()) });
    await engine.nc.flush();
    browser.nc.publish(k.input, '{"type":"test"}');
    await until(() => inputs.length === 1, 'the engine got the page\'s input');

    for (const subject of [k.cardSetPin, 'ra.admin.import', 'ra.admin.list', 'ra.staff.return', 'ra.staff.unlock', '$JS.API.STREAM.DELETE.RA_EVENTS', '$JS.API.STREAM.PURGE.RA_EVENTS', 'kiosk.kiosk-2.input']) {
      await refusedPublish(browser, subject);
    }
    for (const subject of ['kiosk.>', `kiosk.${KIOSK}.card.events`, '_INBOX.>', '_INBOX.engine.>', 'ra.>']) {
      await refusedSubscribe(browser, subject);
    }
  });
});

describe('each part does its own job only', () => {
  it('the UI server cannot set a PIN or send the page\'s input', async () => {
    const ui = await part('ui');
    await refusedPublish(ui, k.cardSetPin);
    await refusedPublish(ui, k.input);
    await refusedSubscribe(ui, k.input);
  });

  it('the engine cannot answer as the registry nor touch its records', async () => {
    const engine = await part('engine');
    await refusedSubscribe(engine, 'ra.activation.pin-grant.*');
    await refusedPublish(engine, '$KV.ra_cards.TT00000000000051');
    await refusedPublish(engine, '$JS.API.STREAM.DELETE.RA_EVENTS');
    await refusedPublish(engine, registryPinGrant());
  });

  it('the card agent cannot publish views, read input, or verify user codes', async () => {
    const agent = await part('card-agent');
    await refusedPublish(agent, k.view);
    await refusedSubscribe(agent, k.input);
    await refusedPublish(agent, `ra.activation.verify.${KIOSK}`);
  });

  it('the registry cannot read the kiosk\'s input, nor delete or purge its own stream', async () => {
    const registry = await part('registry');
    await refusedSubscribe(registry, k.input);
    await refusedSubscribe(registry, '_INBOX.engine.>');
    await refusedPublish(registry, '$JS.API.STREAM.DELETE.RA_EVENTS');
    await refusedPublish(registry, '$JS.API.STREAM.PURGE.KV_ra_cards');
    await refusedPublish(registry, '$KV.kiosk_snapshots.kiosk-1');
  });

  it('staff reach views, staff events and the registry\'s staff calls, never input, cards or admin', async () => {
    const staff = await page('staff');
    await refusedSubscribe(staff, k.input);
    await refusedSubscribe(staff, `kiosk.${KIOSK}.inspect`);
    await refusedPublish(staff, k.cardSetPin);
    await refusedPublish(staff, 'ra.admin.import');
    await refusedPublish(staff, k.input);
  });

  it('the inspector only reads', async () => {
    const inspector = await page('inspector');
    await refusedPublish(inspector, k.staff);
    await refusedPublish(inspector, 'ra.staff.card');
    await refusedSubscribe(inspector, k.input);
  });

  it('the admin tool registers cards and does nothing else', async () => {
    const admin = await part('admin');
    await refusedPublish(admin, 'ra.staff.return');
    await refusedSubscribe(admin, 'kiosk.>');
  });
});

function registryPinGrant(): string {
  return `ra.activation.pin-grant.${KIOSK}`;
}
