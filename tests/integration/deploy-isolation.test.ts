// The production NATS configs (deploy/production/) really isolate what they claim to. One hub node
// and two kiosk leaf nodes (k1, k2), a staff desk leaf and a tampered kiosk, every config generated
// by the same code that writes the shipped ones (make-kiosk-config.ts's machine files, started by
// tests/support/deploy-sites.ts), run by the real nats-server on loopback with free ports. Clients connect as the configured users; the parts connect as they do in
// production, each with its own login and inbox prefix (make-kiosk-config.ts's kioskLogin). Then a whole activation runs through this topology with the real
// registry on the hub and the real card agent and engine on k1, while an observer on the hub and the
// tampered kiosk listen to everything they can get.
//
// Observers (a user with no restrictions, on the hub and on each kiosk) exist only in tests: they are
// added to the generated user lists so that "never arrives" is checked against everything a server
// carries, not just against what a restricted user may see.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { kioskSubjects, type CardImportRecord, type View } from '../../machines/contract/index.ts';
import { freePort } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { createLogger } from '../../platform/log.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { startEngine, type RunningEngine } from '../../services/kiosk-engine/engine.service.ts';
import { startCardAgent, type CardAgent } from '../../card/agent.service.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { enrollAgentKey } from '../../platform/registry-admin-client.ts';
import { provisionCards } from '../../card/demo/provision.ts';
import { ADMIN_USER, HUB_ACCOUNT, kioskLinkUser, kioskPasswordVariable, ownInbox, PASSWORD_VARIABLES, REGISTRY_USER, STAFF_AUTH_USER, STAFF_USER, type KioskLocalUser } from '../../deploy/production/nats-rules.ts';
import { startStaffAuth } from '../../services/staff-auth/staff-auth.service.ts';
import { loadStaffTokenKeys } from '../../services/staff-auth/staff-token.ts';
import { STAFF_AUTH_SUBJECTS, STAFF_BUCKET } from '../../machines/contract/staff.ts';
import { staffRecordKey } from '../../services/staff-auth/staff-directory.ts';
import { Kvm } from '@nats-io/kv';
import { STAFF_AUDIT_STREAM } from '../../services/registry/staff-audit.ts';
import { staffTokenFor } from '../support/staff-token.ts';
import { type Site } from '../../deploy/production/nats-site.ts';
import { renderHubNode, renderKioskLeaf, renderStaffDeskLeaf } from '../../deploy/production/nats-config.ts';
import {
  completeSecrets,
  deskLogin,
  EXAMPLE_SITE_FILE,
  kioskLogin,
  NATS_SERVER,
  PRODUCTION_DIR,
  readSite,
  renderExamples,
  testConfig,
  writeSite,
} from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { OBSERVER, startHubNode, startKioskLeaf, startStaffDesk, type LoopbackSite } from '../support/deploy-sites.ts';
import { checkTokenElsewhere } from '../support/softhsm.ts';
import { websocketUpgradeStatus } from '../support/websocket-upgrade.ts';
import { TEST_TIMING } from '../support/stack.ts';
import { until as untilShared } from '../support/until.ts';

const until = <T>(probe: Parameters<typeof untilShared<T>>[0], what: string) => untilShared(probe, what, { everyMs: 20 });

const K1 = 'k1';
const K2 = 'k2';
const OBSERVER_PASSWORD = 'observer-only-in-tests';

// Canary secrets for the activation: none may ever be seen off k1.
const USER_CODE = 'Uc$Dpl7Cn';
const PIN = 'Pn!dep7Q';
const CARD = 'TD00000000000001';

type Server = ConfiguredServer;

// ---------------------------------------------------------------------------------------------
// Watching traffic



interface Seen {
  subject: string;
  data: string;
}

function collect(nc: NatsConnection, subject: string, seen: Seen[] = []): Seen[] {
  nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error === null) seen.push({ subject: msg.subject, data: msg.string() });
    },
  });
  return seen;
}

/** Permission violations the server reported to this connection. */
function violationsOf(nc: NatsConnection): string[] {
  const messages: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && status.error.message.includes('Permissions Violation')) messages.push(status.error.message);
    }
  })();
  return messages;
}

/** Answers every request on `subject` with `reply`, and remembers what it was asked. */
function respond(nc: NatsConnection, subject: string, reply: (msg: Msg) => unknown, queue?: string, asked: Seen[] = []): Seen[] {
  nc.subscribe(subject, {
    ...(queue === undefined ? {} : { queue }),
    callback: (error, msg) => {
      if (error !== null) return;
      asked.push({ subject: msg.subject, data: msg.string() });
      msg.respond(encodeJson(reply(msg)));
    },
  });
  return asked;
}

/** A request that is retried until interest has crossed the leaf links (responders just subscribed). */
async function requestAcross(nc: NatsConnection, subject: string, body: unknown): Promise<Msg> {
  return until(async () => {
    try {
      return await nc.request(subject, encodeJson(body), { timeout: 500 });
    } catch (error) {
      if ((error as Error).message.includes('Permissions Violation')) throw error;
      return undefined;
    }
  }, `an answer on ${subject}`);
}

