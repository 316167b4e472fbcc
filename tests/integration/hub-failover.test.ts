// The hub survives a node (docs/deployment.md, "The hub survives a node"). Three hub nodes from the
// generated configs, the registry twice with REGISTRY_REPLICAS=3 — each instance on its own node's
// loopback, as the shipped hub.env has it — and kiosk k1's leaf node, its link to the hub running
// through relays a test can cut. A client on k1 as the engine's user asks the registry exactly as
// the engine does (`requestJson`, unreachable → 3125) and retries as the product does: a 3125 is
// asked again, an acceptance with the same activation id (accept is idempotent).
//
// 1. Many activations in flight; the node holding the kiosk's link, one registry instance and the
//    leaders of the card bucket and the event stream (which holds the card records) is SIGKILLed
//    while accepts are in flight. Every acceptance the kiosk was told of is the card's record (its
//    last change message) with the time it was told, has exactly one `accepted` event, no event id
//    is stored twice, and each card's changes are numbered 1…n without a gap.
// 2. The killed node comes back; the instance stranded on it resumes; nothing is doubled.
// 3. The kiosk's link is cut: the kiosk's request gets 3125; when the network is back the same
//    request succeeds, nothing restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AcceptReplySchema,
  ContractError,
  JETSTREAM,
  registrySubjectFor,
  VerifyReplySchema,
} from '../../machines/contract/index.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { DEFAULT_EFFECT_TIMEOUTS } from '../../services/kiosk-engine/session-effects.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { eventOf, openSealed, sealedOf } from '../../services/registry/card-stream.ts';
import { RegistrySecrets } from '../../services/registry/registry-secrets.ts';
import { ADMIN_USER, ownInbox, PASSWORD_VARIABLES, REGISTRY_USER } from '../../deploy/production/nats-rules.ts';
import { type Site } from '../../deploy/production/nats-site.ts';
import { completeSecrets } from '../../deploy/production/make-kiosk-config.ts';
import { leafLinks, startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { hubNodesOnOneHost, kioskPartLogin, startHubNode, startKioskLeaf, type StartedHubNode } from '../support/deploy-sites.ts';
import { sampleCardRecord } from '../support/sample-cards.ts';
import { startCuttableLink, type CuttableLink } from '../support/cuttable-link.ts';
import { until as untilShared, type UntilOptions } from '../support/until.ts';

const until = <T>(probe: Parameters<typeof untilShared<T>>[0], what: string, options: UntilOptions = {}) =>
  untilShared(probe, what, { giveUpMs: 60_000, everyMs: 50, retryOnError: true, ...options });

const K1 = 'k1';
const USER_CODE = 'Fail$0ver';
const SERIAL = 'f00d';
/** Activations during the kill: enough that many are in flight on both instances when it lands. */
const CARDS = 36;
const IN_FLIGHT = 6;
/** The node is killed once this many acceptances are recorded and another is in flight. */
const KILL_AFTER = 12;
/** Instances share the key: a record hashed by one is checked by the other. */
const REGISTRY_KEY = Buffer.alloc(32, 7);
/** The address the hub nodes are known by (relays); they listen on 127.0.0.1. */
const ADVERTISED_HOST = '127.0.0.2';

/** The sample card, with this file's own serial and user code. */
const card = (cardNumber: string) => sampleCardRecord(cardNumber, { certSerial: SERIAL, userCode: USER_CODE });

const cardNumber = (index: number) => `HF${String(index).padStart(6, '0')}`;

/** A hub node as started, and the relay its leaf port is reached through. */
interface RelayedHubNode extends StartedHubNode {
  relay: CuttableLink;
}

/** What the kiosk was told about one activation. */
interface Told {
  cardNumber: string;
  activationId: string;
  acceptedAt: string;
  verifyTries: number;
  acceptTries: number;
  /** Every acceptedAt the kiosk received for it (retries after a lost reply included). */
  acceptedAts: string[];
}

describe('the hub survives a node: three nodes, two registry instances, a kiosk on a leaf', () => {
  let root: string;
  let site: Site;
  let secrets: Record<string, string>;
  const hubs: RelayedHubNode[] = [];
  const routeRelays: CuttableLink[] = [];
  let kiosk: ConfiguredServer;
  let engine: NatsConnection;
  const connections: NatsConnection[] = [];
  const registries: Array<{ instance: RunningRegistry; nc: NatsConnection; node: number; log: string[] }> = [];
  /** The node killed in the first test: the kiosk's link, instance 0, the stream leaders. */
  let victim = -1;
  const told: Told[] = [];

  const login = (user: string, variable: string) => ({ user, pass: secrets[variable]!, inboxPrefix: ownInbox(user) });
  const open = async (server: ConfiguredServer, as: { user: string; pass: string; inboxPrefix?: string }) => {
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true, ...as });
    connections.push(nc);
    return nc;
  };
  /** The hub node holding k1's link, among the running ones; undefined while there is none. */
  const linkedNode = async (): Promise<number | undefined> => {
    for (const [index, hub] of hubs.entries()) {
      if (hub.server.running() && (await leafLinks(hub.listen.monitorPort)).length > 0) return index;
    }
    return undefined;
  };
  const survivor = () => hubs.findIndex((hub, index) => index !== victim && hub.server.running());
  /** The registry user on a running node, for reading the records the way an auditor would. */
  let auditor: NatsConnection;

  /** The engine's registry request: verify then accept, each asked again after 3125 only. */
  const ask = <S extends typeof VerifyReplySchema | typeof AcceptReplySchema>(endpoint: 'verify' | 'accept', body: unknown, schema: S) =>
    requestJson(engine, registrySubjectFor(endpoint, K1), body, schema, { timeout: DEFAULT_EFFECT_TIMEOUTS.registryMs, unreachable: '3125' });
  const retryOn3125 = async <T>(request: () => Promise<T>, what: string): Promise<{ value: T; tries: number }> => {
    let tries = 0;
    const value = await until(
      async () => {
        tries++;
        try {
          return await request();
        } catch (error) {
          if (error instanceof ContractError && error.code === '3125') return undefined;
          throw error;
        }
      },
      what,
      { retryOnError: false, everyMs: 100, giveUpMs: 120_000 },
    );
    return { value, tries };
  };

  const streamLeader = async (stream: string) => (await (await jetstreamManager(auditor)).streams.info(stream)).cluster?.leader;
  /** Moves a stream's leader until it sits on `node` (a step-down elects a random follower). */
  const leadFrom = async (stream: string, node: number) => {
    const name = site.hub.nodes[node]!.name;
    await until(async () => {
      const info = await (await jetstreamManager(auditor)).streams.info(stream);
      if (info.cluster?.leader === name) return true;
      if ((info.cluster?.replicas ?? []).filter((replica) => replica.current).length === 2 && info.cluster?.leader !== undefined) {
        await auditor.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 2_000 });
      }
      return undefined;
    }, `the leader of ${stream} on ${name}`);
  };
  /** Every R3 stream of the registry with its leader and two current followers. */
  const replicasCurrent = async () => {
    const jsm = await jetstreamManager(auditor);
    for (const stream of [JETSTREAM.registryEventsStream, `KV_${JETSTREAM.registryCardsBucket}`, `KV_${JETSTREAM.registryActivationsBucket}`]) {
      const info = await jsm.streams.info(stream);
      expect(info.config.num_replicas).toBe(3);
      const current = (info.cluster?.replicas ?? []).filter((replica) => replica.current && !replica.offline);
      if (info.cluster?.leader === undefined || current.length !== 2) return undefined;
    }
    return true;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hub-failover-'));
    // Each node listens on 127.0.0.1 and is known to the others and to k1 as 127.0.0.2, where a
    // relay stands per port: routes through one never cut, k1's link through one a test can cut.
    // The node advertises its 127.0.0.2 leaf address to the leaf, so a relinking kiosk stays behind
    // the relays too.
    const nodes = await hubNodesOnOneHost(['hub-1', 'hub-2', 'hub-3'], ADVERTISED_HOST);
    site = { hub: { cluster: 'failover', nodes }, kiosks: [K1], staffDesks: [], lab: true };
    secrets = completeSecrets(site, {});
    const at = { root, site, secrets };
    for (const node of nodes) {
      const relayed = (port: number) => startCuttableLink({ host: '127.0.0.1', port }, { host: ADVERTISED_HOST, port });
      routeRelays.push(await relayed(node.clusterPort));
      const relay = await relayed(node.leafPort);
      hubs.push({ ...(await startHubNode(at, node)), relay });
    }
    kiosk = (await startKioskLeaf(at, K1)).server;
    victim = await until(linkedNode, 'k1 linked to a hub node');

    // Instance 0 on the node holding the link (the one to be killed), instance 1 on the next.
    auditor = await open(hubs[(victim + 2) % 3]!.server, login(REGISTRY_USER, PASSWORD_VARIABLES.registry));
    for (const node of [victim, (victim + 1) % 3]) {
      const nc = await open(hubs[node]!.server, login(REGISTRY_USER, PASSWORD_VARIABLES.registry));
      const log: string[] = [];
      // The first start creates the R3 stream and buckets once the cluster has elected its meta leader.
      const instance = await until(
        () =>
          startRegistry({
            nc,
            dataDir: join(root, 'registry'),
            secretKey: REGISTRY_KEY,
            replicas: 3,
            scryptCost: { N: 1024, r: 8, p: 1 },
            // One kiosk id runs six activations at once here, which no real kiosk does (it has one
            // card slot), and retries each after every 3125: room for the failover under test, not
            // the per-kiosk limit (a verify whose instance is SIGKILLed keeps its token: the refund
            // never runs; docs/registry.md).
            kioskRateLimit: { burst: 100, perMinute: 100, maxInFlightPerKiosk: IN_FLIGHT * 2 },
            log: (line) => log.push(line),
          }),
        `registry instance on ${site.hub.nodes[node]!.name} started`,
      );
      registries.push({ instance, nc, node, log });
    }
    await until(replicasCurrent, 'the registry\'s stream and buckets on three nodes, followers current');
    // The worst node to lose: it also leads the card bucket and the event stream.
    await leadFrom(`KV_${JETSTREAM.registryCardsBucket}`, victim);
    await leadFrom(JETSTREAM.registryEventsStream, victim);

    const admin = await open(hubs[(victim + 1) % 3]!.server, login(ADMIN_USER, PASSWORD_VARIABLES.admin));
    const imported = await importCards(admin, Array.from({ length: CARDS + 1 }, (_, index) => card(cardNumber(index))));
    expect(imported.every((result) => result.outcome === 'created')).toBe(true);

    // The engine's user on k1's own server (docs/deployment.md).
    engine = await open(kiosk, kioskPartLogin({ secrets }, K1, 'engine'));
    await until(() => ask('verify', { cardNumber: cardNumber(CARDS), certSerial: SERIAL, kioskId: K1, route: 'self-applied', userCode: USER_CODE }, VerifyReplySchema), 'k1 served by the registry');
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(registries.map(({ instance }) => instance.stop()));
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await kiosk?.stop();
    for (const hub of hubs) {
      await hub.server.stop();
      await hub.relay.close();
    }
    for (const relay of routeRelays) await relay.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('a node SIGKILLed in the middle of accepts loses no acceptance and doubles no event', async () => {
    const victimName = site.hub.nodes[victim]!.name;
    const leaders = { cards: await streamLeader(`KV_${JETSTREAM.registryCardsBucket}`), events: await streamLeader(JETSTREAM.registryEventsStream) };
    expect(leaders).toEqual({ cards: victimName, events: victimName });

    const startedAt = performance.now();
    let acceptsInFlight = 0;
    let killedAt = 0;
    let inFlightAtKill = 0;
    const toldAt: number[] = [];
    const queue = Array.from({ length: CARDS }, (_, index) => cardNumber(index));

    const activate = async (number: string) => {
      const verify = await retryOn3125(
        () => ask('verify', { cardNumber: number, certSerial: SERIAL, kioskId: K1, route: 'self-applied', userCode: USER_CODE }, VerifyReplySchema),
        `verify ${number}`,
      );
      const acceptedAts: string[] = [];
      const accept = await retryOn3125(async () => {
        acceptsInFlight++;
        try {
          const reply = await ask('accept', { activationId: verify.value.activationId }, AcceptReplySchema);
          acceptedAts.push(reply.acceptedAt);
          return reply;
        } finally {
          acceptsInFlight--;
        }
      }, `accept ${number}`);
      toldAt.push(performance.now());
      told.push({
        cardNumber: number,
        activationId: verify.value.activationId,
        acceptedAt: accept.value.acceptedAt,
        verifyTries: verify.tries,
        acceptTries: accept.tries,
        acceptedAts,
      });
    };
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await activate(next);
    };
    const kill = async () => {
      await until(() => told.length >= KILL_AFTER && acceptsInFlight > 0, 'accepts in flight after the first acceptances', { everyMs: 1 });
      inFlightAtKill = acceptsInFlight;
      process.kill(hubs[victim]!.server.pid, 'SIGKILL');
      killedAt = performance.now();
      await until(() => !hubs[victim]!.server.running() || undefined, `${victimName} gone`);
      const relinked = await until(linkedNode, 'k1 linked to a surviving node');
      return { relinked, relinkMs: performance.now() - killedAt };
    };
    // On a failure the other workers stop taking cards and are waited for, so that nothing of this
    // test is still writing while the next one reads the records.
    const linking = kill();
    const workers = Array.from({ length: IN_FLIGHT }, worker);
    const [link] = await Promise.all([linking, ...workers]).catch(async (error: unknown) => {
      queue.length = 0;
      await Promise.allSettled([linking, ...workers]);
      throw error;
    });

    expect(link.relinked).not.toBe(victim);
    const firstToldAfter = toldAt.filter((at) => at > killedAt).sort((a, b) => a - b)[0];
    const retried = told.filter((activation) => activation.verifyTries > 1 || activation.acceptTries > 1);
    const newLeaders = {
      cards: await until(() => streamLeader(`KV_${JETSTREAM.registryCardsBucket}`), 'a new leader of the cards'),
      events: await until(() => streamLeader(JETSTREAM.registryEventsStream), 'a new leader of the events'),
    };
    console.log(
      [
        `hub failover: SIGKILL of ${victimName} (k1's link, registry instance 0, leader of KV_ra_cards and RA_EVENTS) with ${inFlightAtKill} accept(s) in flight and ${told.length >= KILL_AFTER ? KILL_AFTER : told.length}+ recorded`,
        `  k1 relinked to ${site.hub.nodes[link.relinked]!.name} after ${link.relinkMs.toFixed(0)} ms; leaders now ${JSON.stringify(newLeaders)}`,
        `  first acceptance told to the kiosk after the kill: ${firstToldAfter === undefined ? 'none' : `${(firstToldAfter - killedAt).toFixed(0)} ms`}`,
        `  activations asked again after 3125: ${retried.length} (${retried.map((a) => `${a.cardNumber} verify×${a.verifyTries} accept×${a.acceptTries}`).join(', ')})`,
        `  requests answered per instance: ${registries.map(({ log }) => log.length).join(' / ')}`,
      ].join('\n'),
    );

    // Every activation ended with the kiosk told "accepted": the product's retries carried them all.
    expect(told).toHaveLength(CARDS);
    const checkedFrom = performance.now();
    try {
      await expectRecordsMatchTold();
    } finally {
      console.log(`hub failover: records checked in ${(performance.now() - checkedFrom).toFixed(0)} ms, the activations took ${(checkedFrom - startedAt).toFixed(0)} ms`);
    }
  }, 240_000);

  it('the killed node comes back and catches up; the instance stranded on it serves again; nothing is doubled', async () => {
    const hub = hubs[victim]!;
    const startedAt = performance.now();
    hub.server = await startConfiguredServer({ dir: hub.server.dir, clientPort: hub.listen.clientPort, ...hub.files });
    await until(replicasCurrent, 'three current replicas again');
    const stranded = registries[0]!;
    await until(async () => ((await stranded.nc.rtt()) >= 0 ? true : undefined), 'instance 0 reconnected to its node');
    console.log(`hub failover: ${site.hub.nodes[victim]!.name} restarted, caught up and instance 0 reconnected in ${(performance.now() - startedAt).toFixed(0)} ms`);
    // Anything instance 0 had buffered for the dead node reached JetStream on reconnect: still one
    // acceptance and one event each.
    await expectRecordsMatchTold();
  }, 120_000);

  it('a kiosk cut from the hub gets 3125, and is served again by itself when the network is back', async () => {
    const kioskPid = kiosk.pid;
    const number = cardNumber(CARDS);
    const body = { cardNumber: number, certSerial: SERIAL, kioskId: K1, route: 'self-applied', userCode: USER_CODE };
    for (const hub of hubs) hub.relay.cut();
    await until(async () => ((await linkedNode()) === undefined ? true : undefined), 'no hub node holds k1\'s link').catch(async (error) => {
      for (const hub of hubs) console.log(hub.server.running(), JSON.stringify(await leafLinks(hub.listen.monitorPort)));
      throw error;
    });
    const unreachable = await ask('verify', body, VerifyReplySchema).then(
      () => 'answered',
      (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
    );
    expect(unreachable).toBe('3125');

    for (const hub of hubs) hub.relay.restore();
    const restoredAt = performance.now();
    const verify = await retryOn3125(() => ask('verify', body, VerifyReplySchema), 'verify after the network is back');
    const served = performance.now() - restoredAt;
    const accepted = await retryOn3125(() => ask('accept', { activationId: verify.value.activationId }, AcceptReplySchema), 'accept after the network is back');
    console.log(`hub failover: k1 cut from the hub answered 3125; served again ${served.toFixed(0)} ms after the network came back (${verify.tries} tries)`);
    expect(accepted.value.acceptedAt).toMatch(/^\d{4}-/);
    // Nothing was restarted: the same kiosk server, engine connection and registry instances.
    expect(kiosk.running() && kiosk.pid === kioskPid).toBe(true);
    expect(engine.isClosed()).toBe(false);
    expect(registries.map(({ instance }) => instance.id)).toHaveLength(2);
  }, 120_000);

  /** Every message of a stream, read until the count matches what its leader says it holds. */
  async function readWhole(stream: string, filter: string) {
    return until(async () => {
      const held = (await (await jetstreamManager(auditor)).streams.info(stream)).state.messages;
      const read = await readAll(jetstream(auditor), stream, filter);
      return read.length === held ? read : undefined;
    }, `all of ${stream} read`);
  }

  /**
   * The records as an auditor reads them, against what the kiosk was told: the acceptance and its
   * one event per activation first, then every change of each record with its event (the changes
   * without one are listed together, so a failure names them all).
   */
  async function expectRecordsMatchTold(): Promise<void> {
    auditor = await open(hubs[survivor()]!.server, login(REGISTRY_USER, PASSWORD_VARIABLES.registry));
    const messages = await readWhole(JETSTREAM.registryEventsStream, 'ra.events.>');
    const events = messages.map((msg) => eventOf(msg.data));
    const ids = events.map((event) => event.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index), 'event ids stored twice').toEqual([]);
    const secrets = new RegistrySecrets(REGISTRY_KEY);
    const gaps: string[] = [];
    for (const activation of told) {
      // The kiosk heard one acceptance time, however often it asked.
      expect(new Set(activation.acceptedAts), `${activation.cardNumber}: acceptedAt told`).toEqual(new Set([activation.acceptedAt]));
      const changes = messages.filter((msg) => msg.subject === JETSTREAM.registryCardSubject(activation.cardNumber));
      const last = changes.at(-1)!;
      const record = openSealed(secrets, activation.cardNumber, sealedOf(activation.cardNumber, last.data));
      expect({ card: activation.cardNumber, status: record.status, at: record.accepted?.at }).toEqual({
        card: activation.cardNumber,
        status: 'accepted',
        at: activation.acceptedAt,
      });
      const own = events.filter((event) => event.cardNumber === activation.cardNumber);
      expect(own.filter((event) => event.type === 'accepted').map((event) => event.id), `${activation.cardNumber}: accepted events`).toEqual([
        `${activation.cardNumber}-${record.accepted?.seq}`,
      ]);
      // Each change is one message, event and record: numbered 1…n, the last one the record's.
      const numbered = own.map((event) => event.id);
      const expected = Array.from({ length: record.seq }, (_, index) => `${activation.cardNumber}-${index + 1}`);
      if (JSON.stringify(numbered) !== JSON.stringify(expected)) gaps.push(`${activation.cardNumber}: ${numbered.join(' ')} (record at change ${record.seq}); verify asked ${activation.verifyTries}×`);
    }
    expect(gaps, 'cards whose changes are not numbered 1…n up to their record').toEqual([]);
  }
});
