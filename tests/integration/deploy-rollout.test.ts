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
import { encodeJson } from '../../platform/nats-json.ts';
import type { HubListen, Site } from '../../deploy/production/nats-site.ts';
import type { SiteSecrets } from '../../deploy/production/nats-config.ts';
import { completeSecrets, hubNodeFiles } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { hubLogin, kioskPartLogin, loopbackHubListen, startHubNode, startKioskLeaf } from '../support/deploy-sites.ts';
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
    const files = hubNodeFiles(site, site.hub.nodes[0]!, secrets, { listen });
    await writeFile(join(hub.dir, 'nats.conf'), files.config);
    for (const [name, text] of Object.entries(files.includes)) await writeFile(join(hub.dir, name), text);
    process.kill(hub.pid, 'SIGHUP');
  }

  /** Starts the hub node on the configs generated for `site`. */
  const startHub = async (site: Site) => (await startHubNode({ root, site, secrets }, site.hub.nodes[0]!, { listen })).server;

  async function startKiosk(kioskId: string, site: Site): Promise<ConfiguredServer> {
    const { server } = await startKioskLeaf({ root, site, secrets }, kioskId, { hub: listen });
    leaves.push(server);
    return server;
  }

  // nats-server 2.9's /leafz does not name the remote: count links, and let traffic say whose.
  const linkCount = async () => (await leafLinks(listen.monitorPort)).length;
  const linksCreated = async (server: ConfiguredServer) => ((await readFile(server.logFile, 'utf8')).match(/Leafnode connection created/g) ?? []).length;

  /** A registry stand-in on the hub, subscribed as the registry is: a queue-group wildcard. */
  async function startRegistryStandIn(): Promise<void> {
    const registry = await connect({ servers: `nats://127.0.0.1:${listen.clientPort}`, ...hubLogin({ secrets }, 'registry') });
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
    const parts = await connect({ servers: kiosk.url, ...kioskPartLogin({ secrets }, kioskId) });
    connections.push(parts);
    const reply = await until(() => parts.request(`ra.activation.verify.${kioskId}`, encodeJson({}), { timeout: 500 }), `${kioskId} served`);
    return reply.json();
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-rollout-'));
    const site = siteWith(['k1']);
    // The same ports across the reload and the restart.
    listen = await loopbackHubListen(root, site.hub.nodes[0]!);
    // Passwords for both kiosks exist from the start, as in a site's secrets.json.
    secrets = completeSecrets(siteWith(['k1', 'k2']), {});
    hub = await startHub(site);
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
    hub = await startHub(site);
    await startRegistryStandIn();
    await until(async () => ((await readFile(k1!.logFile, 'utf8')).includes('Authorization Violation') || undefined), 'k1 refused after the restart');
    expect(await served(k2!, 'k2')).toEqual({ for: 'ra.activation.verify.k2' });
    expect(await linkCount()).toBe(1);
  });
});