/** Publishes `marker` on `subject` until `seen` has it: the route exists and carries this subject. */
async function publishUntilSeen(nc: NatsConnection, subject: string, seen: Seen[], marker: string): Promise<void> {
  await until(() => {
    if (seen.some((m) => m.subject === subject && m.data.includes(marker))) return true;
    nc.publish(subject, encodeJson({ marker }));
    return undefined;
  }, `${subject} (${marker}) arriving`);
}

// ---------------------------------------------------------------------------------------------
// The topology

interface Topology {
  root: string;
  site: Site;
  secrets: Record<string, string>;
  hub: Server;
  hubMonitor: number;
  k1: Server;
  k2: Server;
  k1Ws: number;
  desk: Server;
  deskWs: number;
  tampered: Server;
  unauthenticated: Server;
}

async function startTopology(): Promise<Topology> {
  const root = await mkdtemp(join(tmpdir(), 'deploy-isolation-'));
  const site: Site = { hub: { cluster: 'test-hub', nodes: [{ name: 'hub-1', host: '127.0.0.1' }] }, kiosks: [K1, K2], staffDesks: ['desk-1'], lab: true };
  const at: LoopbackSite = { root, site, secrets: completeSecrets(site, {}) };
  const { server: hub, listen } = await startHubNode(at, site.hub.nodes[0]!, { observerPassword: OBSERVER_PASSWORD });
  const leaf = (kioskId: string) => startKioskLeaf(at, kioskId, { hub: listen, observerPassword: OBSERVER_PASSWORD });
  const [k1, k2] = await Promise.all([leaf(K1), leaf(K2)]);
  const desk = await startStaffDesk(at, 'desk-1', { hub: listen });

  // A kiosk box whose own config was rewritten: no local rules at all, no deny lists, but still
  // only the link credentials of k2. Whatever it gets or gives is decided by the hub alone.
  const tamperedPort = await freePort();
  const k2Password = at.secrets[kioskPasswordVariable(K2)]!;
  const tampered = await startConfiguredServer({
    dir: join(root, 'tampered'),
    config: [
      'server_name: "tampered-k2"',
      'host: "127.0.0.1"',
      `port: ${tamperedPort}`,
      `leafnodes { remotes: [ { url: "nats-leaf://${kioskLinkUser(K2)}:${k2Password}@127.0.0.1:${listen.leafPort}" } ] }`,
      '',
    ].join('\n'),
    clientPort: tamperedPort,
  });

  const unauthenticatedPort = await freePort();
  const unauthenticated = await startConfiguredServer({
    dir: join(root, 'unauthenticated'),
    config: [
      'server_name: "no-credentials"',
      'host: "127.0.0.1"',
      `port: ${unauthenticatedPort}`,
      `leafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:${listen.leafPort}" } ] }`,
      '',
    ].join('\n'),
    clientPort: unauthenticatedPort,
  });

  // Every legitimate link (two kiosks, the desk, the tampered k2) is up before anything is tested.
  await until(async () => (await leafLinks(listen.monitorPort)).length >= 4 || undefined, 'four leaf links on the hub');

  return {
    ...at,
    hub,
    hubMonitor: listen.monitorPort,
    k1: k1.server,
    k2: k2.server,
    k1Ws: k1.websocketPort,
    desk: desk.server,
    deskWs: desk.websocketPort,
    tampered,
    unauthenticated,
  };
}

