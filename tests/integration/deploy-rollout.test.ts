// Rolling a kiosk out, and back in, on a running hub, as docs/deployment.md tells operators: write
// the regenerated hub config and `systemctl reload kiosk-nats` (a SIGHUP). The new kiosk's link is
// refused before and accepted after, its registry subjects reach the registry (the mapping came
// with the reload), and the other kiosk's link stays up throughout. A kiosk taken out of the site
// is refused once the hub node restarts on the new config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { freePort } from '../../services/shared/nats-server.ts';
import { encodeJson } from '../../services/shared/nats-json.ts';
import {
  renderHubNode,
  renderHubSecrets,
  renderKioskHubLink,
  renderKioskLeaf,
  type HubListen,
  type Site,
  type SiteSecrets,
} from '../../deploy/production/nats-config.ts';
import { completeSecrets } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { until as untilShared } from '../support/until.ts';

const until = <T>(probe: Parameters<typeof untilShared<T>>[0], what: string) => untilShared(probe, what, { retryOnError: true });



describe('rolling a kiosk out on a running hub, and taking one out', () => {
  let root: string;
  let listen: HubListen;
  let hub: ConfiguredServer;
  let secrets: SiteSecrets;
  const leaves: ConfiguredServer[] = [];
  const connections: NatsConnection[] = [];
  const siteWith = (kiosks: string[]): Site => ({ hub: { cluster: 'rollout', nodes: [{ name: 'hub-1', host: '127.0.0.1' }] }, kiosks, staffDesks: [], lab: true });

  /** What the operator does on a hub node: install the regenerated config, then reload. */
  async function installAndReload(site: Site): Promise<void> {
    await writeFile(join(root, 'hub', 'nats.conf'), renderHubNode({ site, node: site.hub.nodes[0]!, listen }));
    await writeFile(join(root, 'hub', 'secrets.conf'), renderHubSecrets(site, secrets, listen));
    process.kill(hub.pid, 'SIGHUP');
  }

  async function startKiosk(kioskId: string, site: Site): Promise<ConfiguredServer> {
    const port = await freePort();
    const dir = join(root, kioskId);
    const server = await startConfiguredServer({
      dir,
      config: renderKioskLeaf({ kioskId, site, listen: { clientPort: port, websocketPort: await freePort(), monitorPort: 0, storeDir: join(dir, 'jetstream'), tlsDir: join(root, 'tls') } }),
      clientPort: port,
      includes: { 'hub-link.conf': renderKioskHubLink(kioskId, site, secrets, listen) },
    });
    leaves.push(server);
    return server;
  }

  // nats-server 2.9's /leafz does not name the remote: count links, and let traffic say whose.
  const linkCount = async () => (await leafLinks(listen.monitorPort)).length;
  const linksCreated = async (server: ConfiguredServer) => ((await readFile(server.logFile, 'utf8')).match(/Leafnode connection created/g) ?? []).length;

  /** A registry stand-in on the hub, subscribed as the registry is: a queue-group wildcard. */
  async function startRegistryStandIn(): Promise<void> {
    const registry = await connect({ servers: `nats://127.0.0.1:${listen.clientPort}`, user: 'registry', pass: secrets.REGISTRY_PASSWORD! });
    connections.push(registry);
    registry.subscribe('ra.activation.verify.*', {
      queue: 'registry',
      callback: (_error, msg) => {
        msg.respond(encodeJson({ for: msg.subject }));
      },
    });
    await registry.flush();
  }

  async function served(kiosk: ConfiguredServer, kioskId: string): Promise<unknown> {
    const parts = await connect({ servers: kiosk.url });
    connections.push(parts);
    const reply = await until(() => parts.request(`ra.activation.verify.${kioskId}`, encodeJson({}), { timeout: 500 }), `${kioskId} served`);
    return reply.json();
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-rollout-'));
    listen = {
      clientPort: await freePort(),
      clusterPort: await freePort(),
      leafPort: await freePort(),
      monitorPort: await freePort(),
      listenHost: '127.0.0.1',
      storeDir: join(root, 'hub', 'jetstream'),
      tlsDir: join(root, 'tls'),
    };
    // Passwords for both kiosks exist from the start, as in a site's secrets.json.
    secrets = completeSecrets(siteWith(['k1', 'k2']), {});
    const site = siteWith(['k1']);
    hub = await startConfiguredServer({
      dir: join(root, 'hub'),
      config: renderHubNode({ site, node: site.hub.nodes[0]!, listen }),
      clientPort: listen.clientPort,
      includes: { 'secrets.conf': renderHubSecrets(site, secrets, listen) },
    });
    await startKiosk('k1', site);
    await until(async () => ((await linkCount()) === 1 || undefined), 'k1 linked');
    await startRegistryStandIn();
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    for (const leaf of leaves) await leaf.stop();
    await hub?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('a new kiosk is refused until the hub has its user, then linked and served after a reload; k1 stays linked', async () => {
    const [k1] = leaves;
    expect(await served(k1!, 'k1')).toEqual({ for: 'ra.activation.verify.k1' });
    const k2 = await startKiosk('k2', siteWith(['k1', 'k2']));
    await until(async () => ((await readFile(k2.logFile, 'utf8')).includes('Authorization Violation') || undefined), 'k2 refused before the reload');
    expect(await linkCount()).toBe(1);

    await installAndReload(siteWith(['k1', 'k2']));
    await until(async () => ((await linkCount()) === 2 || undefined), 'k2 linked after the reload');
    // Its registry subjects came with the reload (the per-kiosk mapping): k2 is served.
    expect(await served(k2, 'k2')).toEqual({ for: 'ra.activation.verify.k2' });
    expect(await served(k1!, 'k1')).toEqual({ for: 'ra.activation.verify.k1' });
    expect(await linksCreated(k1!)).toBe(1);
    expect(await readFile(hub.logFile, 'utf8')).toContain('Reloaded server configuration');
  });

  it('a kiosk taken out of the site is refused once the hub node restarts on the new config; the others relink', async () => {
    const [k1, k2] = leaves;
    // nats-server 2.9 applies removed users to new connections only, so a reload alone leaves the
    // link that is up; the node restarts on the new config (docs/deployment.md, "Taking a kiosk out").
    const site = siteWith(['k2']);
    await installAndReload(site);
    await hub.stop();
    hub = await startConfiguredServer({
      dir: join(root, 'hub'),
      config: renderHubNode({ site, node: site.hub.nodes[0]!, listen }),
      clientPort: listen.clientPort,
      includes: { 'secrets.conf': renderHubSecrets(site, secrets, listen) },
    });
    await startRegistryStandIn();
    await until(async () => ((await readFile(k1!.logFile, 'utf8')).includes('Authorization Violation') || undefined), 'k1 refused after the restart');
    expect(await served(k2!, 'k2')).toEqual({ for: 'ra.activation.verify.k2' });
    expect(await linkCount()).toBe(1);
  });
});
