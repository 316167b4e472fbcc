// `npm run site -- check <site.json> [--canary <cardNumber>]`: an operator's preflight on a live
// site, with the credentials it is given (the site's secrets.json, the desk's console login).
// Every node's certificate chain and expiry; each user's rights as the server enforces them (it
// connects as each part: what the part must do works, a sample of what it must not is refused);
// the streams' replicas and deny flags; every server's clock within 1 s of this machine's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../../platform/nats-runtime.ts';
import { STAFF_AUTH_SUBJECTS } from '../../machines/contract/staff.ts';
import { ADMIN_USER, ownInbox, PASSWORD_VARIABLES, REGISTRY_USER, STAFF_AUTH_USER, STAFF_USER } from '../production/nats-rules.ts';
import { run } from './host.ts';
import { get } from './wait.ts';
import type { SiteJson } from './site-file.ts';

export interface CheckReport {
  ok: boolean;
  passed: number;
  failures: string[];
}

type Box = SiteJson['boxes'][number];
type Login = { user?: string; pass?: string; inboxPrefix?: string };

/** A login file as make-kiosk-config.ts writes it (`{"user","password","inboxPrefix"}`). */
async function loginFile(path: string): Promise<Login> {
  const login = JSON.parse(await readFile(path, 'utf8')) as { user: string; password: string; inboxPrefix?: string };
  return { user: login.user, pass: login.password, ...(login.inboxPrefix === undefined ? {} : { inboxPrefix: login.inboxPrefix }) };
}

const CLOCK_TOLERANCE_MS = 1_000;
const EXPIRY_WARNING_DAYS = 14;

/** A connection that remembers the permission violations the server reports to it. */
async function open(url: string, login: Login): Promise<{ nc: NatsConnection; violations: string[] }> {
  const nc = await connectNats({ servers: url, ...login, maxReconnectAttempts: 0, name: 'site-check' });
  const violations: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && /Permissions Violation/.test(status.error.message)) violations.push(status.error.message);
    }
  })();
  return { nc, violations };
}

/** Whether the server let `nc` publish on `subject`: the violation, if any, comes before the flush's PONG. */
async function mayPublish(conn: { nc: NatsConnection; violations: string[] }, subject: string, payload = '{}', hdrs?: ReturnType<typeof headers>): Promise<boolean> {
  const before = conn.violations.length;
  conn.nc.publish(subject, payload, hdrs === undefined ? undefined : { headers: hdrs });
  await conn.nc.flush();
  await conn.nc.flush();
  return !conn.violations.slice(before).some((v) => v.includes(`Publish to "${subject}"`));
}

async function maySubscribe(conn: { nc: NatsConnection; violations: string[] }, subject: string): Promise<boolean> {
  const before = conn.violations.length;
  const sub = conn.nc.subscribe(subject);
  await conn.nc.flush();
  await conn.nc.flush();
  sub.unsubscribe();
  return !conn.violations.slice(before).some((v) => v.includes(`Subscription to "${subject}"`));
}

