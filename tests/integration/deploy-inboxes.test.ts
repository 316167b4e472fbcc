// Inboxes are private on a production site (docs/security.md, threat 13): a generated lab site (one
// hub node, kiosks k1 and k2, staff desk desk-1) on the real nats-server, every machine on the
// files make-kiosk-config.ts writes (tests/support/deploy-sites.ts), every client logged in as
// production logs it in. k1's engine asks the registry to verify; the reply carries a marker.
// Kiosk 2's parts and page, k1's other parts and page, the hub's staff user and the desk's console
// all try to read replies (`_INBOX.>`, k1's prefix, k1's engine's prefix): each subscription is
// refused by the server, and none of them ever receives the reply. k1's page's replies stay on k1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
import { errors, wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { kioskSubjects } from '../../machines/contract/index.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { ownInbox, PASSWORD_VARIABLES, REGISTRY_USER, STAFF_USER, type KioskLocalUser } from '../../deploy/production/nats-rules.ts';
import { completeSecrets, deskLogin, kioskLogin } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import type { Site } from '../../deploy/production/nats-site.ts';
import { OBSERVER, startHubNode, startKioskLeaf, startStaffDesk, type LoopbackSite } from '../support/deploy-sites.ts';
import { until } from '../support/until.ts';

// nats.js's websocket transport needs the browser's WebSocket; Node 20 has none of its own.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const K1 = 'k1';
const K2 = 'k2';
const DESK = 'desk-1';
const OBSERVER_PASSWORD = 'observer-only-in-tests';

interface Login {
  user: string;
  pass: string;
  inboxPrefix?: string;
}

interface Eavesdropper {
  who: string;
  nc: NatsConnection;
  received: { subject: string; data: string }[];
  refused: string[];
}

let root: string;
let at: LoopbackSite;
let servers: ConfiguredServer[] = [];
let hub: ConfiguredServer;
let k1: ConfiguredServer;
let k2: ConfiguredServer;
let desk: ConfiguredServer;
let k1Ws: number;
let k2Ws: number;
const open: NatsConnection[] = [];

const partLogin = (kioskId: string, part: KioskLocalUser): Login => {
  const login = kioskLogin(kioskId, part, at.secrets);
  return { user: login.user, pass: login.password, inboxPrefix: login.inboxPrefix };
};

async function client(server: ConfiguredServer | string, login: Login): Promise<NatsConnection> {
  const where = typeof server === 'string' ? server : server.url;
  const nc = await (typeof server === 'string' ? wsconnect({ servers: server, ...login }) : connect({ servers: server.url, ...login })).catch((error: Error) => {
    throw new Error(`${login.user} at ${where}: ${error.message}`);
  });
  open.push(nc);
  return nc;
}

/** Subscribes to every reply subject it might hope to read, and records what arrives and what the server refused. */
function eavesdrop(who: string, nc: NatsConnection): Eavesdropper {
  const spy: Eavesdropper = { who, nc, received: [], refused: [] };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && status.error instanceof errors.PermissionViolationError) spy.refused.push(status.error.subject);
    }
  })();
  for (const subject of ['_INBOX.>', `_INBOX.kiosk.${K1}.>`, `_INBOX.kiosk.${K1}.engine.>`]) {
    nc.subscribe(subject, { callback: (error, msg) => void (error === null && spy.received.push({ subject: msg.subject, data: msg.string() })) });
  }
  return spy;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deploy-inboxes-'));
  const site: Site = { hub: { cluster: 'inbox-hub', nodes: [{ name: 'hub-1', host: '127.0.0.1' }] }, kiosks: [K1, K2], staffDesks: [DESK], lab: true };
  at = { root, site, secrets: completeSecrets(site, {}) };
  const started = await startHubNode(at, site.hub.nodes[0]!, { observerPassword: OBSERVER_PASSWORD });
  hub = started.server;
  // One after the other: each takes free ports, and two at once could be handed the same one.
  const leaf1 = await startKioskLeaf(at, K1, { hub: started.listen });
  const leaf2 = await startKioskLeaf(at, K2, { hub: started.listen });
  const deskLeaf = await startStaffDesk(at, DESK, { hub: started.listen });
  k1 = leaf1.server;
  k2 = leaf2.server;
  k1Ws = leaf1.websocketPort;
  k2Ws = leaf2.websocketPort;
  desk = deskLeaf.server;
  servers = [desk, k1, k2, hub];
  await until(async () => (await leafLinks(started.listen.monitorPort)).length >= 3 || undefined, 'three leaf links on the hub');
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  for (const server of servers) await server.stop();
  await rm(root, { recursive: true, force: true });
});

