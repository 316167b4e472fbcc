// The TLS blocks of the production configs, turned on ("tls": true in the site file), with
// certificates made here by openssl: a kiosk with its client certificate links to the hub and its
// view reaches the staff; a box with no client certificate, or with a certificate from another CA,
// does not get a link. The hub maps each certificate to its user (verify_and_map): kiosk k1's
// certificate is k1 whatever the box's settings say, and a site certificate that names no kiosk
// gets no link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { freePort } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { CONSOLE_PASSWORD_VARIABLE, deskConsoleSecret, kioskLinkUser, PASSWORD_VARIABLES, STAFF_USER } from '../../deploy/production/nats-rules.ts';
import { type HubListen } from '../../deploy/production/nats-site.ts';
import { completeSecrets } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { kioskPartLogin, OBSERVER, startHubNode, startKioskLeaf, startStaffDesk, tlsDirOf, type LoopbackSite } from '../support/deploy-sites.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);


/** A CA, and certificates it signs (or another CA signs), with openssl. */
async function makeCertificates(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ca = async (name: string) => {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)]);
  };
  const leaf = async (name: string, signer: string, usage: string) => {
    const ext = join(dir, `${name}.ext`);
    await writeFile(ext, `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=${usage}\n`);
    await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`)]);
    await run('openssl', ['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, `${signer}.crt`), '-CAkey', join(dir, `${signer}.key`),
      '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', join(dir, `${name}.crt`)]);
  };
  await ca('ca');
  await ca('other-ca');
  await leaf('hub-1', 'ca', 'serverAuth,clientAuth');
  await leaf('kiosk-k1', 'ca', 'clientAuth');
  await leaf('kiosk-k2', 'other-ca', 'clientAuth');
  // The site's own CA, for a name that is no kiosk of the site.
  await leaf('kiosk-k9', 'ca', 'clientAuth');
  await leaf('staff-desk-1', 'ca', 'clientAuth');
}

/** A box's TLS directory holding `certificate` under the file names of `asKiosk`'s certificate. */
async function tlsDirWith(tlsDir: string, dir: string, certificate: string, asKiosk: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(tlsDir, 'ca.crt'), join(dir, 'ca.crt'));
  for (const ext of ['crt', 'key']) await copyFile(join(tlsDir, `${certificate}.${ext}`), join(dir, `kiosk-${asKiosk}.${ext}`));
  return dir;
}

type Server = ConfiguredServer;

describe('production configs with TLS turned on', () => {
  let at: LoopbackSite;
  let tlsDir: string;
  let hub: Server;
  const servers: Server[] = [];
  const connections: NatsConnection[] = [];
  let listen: HubListen;
  /** Kiosk k1's box, linked by the first test. */
  let k1: Server;

  const leafCount = async () => (await leafLinks(listen.monitorPort)).length;
  const hubLog = () => readFile(hub.logFile, 'utf8');

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'deploy-tls-'));
    const site = { hub: { cluster: 'tls-hub', nodes: [{ name: 'hub-1', host: '127.0.0.1' }] }, kiosks: ['k1', 'k2'], staffDesks: ['desk-1'], tls: true };
    at = { root, site, secrets: completeSecrets(site, {}) };
    tlsDir = tlsDirOf(root);
    await makeCertificates(tlsDir);
    const started = await startHubNode(at, site.hub.nodes[0]!);
    ({ server: hub, listen } = started);
    servers.push(hub);
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    for (const server of servers.reverse()) await server.stop();
    if (at !== undefined) await rm(at.root, { recursive: true, force: true });
  });

  /** Starts a kiosk box set up as `kioskId`; `tlsDir` stands for a box holding other certificates. */
  async function startKiosk(kioskId: string, options: { dir?: string; tlsDir?: string; observerPassword?: string } = {}) {
    const started = await startKioskLeaf(at, kioskId, { hub: listen, ...options });
    servers.push(started.server);
    return started;
  }

  it('a kiosk with its client certificate links to the hub over TLS, and its view reaches the staff', async () => {
    const hubConfig = await readFile(join(hub.dir, 'nats.conf'), 'utf8');
    expect(hubConfig).toMatch(/\n {2}tls \{\n {4}cert_file: ".*hub-1\.crt"/);
    expect(hubConfig).toContain('verify_and_map: true');
    const started = await startKiosk('k1');
    k1 = started.server;
    // The link is its certificate: no kiosk password exists, and the kiosk's URLs carry none.
    expect(started.files.includes['hub-link.conf']).not.toMatch(/nats-leaf:\/\/[^"]*@/);
    await until(async () => ((await leafCount()) === 1 ? true : undefined), 'the k1 link up');

    const staff = await connect({ servers: hub.url, user: STAFF_USER, pass: at.secrets[PASSWORD_VARIABLES.staff]! });
    const parts = await connect({ servers: k1.url, ...kioskPartLogin(at, 'k1') });
    connections.push(staff, parts);
    const views: string[] = [];
    staff.subscribe('kiosk.k1.view', {
      callback: (_error, msg) => {
        views.push(msg.string());
      },
    });
    await staff.flush();
    await until(() => {
      if (views.length > 0) return true;
      parts.publish('kiosk.k1.view', encodeJson({ over: 'tls' }));
      return undefined;
    }, 'k1 view on the hub');
    expect(JSON.parse(views[0]!)).toEqual({ over: 'tls' });
  });

  it('a login is not enough: no client certificate, or one from another CA, gets no link', async () => {
    // k2's own config asks for its certificate, which another CA signed.
    const { server: impostor } = await startKiosk('k2');
    // A box naming k2's link user with a password, and offering no certificate at all.
    const noCertPort = await freePort();
    const url = `nats-leaf://${kioskLinkUser('k2')}:some-password@127.0.0.1:${listen.leafPort}`;
    const noCert = await startConfiguredServer({
      dir: join(at.root, 'no-cert'),
      config: `host: "127.0.0.1"\nport: ${noCertPort}\nleafnodes { remotes: [ { url: "${url}", tls { ca_file: "${join(tlsDir, 'ca.crt')}" } } ] }\n`,
      clientPort: noCertPort,
    });
    servers.push(noCert);
    // Each box tries, and the hub ends the handshake: a client certificate from its CA is required
    // (Go's TLS client offers none signed by another CA than the one the hub asks for).
    for (const server of [impostor, noCert]) {
      await until(async () => (await readFile(server.logFile, 'utf8')).includes('Leafnode connection closed') || undefined, `${server.dir} closed`);
    }
    const refusedHandshakes = async () => (await hubLog()).match(/TLS leafnode handshake error: tls: client didn't provide a certificate/g)?.length ?? 0;
    await until(async () => (await refusedHandshakes()) >= 2 || undefined, 'the hub refusing both handshakes');
    expect(await leafCount()).toBe(1);
  });

  it("k1's certificate on a box set up as k2 links as k1: it never gets k2's subjects", async () => {
    const linksBefore = await leafCount();
    const observerPassword = 'observer-password';
    const dir = join(at.root, 'k1-as-k2');
    const { server: box } = await startKiosk('k2', { dir, tlsDir: await tlsDirWith(tlsDir, join(dir, 'tls'), 'kiosk-k1', 'k2'), observerPassword });
    await until(async () => ((await leafCount()) === linksBefore + 1 ? true : undefined), 'the k1-as-k2 link up');
    const onBox = await connect({ servers: box.url, user: OBSERVER.user, pass: observerPassword });
    const staff = await connect({ servers: hub.url, user: STAFF_USER, pass: at.secrets[PASSWORD_VARIABLES.staff]! });
    connections.push(onBox, staff);
    const seenOnBox: string[] = [];
    const seenByStaff: string[] = [];
    onBox.subscribe('kiosk.*.staff', { callback: (_error, msg) => void seenOnBox.push(msg.subject) });
    // One subscription per kiosk: the hub offers a link only interest its allowlist fully covers.
    for (const subject of ['kiosk.k1.view', 'kiosk.k2.view']) {
      staff.subscribe(subject, { callback: (_error, msg) => void seenByStaff.push(`${msg.subject} ${msg.string()}`) });
    }
    await Promise.all([onBox.flush(), staff.flush()]);
    // Each round sends k2's subject first on the same connection: had it passed the hub, it would
    // arrive before k1's, which proves the link is up and mapped.
    await until(() => {
      if (seenOnBox.includes('kiosk.k1.staff')) return true;
      staff.publish('kiosk.k2.staff', encodeJson({ type: 'staff.abort' }));
      staff.publish('kiosk.k1.staff', encodeJson({ type: 'staff.abort' }));
      return undefined;
    }, 'k1 staff commands reaching the box with k1\'s certificate');
    expect(seenOnBox).not.toContain('kiosk.k2.staff');
    await until(() => {
      if (seenByStaff.includes('kiosk.k1.view "from-k1-as-k2"')) return true;
      onBox.publish('kiosk.k2.view', encodeJson('from-k1-as-k2'));
      onBox.publish('kiosk.k1.view', encodeJson('from-k1-as-k2'));
      return undefined;
    }, 'the box\'s k1 view reaching the staff');
    expect(seenByStaff).not.toContain('kiosk.k2.view "from-k1-as-k2"');
  });

  it('the site CA\'s certificate for a name that is no kiosk gets no link, even with k1\'s settings', async () => {
    const linksBefore = await leafCount();
    const dir = join(at.root, 'k9-as-k1');
    const { server: intruder } = await startKiosk('k1', { dir, tlsDir: await tlsDirWith(tlsDir, join(dir, 'tls'), 'kiosk-k9', 'k1') });
    await until(async () => (await readFile(intruder.logFile, 'utf8')).includes('Leafnode connection closed') || undefined, 'the intruder closed');
    // The handshake passes (the site CA signed it); no user has the certificate's name.
    await until(
      async () => (await hubLog()).includes('Leafnode connection closed: Authentication Failure') || undefined,
      'the hub refusing the certificate\'s name',
    );
    expect(await leafCount()).toBe(linksBefore);
  });

  it("a staff desk links by its certificate as the staff: its console sees k1's view", async () => {
    const linksBefore = await leafCount();
    const { server: desk, files } = await startStaffDesk(at, 'desk-1', { hub: listen });
    servers.push(desk);
    const hubLink = files.includes['hub-link.conf']!;
    expect(hubLink).not.toMatch(/nats-leaf:\/\/[^"]*@/);
    await until(async () => ((await leafCount()) === linksBefore + 1 ? true : undefined), 'the desk link up');
    expect(hubLink).toContain(CONSOLE_PASSWORD_VARIABLE);
    const console = await connect({ servers: desk.url, user: 'console', pass: at.secrets[deskConsoleSecret('desk-1')]! });
    const parts = await connect({ servers: k1.url, ...kioskPartLogin(at, 'k1') });
    connections.push(console, parts);
    const views: string[] = [];
    console.subscribe('kiosk.k1.view', { callback: (_error, msg) => void views.push(msg.string()) });
    await console.flush();
    await until(() => {
      if (views.includes('"to-the-desk"')) return true;
      parts.publish('kiosk.k1.view', encodeJson('to-the-desk'));
      return undefined;
    }, 'k1 view at the desk');
  });
});