export async function runCheck(siteJsonFile: string, options: { canary?: string; print: (line: string) => void }): Promise<CheckReport> {
  const site = JSON.parse(await readFile(siteJsonFile, 'utf8')) as SiteJson;
  const secrets = JSON.parse(await readFile(site.secretsFile, 'utf8')) as Record<string, string>;
  const failures: string[] = [];
  let passed = 0;
  const check = async (what: string, work: () => Promise<string | boolean>) => {
    try {
      const outcome = await work();
      if (outcome === false) throw new Error('refused');
      passed++;
      options.print(`ok    ${what}${typeof outcome === 'string' ? `: ${outcome}` : ''}`);
    } catch (error) {
      const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      failures.push(message);
      options.print(`FAIL  ${message}`);
    }
  };
  const url = (box: Box) => `127.0.0.1:${box.relayed['4222']}`;
  const hubs = site.boxes.filter((b) => b.kind === 'hub');
  const kiosks = site.boxes.filter((b) => b.kind === 'kiosk');
  const desks = site.boxes.filter((b) => b.kind === 'desk');
  const opened: NatsConnection[] = [];
  const refusedWithoutLogin = async (box: Box): Promise<string | false> => {
    try {
      await (await connectNats({ servers: url(box), maxReconnectAttempts: 0 })).close();
      return false;
    } catch (error) {
      return /Authorization Violation/.test(String(error)) ? 'Authorization Violation' : false;
    }
  };
  const as = async (box: Box, login: Login) => {
    const conn = await open(url(box), login);
    opened.push(conn.nc);
    return conn;
  };

  try {
    // Certificates: chain to the site CA, and time left.
    for (const box of site.boxes) {
      await check(`${box.name}: certificate chains to the site CA and is valid`, async () => {
        await run('openssl', ['verify', '-CAfile', site.caFile, box.certificate]);
        const end = (await run('openssl', ['x509', '-in', box.certificate, '-noout', '-enddate'])).trim().replace(/^notAfter=/, '');
        const days = (Date.parse(end) - Date.now()) / 86_400_000;
        if (days < EXPIRY_WARNING_DAYS) throw new Error(`expires in ${days.toFixed(1)} days (${end})`);
        return `expires ${new Date(end).toISOString().slice(0, 10)} (${Math.floor(days)} days)`;
      });
    }

    // Rights on the hub, as each user.
    for (const hub of hubs) {
      await check(`${hub.name}: a client without credentials is refused`, () => refusedWithoutLogin(hub));
    }
    const hub = hubs[0]!;
    const registry = await as(hub, { user: REGISTRY_USER, pass: secrets[PASSWORD_VARIABLES.registry], inboxPrefix: ownInbox(REGISTRY_USER) });
    await check('registry: may write its audit (ra.audit.staff.>, answered by RA_AUDIT, nothing stored)', async () => {
      // A JetStream publish that names another stream: the server checks the right, RA_AUDIT
      // answers with a refusal (10060), and nothing is stored.
      const h = headers();
      h.set('Nats-Expected-Stream', 'SITE_CHECK_NOT_A_STREAM');
      const reply = await registry.nc.request('ra.audit.staff.check', '{}', { timeout: 5_000, headers: h }).catch((error: Error) => error);
      if (reply instanceof Error) throw new Error(`no answer from RA_AUDIT (${reply.message}); a permission violation: ${registry.violations.at(-1) ?? 'none'}`);
      const body = reply.json<{ error?: { err_code?: number } }>();
      if (body.error?.err_code !== 10060) throw new Error(`unexpected answer ${reply.string()}`);
      return 'RA_AUDIT answered';
    });
    await check('registry: may not delete a stream', async () => !(await mayPublish(registry, '$JS.API.STREAM.DELETE.SITE_CHECK_NO_SUCH_STREAM')));
    const staffAuth = await as(hub, { user: STAFF_AUTH_USER, pass: secrets[PASSWORD_VARIABLES.staffAuth], inboxPrefix: ownInbox(STAFF_AUTH_USER) });
    await check('staff-auth: may answer ra.staffauth.> and may not read cards', async () => (await maySubscribe(staffAuth, 'ra.staffauth.>')) && !(await mayPublish(staffAuth, '$KV.ra_cards.check')));
    const staff = await as(hub, { user: STAFF_USER, pass: secrets[PASSWORD_VARIABLES.staff], inboxPrefix: ownInbox(STAFF_USER) });
    await check('staff (hub): sign-in starts (ra.staffauth.signin.begin answered) and ra.admin.import is refused', async () => {
      const begun = (await staff.nc.request(STAFF_AUTH_SUBJECTS.signInBegin, '{}', { timeout: 10_000 })).json<Record<string, unknown>>();
      if (!('ceremonyId' in begun)) throw new Error(JSON.stringify(begun));
      return !(await mayPublish(staff, 'ra.admin.import'));
    });
    const admin = await as(hub, { user: ADMIN_USER, pass: secrets[PASSWORD_VARIABLES.admin], inboxPrefix: ownInbox(ADMIN_USER) });
    await check('admin: ra.admin.list answered; a kiosk\'s staff subject refused', async () => {
      await admin.nc.request('ra.admin.list', '{}', { timeout: 10_000 });
      return !(await mayPublish(admin, `kiosk.${kiosks[0]?.name ?? 'kiosk-1'}.staff`));
    });

    // Each kiosk: nobody gets in without a login, and each part's login is held to its own subjects.
    for (const kiosk of kiosks) {
      const other = kiosks.find((k) => k.name !== kiosk.name)?.name ?? 'kiosk-other';
      await check(`${kiosk.name}: a client without credentials is refused (no anonymous user)`, () => refusedWithoutLogin(kiosk));
      for (const part of ['engine', 'card-agent', 'ui']) {
        const login = await as(kiosk, await loginFile(join(kiosk.root, 'etc/moeaca-kiosk/credentials', `${part}.json`)));
        await check(`${kiosk.name}: ${part} may publish its view and its registry requests`, async () =>
          (await mayPublish(login, `kiosk.${kiosk.name}.view`)) && (await mayPublish(login, `ra.activation.identify.${kiosk.name}`, '{"check":true}')));
        await check(`${kiosk.name}: ${part} is refused admin, staff, another kiosk's ids and stream deletion`, async () => {
          const allowed: string[] = [];
          for (const subject of ['ra.admin.import', 'ra.staff.unlock', `ra.activation.verify.${other}`, '$JS.API.STREAM.DELETE.SITE_CHECK_NO_SUCH_STREAM']) {
            if (await mayPublish(login, subject)) allowed.push(subject);
          }
          if (allowed.length > 0) throw new Error(`allowed: ${allowed.join(', ')}`);
          return true;
        });
      }
    }

    // Each desk: the console login it was given.
    for (const desk of desks) {
      const console_ = await as(desk, await loginFile(join(desk.root, 'var/lib/moeaca-kiosk/ui/credentials/staff.json')));
      await check(`${desk.name}: the console starts a sign-in through the desk's link; ra.admin.import refused`, async () => {
        const begun = (await console_.nc.request(STAFF_AUTH_SUBJECTS.signInBegin, '{}', { timeout: 10_000 })).json<Record<string, unknown>>();
        if (!('ceremonyId' in begun)) throw new Error(JSON.stringify(begun));
        return !(await mayPublish(console_, 'ra.admin.import'));
      });
      await check(`${desk.name}: a client without credentials is refused`, () => refusedWithoutLogin(desk));
    }

    // Streams: replicas across the hub, and the audit trail's deny flags.
    const jsm = await jetstreamManager(registry.nc);
    for (const name of ['RA_EVENTS', 'RA_AUDIT', 'KV_ra_cards', 'KV_ra_staff']) {
      const guarded = name === 'RA_EVENTS' || name === 'RA_AUDIT';
      await check(`stream ${name}: ${hubs.length} replicas${guarded ? ', deny delete and purge' : ''}`, async () => {
        const info = await jsm.streams.info(name);
        const replicas = info.config.num_replicas;
        if (replicas !== hubs.length) throw new Error(`${replicas} replicas`);
        const current = (info.cluster?.replicas ?? []).filter((r) => r.current).length + 1;
        if (guarded && !(info.config.deny_delete && info.config.deny_purge)) throw new Error('delete or purge allowed');
        return `${replicas} replicas (${current} current), deny_delete ${info.config.deny_delete}, deny_purge ${info.config.deny_purge}`;
      });
    }

    // Clocks: each server's /varz "now" against this machine's, allowing for the round trip.
    for (const box of site.boxes) {
      const monitorPort = box.relayed['8222'];
      if (monitorPort === undefined) continue;
      await check(`${box.name}: clock within 1 s`, async () => {
        const sent = Date.now();
        const varz = (await (await get(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { now: string };
        const received = Date.now();
        const skew = Date.parse(varz.now) - (sent + received) / 2;
        if (Math.abs(skew) > CLOCK_TOLERANCE_MS + (received - sent) / 2) throw new Error(`${skew} ms off`);
        return `${skew} ms`;
      });
    }
    if (options.canary !== undefined) {
      await check(`canary activation on ${options.canary}`, () => Promise.reject(new Error('the canary activation is not implemented in this version of site check')));
    }
  } finally {
    for (const nc of opened) await nc.close().catch(() => undefined);
  }
  options.print(`site check: ${passed}/${passed + failures.length} passed`);
  return { ok: failures.length === 0, passed, failures };
}