describe('production NATS configs (deploy/production)', () => {
  let topology: Topology;
  /** Closed after the whole file. */
  const kept: NatsConnection[] = [];
  /** Closed after each test, so no stand-in responder of one test answers in another. */
  const perTest: NatsConnection[] = [];
  /** Everything the hub's observer, k2's observer and the tampered kiosk's client receive. */
  let onHub: Seen[];
  let onK2: Seen[];
  let onTampered: Seen[];
  let hubObserver: NatsConnection;
  let k1Observer: NatsConnection;
  let tamperedClient: NatsConnection;

  async function open(server: Server, as?: { user: string; pass: string; inboxPrefix?: string }, lifetime: 'test' | 'kept' = 'test'): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url, ...(as ?? {}) });
    (lifetime === 'kept' ? kept : perTest).push(nc);
    return nc;
  }
  const observerLogin = () => ({ user: OBSERVER.user, pass: OBSERVER_PASSWORD });
  const staffLogin = () => ({ user: STAFF_USER, pass: topology.secrets[PASSWORD_VARIABLES.staff]!, inboxPrefix: ownInbox(STAFF_USER) });
  const adminLogin = () => ({ user: ADMIN_USER, pass: topology.secrets[PASSWORD_VARIABLES.admin]!, inboxPrefix: ownInbox(ADMIN_USER) });
  const registryLogin = () => ({ user: REGISTRY_USER, pass: topology.secrets[PASSWORD_VARIABLES.registry]!, inboxPrefix: ownInbox(REGISTRY_USER) });
  const consoleLogin = () => {
    const login = deskLogin('desk-1', topology.secrets);
    return { user: login.user, pass: login.password, inboxPrefix: login.inboxPrefix };
  };
  const staffAuthLogin = () => ({ user: STAFF_AUTH_USER, pass: topology.secrets[PASSWORD_VARIABLES.staffAuth] ?? '', inboxPrefix: ownInbox(STAFF_AUTH_USER) });
  /** A part of a kiosk as it logs in in production (the engine's login unless another part is named). */
  const partLogin = (kioskId: string, part: KioskLocalUser = 'engine') => {
    const login = kioskLogin(kioskId, part, topology.secrets);
    return { user: login.user, pass: login.password, inboxPrefix: login.inboxPrefix };
  };

  beforeAll(async () => {
    topology = await startTopology();
    hubObserver = await open(topology.hub, observerLogin(), 'kept');
    onHub = collect(hubObserver, '>');
    onK2 = collect(await open(topology.k2, observerLogin(), 'kept'), '>');
    k1Observer = await open(topology.k1, observerLogin(), 'kept');
    tamperedClient = await open(topology.tampered, undefined, 'kept');
    onTampered = collect(tamperedClient, '>');
    await Promise.all(kept.map((nc) => nc.flush()));
  });

  afterEach(async () => {
    await Promise.allSettled(perTest.splice(0).map((nc) => nc.close()));
  });

  afterAll(async () => {
    await Promise.allSettled(kept.map((nc) => nc.close()));
    if (topology !== undefined) {
      for (const server of [topology.unauthenticated, topology.tampered, topology.desk, topology.k1, topology.k2, topology.hub]) {
        await server.stop();
      }
      await rm(topology.root, { recursive: true, force: true });
    }
  });

  it('the committed configs are what the generator writes, and nats-server accepts every config', async () => {
    const site = await readSite(EXAMPLE_SITE_FILE);
    const examples = renderExamples(site);
    expect([...examples.keys()].sort()).toEqual([
      'hub/hub-1.conf',
      'hub/hub-2.conf',
      'hub/hub-3.conf',
      'leaf/kiosk-1.conf',
      'leaf/kiosk-2.conf',
      'leaf/staff-desk-1.conf',
    ]);
    for (const [path, text] of examples) {
      expect(await readFile(join(PRODUCTION_DIR, path), 'utf8'), `${path} is stale: run make-kiosk-config.ts --examples`).toBe(text);
    }
    // What an operator gets for the example site: every machine's directory, secrets included.
    const out = join(topology.root, 'example-site');
    const written = await writeSite(site, out, completeSecrets(site, {}));
    expect(written).toHaveLength(6);
    for (const file of written) {
      const checked = await testConfig(file);
      expect(checked.ok, `${file}: ${checked.output}`).toBe(true);
      const machine = file.split('/').at(-2)!;
      const committed = examples.get(machine.startsWith('desk') ? `leaf/staff-${machine}.conf` : machine.startsWith('kiosk') ? `leaf/${machine}.conf` : `hub/${machine}.conf`);
      expect(await readFile(file, 'utf8')).toBe(committed);
    }
    // The TLS variant parses too once its certificate paths are filled in (they are checked when
    // the server starts, not by -t): only its syntax is checked here.
    const tls = renderHubNode({ site: { ...site, tls: true }, node: site.hub.nodes[0]! });
    expect(tls).toMatch(/\n {2}tls \{\n {4}cert_file: "\/etc\/moeaca-kiosk\/tls\/hub-1.crt"/);
    // "syncInterval" renders sync_interval, which only nats-server 2.10 and later understand.
    const synced = join(topology.root, 'synced');
    await writeSite({ ...site, syncInterval: 'always' }, synced, completeSecrets(site, {}));
    const { stdout } = await promisify(execFile)(NATS_SERVER, ['--version']);
    const [major = 0, minor = 0] = (/v(\d+)\.(\d+)/.exec(stdout) ?? []).slice(1).map(Number);
    const syncedCheck = await testConfig(join(synced, 'hub', 'hub-1', 'nats.conf'));
    if (major > 2 || (major === 2 && minor >= 10)) expect(syncedCheck.ok, syncedCheck.output).toBe(true);
    else expect(syncedCheck.output).toContain('unknown field "sync_interval"');
    // Every config of the running topology passed `nats-server -t` before it started.
    expect(topology.hub.running()).toBe(true);
  });

  it('(a) the kiosk-local subjects published on k1 reach k1\'s parts and never the hub nor k2', async () => {
    const k1Parts = await open(topology.k1, partLogin(K1));
    const onK1Parts = collect(k1Parts, `kiosk.${K1}.>`);
    await k1Parts.flush();
    const k1 = kioskSubjects(K1);

    // Published in one connection's order, then a view: once the view is on the hub, anything
    // published before it on that connection that crossed the link would be there already.
    k1Observer.publish(k1.input, encodeJson({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN }));
    k1Observer.publish(k1.cardSetPin, encodeJson({ activationId: 'a1', newPin: PIN }));
    k1Observer.publish(k1.cardEvents, encodeJson({ type: 'card.inserted', reader: 'r', at: new Date().toISOString() }));
    await publishUntilSeen(k1Observer, k1.view, onHub, 'after-local-subjects');

    expect(onK1Parts.map((m) => m.subject)).toEqual(expect.arrayContaining([k1.input, k1.cardSetPin, k1.cardEvents]));
    const local = (m: Seen) => m.subject === k1.input || m.subject.startsWith(`kiosk.${K1}.card.`);
    expect(onHub.filter(local)).toEqual([]);
    expect(onTampered.filter(local)).toEqual([]);
    // k2: whatever the hub forwards to it goes out in order; a staff event for k2 published after
    // the marker arrived comes after anything of k1's the hub might have forwarded.
    const staff = await open(topology.hub, staffLogin());
    await publishUntilSeen(staff, kioskSubjects(K2).staff, onK2, 'after-local-subjects');
    expect(onK2.filter((m) => m.subject.startsWith(`kiosk.${K1}.`))).toEqual([]);
    expect(JSON.stringify([...onHub, ...onK2, ...onTampered])).not.toContain(PIN);
  });

  it('(b) k1\'s views and inspection reach the staff on the hub; staff requests reach k1 and discover finds both kiosks', async () => {
    const staff = await open(topology.hub, staffLogin());
    const views = collect(staff, 'kiosk.*.view');
    const inspections = collect(staff, 'kiosk.*.inspect');
    await staff.flush();
    const k1Parts = await open(topology.k1, partLogin(K1));
    const k2Parts = await open(topology.k2, partLogin(K2));
    const k1 = kioskSubjects(K1);
    await publishUntilSeen(k1Parts, k1.view, views, 'view-b');
    await publishUntilSeen(k1Parts, k1.inspect, inspections, 'inspect-b');

    respond(k1Parts, k1.viewGet, () => ({ kioskId: K1, screen: 'insertCard' }));
    respond(k1Parts, k1.inspectMachine, () => ({ states: ['idle'] }));
    respond(k1Parts, k1.engineStats, () => ({ accepted: 0 }));
    respond(k1Parts, 'kiosk.discover', () => ({ kioskId: K1 }));
    respond(k2Parts, 'kiosk.discover', () => ({ kioskId: K2 }));
    expect((await requestAcross(staff, k1.viewGet, {})).json()).toEqual({ kioskId: K1, screen: 'insertCard' });
    expect((await requestAcross(staff, k1.inspectMachine, {})).json()).toEqual({ states: ['idle'] });
    expect((await requestAcross(staff, k1.engineStats, {})).json()).toEqual({ accepted: 0 });

    const found = await until(async () => {
      const answers: string[] = [];
      for await (const msg of await staff.requestMany('kiosk.discover', encodeJson({}), { maxWait: 500 })) {
        answers.push(msg.json<{ kioskId: string }>().kioskId);
      }
      return answers.includes(K1) && answers.includes(K2) ? answers.sort() : undefined;
    }, 'kiosk.discover answered by k1 and k2');
    expect(found).toEqual([K1, K2]);
  });

  it('(c) k1\'s registry requests reach the registry on the hub under k1\'s own id, and the replies come back', async () => {
    // Subscribed as the registry subscribes: one queue-group wildcard per endpoint, over all kiosks.
    const registry = await open(topology.hub, registryLogin());
    const endpoints = ['identify', 'verify', 'accept', 'pin-grant', 'complete'];
    const asked: Seen[] = [];
    for (const endpoint of endpoints) {
      respond(registry, `ra.activation.${endpoint}.*`, (msg) => ({ answeredFor: msg.subject }), 'registry', asked);
    }
    respond(registry, '$SRV.PING.registry', () => ({ name: 'registry' }));
    await registry.flush();
    const k1Parts = await open(topology.k1, partLogin(K1));
    for (const endpoint of endpoints) {
      const subject = `ra.activation.${endpoint}.${K1}`;
      const reply = await requestAcross(k1Parts, subject, { kioskId: K1 });
      expect(reply.json()).toEqual({ answeredFor: subject });
    }
    expect(asked.map((m) => m.subject)).toContain(`ra.activation.verify.${K1}`);
    // The UI server's health check: some registry instance answers.
    expect((await requestAcross(k1Parts, '$SRV.PING.registry', {})).json()).toEqual({ name: 'registry' });
  });

  it('(d) k1 cannot ask under k2\'s id, nor use admin or staff subjects; nothing of it reaches the hub', async () => {
    const registry = await open(topology.hub, registryLogin());
    const asked = respond(registry, 'ra.>', () => ({ ok: true }));
    await registry.flush();
    const k1Parts = await open(topology.k1, partLogin(K1));
    const violations = violationsOf(k1Parts);
    const refused = [`ra.activation.verify.${K2}`, 'ra.admin.import', 'ra.staff.unlock', `kiosk.${K1}.staff`, `kiosk.${K2}.view`];
    for (const subject of refused) {
      await expect(k1Parts.request(subject, encodeJson({ kioskId: K1 }), { timeout: 2_000 })).rejects.toThrow(/Permissions Violation/);
    }
    await until(() => refused.every((subject) => violations.some((v) => v.includes(`Publish to "${subject}"`))) || undefined, 'a violation reported for each');
    // The link carries k1's own requests (a marker), and none of the refused ones came before it.
    await requestAcross(k1Parts, `ra.activation.identify.${K1}`, { marker: 'after-refused' });
    expect(asked.map((m) => m.subject)).toEqual([`ra.activation.identify.${K1}`]);
    expect(onHub.filter((m) => refused.includes(m.subject))).toEqual([]);
  });

  it('(e) a staff event for k1 from the staff user on the hub reaches k1\'s engine and not k2', async () => {
    const staff = await open(topology.hub, staffLogin());
    const k1Engine = collect(await open(topology.k1, partLogin(K1)), kioskSubjects(K1).staff);
    await until(async () => {
      staff.publish(kioskSubjects(K1).staff, encodeJson({ type: 'staff.abort', staffId: 'e' }));
      await staff.flush();
      return k1Engine.length > 0 || undefined;
    }, 'staff.abort arriving on k1');
    expect(JSON.parse(k1Engine[0]!.data)).toEqual({ type: 'staff.abort', staffId: 'e' });
    // Anything the hub forwarded to k2 before this later k2 event would be in front of it.
    await publishUntilSeen(staff, kioskSubjects(K2).staff, onK2, 'after-e');
    expect(onK2.filter((m) => m.subject === kioskSubjects(K1).staff)).toEqual([]);
    expect(onTampered.filter((m) => m.subject === kioskSubjects(K1).staff)).toEqual([]);
  });

  it('(f) the staff user is held to the console\'s subjects: no admin, no registry activation, no kiosk input or card', async () => {
    const registry = await open(topology.hub, registryLogin());
    const asked = respond(registry, 'ra.>', () => ({ ok: true }));
    await registry.flush();
    const staff = await open(topology.hub, staffLogin());
    const violations = violationsOf(staff);
    for (const subject of ['ra.admin.import', `ra.activation.verify.${K1}`, kioskSubjects(K1).input, kioskSubjects(K1).cardSetPin]) {
      await expect(staff.request(subject, encodeJson({}), { timeout: 2_000 })).rejects.toThrow(/Permissions Violation/);
    }
    staff.subscribe(`kiosk.${K1}.card.>`);
    await until(() => violations.some((v) => v.includes(`Subscription to "kiosk.${K1}.card.>"`)) || undefined, 'subscription refused');
    // Staff operations do reach the registry, and the admin user may import.
    await requestAcross(staff, 'ra.staff.card', { cardNumber: CARD });
    const admin = await open(topology.hub, adminLogin());
    await requestAcross(admin, 'ra.admin.import', { records: [] });
    expect(asked.map((m) => m.subject)).toEqual(['ra.staff.card', 'ra.admin.import']);
  });

  it('a tampered kiosk (no local rules, k2\'s link credentials) is held by the hub to k2\'s allowlist', async () => {
    const staff = await open(topology.hub, staffLogin());
    await staff.flush();
    const forbidden = [`ra.activation.verify.${K1}`, 'ra.admin.import', 'ra.staff.unlock', `kiosk.${K1}.view`, `kiosk.${K1}.staff`, `kiosk.${K1}.input`, '$KV.ra_cards.x'];
    for (const subject of forbidden) tamperedClient.publish(subject, encodeJson({ forged: 'by-tampered-k2' }));
    await publishUntilSeen(tamperedClient, kioskSubjects(K2).view, onHub, 'after-forged');
    expect(onHub.filter((m) => m.data.includes('by-tampered-k2'))).toEqual([]);

    // Traffic it may not see: k1's staff events and views, another kiosk's registry request.
    const k1Parts = await open(topology.k1, partLogin(K1));
    await publishUntilSeen(staff, kioskSubjects(K1).staff, collect(k1Parts, kioskSubjects(K1).staff), 'for-k1-only');
    await publishUntilSeen(k1Parts, kioskSubjects(K1).view, onHub, 'k1-view-not-for-k2');
    await publishUntilSeen(staff, kioskSubjects(K2).staff, onTampered, 'after-k1-traffic');
    const received = onTampered.filter((m) => !m.data.includes('by-tampered-k2'));
    expect(received.filter((m) => m.subject.startsWith(`kiosk.${K1}.`) || m.subject.startsWith('ra.'))).toEqual([]);
  });

  it('link credentials work for links only, and a link without credentials gets no application account', async () => {
    const k1Link = { user: kioskLinkUser(K1), pass: topology.secrets[kioskPasswordVariable(K1)]! };
    await expect(connect({ servers: topology.hub.url, ...k1Link })).rejects.toThrow(/Authorization Violation/);
    // Without a no_auth_user, nats-server 2.9 lets a leaf without credentials into its empty
    // global account: no user, no JetStream, nothing of MOEACA (docs/security.md, "still open").
    const links = await until(async () => {
      const found = await leafLinks(topology.hubMonitor);
      return found.length === 5 ? found : undefined;
    }, 'five leaf links on the hub');
    expect(links.filter((leaf) => leaf.account === HUB_ACCOUNT)).toHaveLength(4);
    expect(links.filter((leaf) => leaf.account !== HUB_ACCOUNT).map((leaf) => leaf.account)).toEqual(['$G']);
  });

  it('no anonymous power: a client without credentials is refused on the hub, at the desk and on a kiosk', async () => {
    for (const server of [topology.hub, topology.desk, topology.k1]) {
      await expect(connect({ servers: server.url, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/);
    }
    // Every machine of the example site, kiosks included: each part and page logs in as itself.
    for (const text of renderExamples(await readSite(EXAMPLE_SITE_FILE)).values()) expect(text).not.toMatch(/no_auth_user/);
  });

  it('nobody may delete, purge or reconfigure RA_EVENTS, RA_AUDIT or a bucket, not even the registry', async () => {
    const registry = await open(topology.hub, registryLogin());
    const violations = violationsOf(registry);
    for (const subject of ['$JS.API.STREAM.DELETE.RA_EVENTS', '$JS.API.STREAM.PURGE.RA_EVENTS', '$JS.API.STREAM.PURGE.KV_ra_cards', '$JS.API.STREAM.MSG.DELETE.RA_EVENTS', '$JS.API.STREAM.UPDATE.RA_EVENTS', '$JS.API.STREAM.UPDATE.RA_AUDIT', '$JS.API.STREAM.MSG.DELETE.RA_AUDIT']) {
      registry.publish(subject, encodeJson({}));
      await until(() => violations.some((v) => v.includes(`Publish to "${subject}"`)) || undefined, `${subject} refused to the registry`);
    }
    const admin = await open(topology.hub, adminLogin());
    const adminViolations = violationsOf(admin);
    admin.publish('$JS.API.STREAM.DELETE.RA_EVENTS', encodeJson({}));
    await until(() => adminViolations.some((v) => v.includes('Publish to "$JS.API.STREAM.DELETE.RA_EVENTS"')) || undefined, 'delete refused to admin');
  });

  it('the kiosk\'s and the desk\'s websockets refuse a page from a foreign origin', async () => {
    for (const port of [topology.k1Ws, topology.deskWs]) {
      expect(await websocketUpgradeStatus('127.0.0.1', port, 'http://127.0.0.1:8080')).toBe(101);
      expect(await websocketUpgradeStatus('127.0.0.1', port, 'http://evil.example')).toBe(403);
    }
  });

  it('the generator refuses a site without TLS unless it is marked a lab', () => {
    const { lab: _lab, ...production } = topology.site;
    expect(() => renderHubNode({ site: production, node: production.hub.nodes[0]! })).toThrow(/lab/);
    expect(() => renderKioskLeaf({ kioskId: K1, site: { tls: false } })).toThrow(/lab/);
    expect(() => renderStaffDeskLeaf({ desk: 'desk-1', site: {} })).toThrow(/lab/);
    expect(renderHubNode({ site: { ...production, tls: true }, node: production.hub.nodes[0]! })).toContain('tls {');
  });

  it('the kiosk page over the websocket sends input and reads views, and cannot reach the card agent', async () => {
    const k1 = kioskSubjects(K1);
    const seenOnK1 = collect(k1Observer, `kiosk.${K1}.>`);
    await k1Observer.flush();
    // Node 20 has WebSocket behind a flag; the page's own client (nats-core wsconnect) runs there.
    const script = `
      import { wsconnect } from '@nats-io/nats-core';
      const nc = await wsconnect({ servers: process.env.WS_URL, ...JSON.parse(process.env.LOGIN) });
      const errors = [];
      (async () => { for await (const s of nc.status()) if (s.type === 'error') errors.push(s.error.message); })();
      nc.subscribe(${JSON.stringify(k1.view)});
      nc.publish(${JSON.stringify(k1.input)}, JSON.stringify({ type: 'user.stillHere' }));
      nc.publish(${JSON.stringify(k1.cardSetPin)}, JSON.stringify({ activationId: 'x', newPin: 'from-browser' }));
      nc.subscribe(${JSON.stringify(`kiosk.${K1}.card.>`)});
      await nc.flush();
      // Both refusals arrive as asynchronous -ERR lines: wait for them (bounded), not for a time.
      for (let i = 0; i < 400 && errors.length < 2; i++) await nc.flush();
      console.log(JSON.stringify(errors));
      await nc.close();
    `;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '--input-type=module', '-e', script], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, WS_URL: `ws://127.0.0.1:${topology.k1Ws}`, LOGIN: JSON.stringify(partLogin(K1, 'browser')) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`browser client exited ${code}: ${stderr}`))));
    });
    const errors = JSON.parse(output.trim().split('\n').at(-1)!) as string[];
    expect(errors.join('\n')).toContain(`Publish to "${k1.cardSetPin}"`);
    expect(errors.join('\n')).toContain(`Subscription to "kiosk.${K1}.card.>"`);
    await until(() => seenOnK1.some((m) => m.subject === k1.input) || undefined, 'the page\'s input on k1');
    expect(seenOnK1.filter((m) => m.subject === k1.cardSetPin)).toEqual([]);
  });

  it('a staff desk\'s console reaches every kiosk through its own leaf link, with the staff allowlist', async () => {
    const console_ = await open(topology.desk, consoleLogin());
    const violations = violationsOf(console_);
    const views = collect(console_, 'kiosk.*.view');
    await console_.flush();
    const k2Parts = await open(topology.k2, partLogin(K2));
    await publishUntilSeen(k2Parts, kioskSubjects(K2).view, views, 'seen-at-desk');
    respond(k2Parts, kioskSubjects(K2).viewGet, () => ({ kioskId: K2 }));
    expect((await requestAcross(console_, kioskSubjects(K2).viewGet, {})).json()).toEqual({ kioskId: K2 });
    console_.publish('ra.admin.import', encodeJson({ records: [] }));
    await until(() => violations.some((v) => v.includes('Publish to "ra.admin.import"')) || undefined, 'admin refused at the desk');
  });

  it('staff sign-in: kiosk-staff-auth logs in on the hub as its own user; the hub staff and the desk console reach its ceremonies', async () => {
    // As kiosk-staff-auth.service runs it: its own login on the hub node, its two buckets.
    const staffAuthConnection = await open(topology.hub, staffAuthLogin());
    const service = await startStaffAuth({
      nc: staffAuthConnection,
      keys: await loadStaffTokenKeys(join(topology.root, 'staff-auth-data'), {}),
      origin: 'https://desk-1.example.org',
      log: createLogger('staff-auth', () => undefined),
    });
    try {
      // The operator's `npm run staff -- enroll` on a hub node, as the admin user.
      const admin = await open(topology.hub, adminLogin());
      const { code } = (await requestAcross(admin, STAFF_AUTH_SUBJECTS.adminEnroll, { staffId: 'S-deploy', name: '部署 測試' })).json<{ code: string }>();
      expect(code).toBeTruthy();
      // The console at the desk (through its leaf link) and on a hub node: both ceremonies start.
      const console_ = await open(topology.desk, consoleLogin());
      const staff = await open(topology.hub, staffLogin());
      for (const nc of [console_, staff]) {
        const begun = (await requestAcross(nc, STAFF_AUTH_SUBJECTS.signInBegin, {})).json<Record<string, unknown>>();
        expect(begun, JSON.stringify(begun)).toHaveProperty('ceremonyId');
      }
      const enrolling = (await requestAcross(console_, STAFF_AUTH_SUBJECTS.enrollBegin, { code })).json<Record<string, unknown>>();
      expect(enrolling, JSON.stringify(enrolling)).toHaveProperty('ceremonyId');
      // The console never makes enrollment codes itself.
      const violations = violationsOf(console_);
      console_.publish(STAFF_AUTH_SUBJECTS.adminEnroll, encodeJson({ staffId: 'S-forged', name: 'x' }));
      await until(() => violations.some((v) => v.includes(`Publish to "${STAFF_AUTH_SUBJECTS.adminEnroll}"`)) || undefined, 'admin enroll refused at the desk');
    } finally {
      await service.stop();
    }
  });

  describe('a whole activation through this topology: registry on the hub, card agent and engine on k1', () => {
    let registry: RunningRegistry | undefined;
    let agent: CardAgent | undefined;
    let engine: RunningEngine | undefined;
    let staffViews: Seen[];
    const logs: string[] = [];
    let kioskDataDir: string;

    const latestView = (): View | undefined => {
      const last = staffViews.filter((m) => m.subject === kioskSubjects(K1).view).at(-1);
      return last === undefined ? undefined : (JSON.parse(last.data) as View);
    };
    const screenOnHub = (screen: View['screen']) =>
      until(() => (latestView()?.screen === screen ? latestView() : undefined), `${screen} seen by staff on the hub`).catch((error: Error) => {
        throw new Error(`${error.message}; last view there: ${JSON.stringify(latestView())}`);
      });

    beforeAll(async () => {
      kioskDataDir = join(topology.root, 'kiosk-data');
      await mkdir(kioskDataDir, { recursive: true });
      await chmod(kioskDataDir, 0o700);
      const sink = (line: string) => logs.push(line);
      // As in production: the registry logs in on the hub node with its own login and inbox.
      registry = await startRegistry({
        nc: await open(topology.hub, registryLogin(), 'kept'),
        dataDir: join(topology.root, 'registry-data'),
        log: sink,
        scryptCost: { N: 1024, r: 8, p: 1 },
      });
      const record = {
        cardNumber: CARD,
        route: 'self-applied',
        holderName: '測試公司D',
        ubn: '97969933',
        email: 'deploy@example.com.tw',
        validFrom: '2026-01-01T00:00:00Z',
        validTo: '2031-01-01T00:00:00Z',
        userCode: USER_CODE,
        status: 'issued',
      } as CardImportRecord;
      const admin = await open(topology.hub, adminLogin(), 'kept');
      await provisionCards({ dataDir: kioskDataDir, records: [record], nc: admin, log: sink });
      // As an operator provisions a kiosk: its card agent's key enrolled with the registry.
      await enrollAgentKey(admin, K1, (await loadOrCreateAgentKey(kioskDataDir, K1)).publicKey);

      const staff = await open(topology.hub, staffLogin(), 'kept');
      staffViews = collect(staff, 'kiosk.*.view');
      await staff.flush();
      // As in production: each part logs in to k1's own server as itself.
      agent = await startCardAgent({ nc: await open(topology.k1, partLogin(K1, 'card-agent'), 'kept'), kioskId: K1, dataDir: kioskDataDir, reader: 'sim', log: sink });
      engine = await startEngine({ nc: await open(topology.k1, partLogin(K1, 'engine'), 'kept'), kioskId: K1, timing: TEST_TIMING, log: createLogger('engine', sink) });
      await screenOnHub('insertCard');
    });

    afterAll(async () => {
      await engine?.stop();
      await agent?.stop();
      await registry?.stop();
    });

    it('the PIN set on k1 opens the token; staff watched from the hub; no secret crossed the link', async () => {
      const k1 = kioskSubjects(K1);
      // The touchscreen: k1's observer stands in for the page (the page's own rights are tested above).
      const touch = (event: object) => k1Observer.publish(k1.input, encodeJson(event));
      const inserted = await k1Observer.request(k1.cardSimInsert, encodeJson({ cardNumber: CARD }), { timeout: 5_000 });
      expect(inserted.json()).toEqual({ ok: true });
      await screenOnHub('choosePath');
      touch({ type: 'user.choosePath', path: 'self-applied' });
      await screenOnHub('enterUserCode');
      touch({ type: 'user.submitUserCode', userCode: USER_CODE });
      const data = await screenOnHub('confirmCardData');
      expect(data.card).toMatchObject({ cardNumber: CARD, holderName: '測試公司D' });
      touch({ type: 'user.confirmCardData' });
      await screenOnHub('enterPin');
      touch({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
      await screenOnHub('activated');

      expect(await checkTokenElsewhere(kioskDataDir, CARD, PIN)).toMatchObject({ found: true, accepted: true });

      // The PIN never leaves k1. The user code reaches the hub only where the contract sends it to
      // the registry: the issuing side's import, and k1's verify request. No reply, nothing to k2.
      expect(JSON.stringify([...onHub, ...onK2, ...onTampered])).not.toContain(PIN);
      const withUserCode = onHub.filter((m) => m.data.includes(USER_CODE)).map((m) => m.subject);
      expect(withUserCode.sort()).toEqual([`ra.activation.verify.${K1}`, 'ra.admin.import']);
      expect(JSON.stringify([...onK2, ...onTampered])).not.toContain(USER_CODE);
      expect(onHub.some((m) => m.subject === `ra.activation.pin-grant.${K1}`)).toBe(true);
      expect(onHub.filter((m) => m.subject.startsWith(`kiosk.${K1}.card.`) || m.subject === k1.input)).toEqual([]);
      const tamperedGot = onTampered.filter((m) => !m.data.includes('by-tampered-k2'));
      expect(tamperedGot.filter((m) => m.subject.startsWith(`kiosk.${K1}.`) || m.subject.startsWith('ra.'))).toEqual([]);

      // The engine's snapshots live in k1's own JetStream domain, not the hub's.
      const hubStreams = await (await jetstreamManager(await open(topology.hub, registryLogin()))).streams.names().next();
      const k1Streams = await (await jetstreamManager(await open(topology.k1, partLogin(K1)))).streams.names().next();
      expect(k1Streams).toContain('KV_kiosk_snapshots');
      expect(hubStreams).not.toContain('KV_kiosk_snapshots');
      expect(hubStreams).toContain('KV_ra_cards');
    });

    it('a staff request from the hub is written to RA_AUDIT by the registry, with the staff id', async () => {
      const staff = await open(topology.hub, staffLogin());
      // A token stands only for an enrolled member: the record staff-auth writes after enrolling
      // (its bucket made by the staff sign-in test's service above, with staff-auth's own config).
      const enrolled = await new Kvm(await open(topology.hub, observerLogin())).open(STAFF_BUCKET);
      await enrolled.put(staffRecordKey('S-audit'), JSON.stringify({ staffId: 'S-audit', name: '測試 S-audit', enrolledAt: new Date(0).toISOString(), passkeys: [] }));
      const token = await staffTokenFor(join(topology.root, 'registry-data'), 'S-audit');
      const reply = (await requestAcross(staff, 'ra.staff.card', { cardNumber: CARD, token })).json<Record<string, unknown>>();
      expect(reply, JSON.stringify(reply)).toMatchObject({ cardNumber: CARD });
      const jsm = await jetstreamManager(await open(topology.hub, observerLogin()));
      const audited = await until(async () => ((await jsm.streams.info(STAFF_AUDIT_STREAM)).state.messages > 0 ? true : undefined), 'an RA_AUDIT entry');
      expect(audited).toBe(true);
      const entry = await jsm.streams.getMessage(STAFF_AUDIT_STREAM, { last_by_subj: 'ra.audit.staff.card' });
      expect(entry?.json()).toMatchObject({ action: 'card', cardNumber: CARD, staffId: 'S-audit' });
    });
  });
});