describe('replies on a production site', () => {
  it('kiosk 2\'s parts and page, k1\'s other users, the hub\'s staff and the desk\'s console cannot read k1\'s verify reply', async () => {
    const marker = `verify-reply-${randomUUID()}`;
    const registry = await client(hub, { user: REGISTRY_USER, pass: at.secrets[PASSWORD_VARIABLES.registry]!, inboxPrefix: ownInbox(REGISTRY_USER) });
    registry.subscribe('ra.activation.verify.*', { queue: 'registry', callback: (error, msg) => void (error === null && msg.respond(encodeJson({ outcome: 'verified', marker }))) });
    await registry.flush();

    const staff = await client(hub, { user: STAFF_USER, pass: at.secrets[PASSWORD_VARIABLES.staff]!, inboxPrefix: ownInbox(STAFF_USER) });
    const console = deskLogin(DESK, at.secrets);
    const who: [string, ConfiguredServer | string, Login][] = [
      ...(['engine', 'card-agent', 'ui'] as const).map((part): [string, ConfiguredServer, Login] => [`k2 ${part}`, k2, partLogin(K2, part)]),
      ...(['card-agent', 'ui'] as const).map((part): [string, ConfiguredServer, Login] => [`k1 ${part}`, k1, partLogin(K1, part)]),
      ['k2 page', `ws://127.0.0.1:${k2Ws}`, partLogin(K2, 'browser')],
      ['k1 page', `ws://127.0.0.1:${k1Ws}`, partLogin(K1, 'browser')],
      ['hub staff', hub, { user: STAFF_USER, pass: at.secrets[PASSWORD_VARIABLES.staff]!, inboxPrefix: ownInbox(STAFF_USER) }],
      ['desk console', desk, { user: console.user, pass: console.password, inboxPrefix: console.inboxPrefix }],
    ];
    const eavesdroppers: Eavesdropper[] = [];
    for (const [name, server, login] of who) eavesdroppers.push(eavesdrop(name, await client(server, login)));
    await Promise.all(eavesdroppers.map((spy) => spy.nc.flush()));

    // k1's engine asks, as it does in production, until the registry's interest has crossed the link.
    const engine = await client(k1, partLogin(K1, 'engine'));
    const reply = await until(
      () => engine.request(`ra.activation.verify.${K1}`, encodeJson({ kioskId: K1 }), { timeout: 500 }).catch(() => undefined),
      'k1\'s verify answered',
    );
    expect(reply.json()).toEqual({ outcome: 'verified', marker });
    expect(reply.subject.startsWith(`_INBOX.kiosk.${K1}.engine.`)).toBe(true);

    // Nothing arrived. The hub routed the reply before the engine had it; a view sent after it
    // travels behind it to the hub's staff and to the desk, so once that is in, so would the reply
    // be. And every reading subscription was refused by the server itself (so it never existed
    // there): the refusals came back right after each SUB, long before these views.
    const after = `after-${marker}`;
    const k1Parts = await client(k1, partLogin(K1, 'engine'));
    const onDeskViews: string[] = [];
    const deskViews = eavesdroppers.find((spy) => spy.who === 'desk console')!.nc;
    deskViews.subscribe(kioskSubjects(K1).view, { callback: (_e, msg) => void onDeskViews.push(msg.string()) });
    const onStaffViews: string[] = [];
    staff.subscribe(kioskSubjects(K1).view, { callback: (_e, msg) => void onStaffViews.push(msg.string()) });
    await Promise.all([deskViews.flush(), staff.flush()]);
    await until(() => {
      if (onDeskViews.some((text) => text.includes(after)) && onStaffViews.some((text) => text.includes(after))) return true;
      k1Parts.publish(kioskSubjects(K1).view, encodeJson({ marker: after }));
      return undefined;
    }, 'a later view at the hub and the desk');
    for (const spy of eavesdroppers) await spy.nc.flush();
    for (const spy of eavesdroppers) {
      expect(spy.received.filter((m) => m.data.includes(marker) && !m.data.includes(after)), spy.who).toEqual([]);
      expect(spy.refused, spy.who).toEqual(expect.arrayContaining(['_INBOX.>', `_INBOX.kiosk.${K1}.>`, `_INBOX.kiosk.${K1}.engine.>`]));
    }
  });

  it('the kiosk page\'s replies (view.get, answered on the box) never cross the link', async () => {
    const observer = await client(hub, { user: OBSERVER.user, pass: OBSERVER_PASSWORD });
    const onHub: string[] = [];
    observer.subscribe('_INBOX.>', { callback: (_e, msg) => void onHub.push(msg.subject) });
    await observer.flush();
    const k1Subjects = kioskSubjects(K1);
    const engine = await client(k1, partLogin(K1, 'engine'));
    engine.subscribe(k1Subjects.viewGet, { callback: (_e, msg) => void msg.respond(encodeJson({ kioskId: K1, screen: 'insertCard' })) });
    await engine.flush();
    const page = await client(`ws://127.0.0.1:${k1Ws}`, partLogin(K1, 'browser'));
    const answer = await page.request(k1Subjects.viewGet, undefined, { timeout: 5_000 });
    expect(answer.json()).toEqual({ kioskId: K1, screen: 'insertCard' });
    expect(answer.subject.startsWith(`_INBOX.kiosk.${K1}.browser.`)).toBe(true);
    // A staff view.get answered by the same engine afterwards does cross (to the staff's inbox):
    // once its reply is on the hub, the page's earlier one would be too.
    const staff = await client(hub, { user: STAFF_USER, pass: at.secrets[PASSWORD_VARIABLES.staff]!, inboxPrefix: ownInbox(STAFF_USER) });
    await until(() => staff.request(k1Subjects.viewGet, undefined, { timeout: 500 }).catch(() => undefined), 'a staff view.get answered');
    await until(() => (onHub.some((subject) => subject.startsWith(`${ownInbox(STAFF_USER)}.`)) ? true : undefined), 'the staff reply seen on the hub');
    expect(onHub.filter((subject) => subject.startsWith(`_INBOX.kiosk.${K1}.browser.`))).toEqual([]);
  });
});
