// The TLS blocks of the production configs, turned on ("tls": true in the site file), with
// certificates made here by openssl: a kiosk with its client certificate links to the hub and its
// view reaches the staff; a box with the right password but no client certificate, or with a
// certificate from another CA, does not get a link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { freePort } from '../../services/shared/nats-server.ts';
import { encodeJson } from '../../services/shared/nats-json.ts';
import {
  kioskLinkUser,
  kioskPasswordVariable,
  PASSWORD_VARIABLES,
  renderHubNode,
  renderHubSecrets,
  renderKioskHubLink,
  renderKioskLeaf,
  STAFF_USER,
  type HubListen,
  type Site,
} from '../../deploy/production/nats-config.ts';
import { completeSecrets } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
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
}

type Server = ConfiguredServer;

async function startServer(dir: string, config: string, clientPort: number, includes: Record<string, string>): Promise<Server> {
  return startConfiguredServer({ dir, config, clientPort, includes });
}

describe('production configs with TLS turned on', () => {
  let root: string;
  let tlsDir: string;
  let monitorPort: number;
  const servers: Server[] = [];
  const connections: NatsConnection[] = [];
  let secrets: Record<string, string>;
  let listen: HubListen;
  let site: Site;

  const leafCount = async () => (await leafLinks(monitorPort)).length;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-tls-'));
    tlsDir = join(root, 'tls');
    await makeCertificates(tlsDir);
    site = { hub: { cluster: 'tls-hub', nodes: [{ name: 'hub-1', host: '127.0.0.1' }] }, kiosks: ['k1', 'k2'], staffDesks: [], tls: true };
    secrets = completeSecrets(site, {});
    monitorPort = await freePort();
    listen = {
      clientPort: await freePort(),
      clusterPort: await freePort(),
      leafPort: await freePort(),
      monitorPort,
      listenHost: '127.0.0.1',
      storeDir: join(root, 'hub', 'jetstream'),
      tlsDir,
    };
    servers.push(
      await startServer(join(root, 'hub'), renderHubNode({ site, node: site.hub.nodes[0]!, listen }), listen.clientPort, {
        'secrets.conf': renderHubSecrets(site, secrets, listen),
      }),
    );
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    for (const server of servers.reverse()) await server.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  async function startKiosk(kioskId: string, hubLink: string, dir = join(root, kioskId)): Promise<Server> {
    const port = await freePort();
    const config = renderKioskLeaf({
      kioskId,
      site,
      listen: { clientPort: port, websocketPort: await freePort(), monitorPort: 0, storeDir: join(dir, 'jetstream'), tlsDir },
    });
    const server = await startServer(dir, config, port, { 'hub-link.conf': hubLink });
    servers.push(server);
    return server;
  }

  it('a kiosk with its client certificate links to the hub over TLS, and its view reaches the staff', async () => {
    expect(await readFile(join(root, 'hub', 'nats.conf'), 'utf8')).toMatch(/\n {2}tls \{\n {4}cert_file: ".*hub-1\.crt"/);
    const k1 = await startKiosk('k1', renderKioskHubLink('k1', site, secrets, listen));
    await until(async () => ((await leafCount()) === 1 ? true : undefined), 'the k1 link up');

    const staff = await connect({ servers: `nats://127.0.0.1:${listen.clientPort}`, user: STAFF_USER, pass: secrets[PASSWORD_VARIABLES.staff]! });
    const parts = await connect({ servers: k1.url });
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

  it('the right password is not enough: no client certificate, or one from another CA, gets no link', async () => {
    // k2's own config asks for its certificate, which another CA signed.
    const impostor = await startKiosk('k2', renderKioskHubLink('k2', site, secrets, listen));
    // A box with k2's password that offers no certificate at all.
    const noCertDir = join(root, 'no-cert');
    const noCertPort = await freePort();
    const url = `nats-leaf://${kioskLinkUser('k2')}:${secrets[kioskPasswordVariable('k2')]}@127.0.0.1:${listen.leafPort}`;
    const noCert = await startServer(
      noCertDir,
      `host: "127.0.0.1"\nport: ${noCertPort}\nleafnodes { remotes: [ { url: "${url}", tls { ca_file: "${join(tlsDir, 'ca.crt')}" } } ] }\n`,
      noCertPort,
      {},
    );
    servers.push(noCert);
    // Each box tries, and the hub ends the handshake: a client certificate from its CA is required
    // (Go's TLS client offers none signed by another CA than the one the hub asks for).
    for (const server of [impostor, noCert]) {
      await until(async () => (await readFile(join(server.dir, 'nats-server.log'), 'utf8')).includes('Leafnode connection closed') || undefined, `${server.dir} closed`);
    }
    await until(async () => {
      const hubLog = await readFile(join(root, 'hub', 'nats-server.log'), 'utf8');
      return (hubLog.match(/TLS leafnode handshake error: tls: client didn't provide a certificate/g)?.length ?? 0) >= 2 || undefined;
    }, 'the hub refusing both handshakes');
    expect(await leafCount()).toBe(1);
  });
});
