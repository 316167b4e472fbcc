// The hub as a cluster: three nodes from the generated configs (one host, so each node has its own
// ports), routes authenticated with the route password, JetStream across the three. A kiosk's
// leaf link lands on one node; the registry may run on another; when the kiosk's node stops, the
// kiosk links to a surviving one and is served again, and an R3 stream keeps its messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { freePort } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import type { HubListen, Site } from '../../deploy/production/nats-site.ts';
import { completeSecrets } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { hubLogin, hubNodesOnOneHost, kioskPartLogin, loopbackHubListen, startHubNode, startKioskLeaf, type LoopbackSite, type StartedHubNode } from '../support/deploy-sites.ts';
import { until as untilShared } from '../support/until.ts';

const until = <T>(probe: Parameters<typeof untilShared<T>>[0], what: string) => untilShared(probe, what, { giveUpMs: 60_000, everyMs: 50, retryOnError: true });



describe('the hub as a three-node cluster (deploy/production hub configs)', () => {
  let root: string;
  let site: Site;
  const hubs: StartedHubNode[] = [];
  let kiosk: ConfiguredServer;
  const connections: NatsConnection[] = [];

  let at: LoopbackSite;
  /** On the kiosk, clients log in as its engine; on a hub node, as the registry. */
  const open = async (server: ConfiguredServer) => {
    const login = server === kiosk ? kioskPartLogin(at, 'k1') : hubLogin(at, 'registry');
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200, ...login });
    connections.push(nc);
    return nc;
  };
  /** The index of the hub node holding k1's link, once there is one. */
  const linkNode = () =>
    until(async () => {
      for (const [index, hub] of hubs.entries()) {
        if (hub.server.running() && (await leafLinks(hub.listen.monitorPort)).length > 0) return index;
      }
      return undefined;
    }, 'k1 linked to a hub node');

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-cluster-'));
    const nodes = await hubNodesOnOneHost(['hub-1', 'hub-2', 'hub-3']);
    site = { hub: { cluster: 'test-cluster', nodes }, kiosks: ['k1'], staffDesks: [], lab: true };
    at = { root, site, secrets: completeSecrets(site, {}) };
    const listens: HubListen[] = [];
    for (const node of nodes) listens.push(await loopbackHubListen(root, node));
    // Every node that started is kept for afterAll to stop, also when another did not start.
    const started = await Promise.allSettled(nodes.map((node, index) => startHubNode(at, node, { listen: listens[index] })));
    for (const node of started) if (node.status === 'fulfilled') hubs.push(node.value);
    const failed = started.find((node) => node.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    kiosk = (await startKioskLeaf(at, 'k1', { hub: listens[0] })).server;
  });

  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await kiosk?.stop();
    for (const hub of hubs) await hub.server.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('routes authenticate and JetStream spans the three nodes: an R3 stream has two followers', async () => {
    for (const hub of hubs) {
      await until(async () => {
        const routez = (await (await fetch(`http://127.0.0.1:${hub.listen.monitorPort}/routez`)).json()) as { num_routes: number };
        return routez.num_routes >= 2 || undefined;
      }, 'two routes on every node');
    }
    // As the registry: no credentials on the node's loopback port.
    const registry = await open(hubs[0]!.server);
    const jsm = await until(() => jetstreamManager(registry), 'JetStream ready (a meta leader elected)');
    const info = await until(
      () => jsm.streams.add({ name: 'RA_PROBE', subjects: ['ra.events.probe.>'], num_replicas: 3 }),
      'an R3 stream created once the meta leader is elected',
    );
    expect(info.config.num_replicas).toBe(3);
    const settled = await until(async () => {
      const current = await jsm.streams.info('RA_PROBE');
      return (current.cluster?.replicas ?? []).length === 2 ? current : undefined;
    }, 'two followers');
    expect(settled.cluster?.name).toBe('test-cluster');
    const ack = await jetstream(registry).publish('ra.events.probe.one', encodeJson({ n: 1 }));
    expect(ack.stream).toBe('RA_PROBE');

    // A server that knows where the cluster listens but not the route password does not join.
    const strangerPort = await freePort();
    const stranger = await startConfiguredServer({
      dir: join(root, 'stranger'),
      config: `host: "127.0.0.1"\nport: ${strangerPort}\ncluster { name: "test-cluster", host: "127.0.0.1", port: ${await freePort()}, routes: ["nats-route://127.0.0.1:${site.hub.nodes[0]!.clusterPort}"] }\n`,
      clientPort: strangerPort,
    });
    try {
      await until(async () => ((await readFile(stranger.logFile, 'utf8')).includes('Authorization Violation') ? true : undefined), 'the stranger refused');
      const routez = (await (await fetch(`http://127.0.0.1:${hubs[0]!.listen.monitorPort}/routez`)).json()) as { num_routes: number };
      expect(routez.num_routes).toBe(2);
    } finally {
      await stranger.stop();
    }
  });

  it('a kiosk linked to one node reaches a registry instance on another', async () => {
    const linked = await linkNode();
    const other = hubs[(linked + 1) % 3]!;
    const registry = await open(other.server);
    registry.subscribe('ra.activation.verify.*', {
      queue: 'registry',
      callback: (_error, msg) => {
        msg.respond(encodeJson({ node: (linked + 1) % 3 }));
      },
    });
    await registry.flush();
    const parts = await open(kiosk);
    const reply = await until(() => parts.request('ra.activation.verify.k1', encodeJson({}), { timeout: 500 }), 'an answer across the cluster');
    expect(reply.json()).toEqual({ node: (linked + 1) % 3 });
  });

  it('when the kiosk\'s node stops, the kiosk links to a surviving node, is served again, and the R3 stream keeps its message', async () => {
    const linked = await linkNode();
    const survivor = hubs[(linked + 1) % 3]!;
    const registry = await open(survivor.server);
    registry.subscribe('ra.activation.identify.*', {
      queue: 'registry',
      callback: (_error, msg) => {
        msg.respond(encodeJson({ served: true }));
      },
    });
    await registry.flush();
    await hubs[linked]!.server.stop();

    const relinked = await linkNode();
    expect(relinked).not.toBe(linked);
    const parts = await open(kiosk);
    const reply = await until(() => parts.request('ra.activation.identify.k1', encodeJson({}), { timeout: 500 }), 'an answer after failover');
    expect(reply.json()).toEqual({ served: true });

    const survivorNc = await open(survivor.server);
    const info = await until(async () => (await jetstreamManager(survivorNc)).streams.info('RA_PROBE'), 'the stream answering with one node down');
    expect(info.state.messages).toBe(1);
  });
});
