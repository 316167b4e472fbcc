// The rehearsal's first steps: from a clone to a running site, each step one thing an operator does
// (docs/deployment.md, in its order). Every step returns a short detail for its line.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { connectNats, type NatsConnection } from '../../platform/nats-runtime.ts';
import { ADMIN_USER, ownInbox, PASSWORD_VARIABLES } from '../production/nats-rules.ts';
import { recordProcess, startGroup, type RunState } from './host.ts';
import { inBox, startPart, type Box } from './boxes.ts';
import { startBoxRelay, startLocalRelay } from './relay.ts';
import { buildRelease, installBox, installDeskLogins, layOutSite, siteKeys, UNITS, type RunningSite, type SiteShape } from './site.ts';
import { get, until } from './wait.ts';
import type { Server } from 'node:net';

/** Ports a box serves on its own loopback that the harness reaches through relays. */
const RELAYED = { hub: [4222, 8222], kiosk: [4222, 8080, 8222], desk: [4222, 8080, 8222] } as const;

export interface Harness extends RunningSite {
  root: string;
  /** `<box>:<port>` → the loopback port of this machine that reaches it. */
  local: Record<string, number>;
  servers: Server[];
  keys: { registryKey: string; staffTokenKey: string; staffTokenPublicKey: string };
  /** Open connections, closed at the end. */
  connections: NatsConnection[];
}

export const localPort = (h: Harness, box: string, port: number) => {
  const found = h.local[`${box}:${port}`];
  if (found === undefined) throw new Error(`no relay to ${box}:${port}`);
  return found;
};

export async function monitor<T>(h: Harness, box: string, path: string): Promise<T> {
  const response = await get(`http://127.0.0.1:${localPort(h, box, 8222)}${path}`);
  return (await response.json()) as T;
}

/** A NATS connection to a hub node's client port as `user` (admin, staff, registry …). */
export async function hubClient(h: Harness, box: string, user: string, passwordVariable: string): Promise<NatsConnection> {
  const nc = await connectNats({ servers: `127.0.0.1:${localPort(h, box, 4222)}`, user, pass: h.secrets[passwordVariable], inboxPrefix: ownInbox(user), name: `site-rehearsal-${user}`, maxReconnectAttempts: -1 });
  h.connections.push(nc);
  return nc;
}

export const adminClient = (h: Harness, box = 'hub-1') => hubClient(h, box, ADMIN_USER, PASSWORD_VARIABLES.admin);

export async function stepRelease(state: RunState, root: string): Promise<{ releaseDir: string; detail: string }> {
  const release = await buildRelease(state, root);
  return { releaseDir: release.dir, detail: `dist/ and ${release.packages} production packages` };
}

export async function stepLayOut(state: RunState, root: string, shape: SiteShape, releaseDir: string): Promise<{ harness: Harness; detail: string }> {
  const laidOut = await layOutSite(state, root, shape);
  const keys = await siteKeys(state);
  const harness: Harness = { ...laidOut, releaseDir, parts: {}, staffTokenPublicKey: keys.staffTokenPublicKey, root, local: {}, servers: [], keys, connections: [] };
  const boxes = laidOut.boxes.map((box) => `${box.name} ${box.address}`).join(', ');
  return { harness, detail: `${laidOut.network.subnet}.0/24 inside the run's namespaces: ${boxes}; ${laidOut.boxes.length} certificates from the site CA` };
}

async function relays(h: Harness, box: Box): Promise<void> {
  for (const port of RELAYED[box.kind]) {
    const socket = await startBoxRelay(h.state, box, port);
    const local = await startLocalRelay(h.state, box, socket, port);
    await until(async () => (await readFile(join(box.root, 'log', `local-relay-${port}.log`), 'utf8')).includes('listening'), `the relay to ${box.name}:${port}`);
    h.local[`${box.name}:${port}`] = local;
  }
}

export async function startUnits(h: Harness, box: Box, units: readonly string[]): Promise<void> {
  for (const unit of units) {
    const started = await startPart(h.state, box, h.releaseDir, unit);
    (h.parts[box.name] ??= []).push(started);
  }
}

export async function stepHubNodes(h: Harness): Promise<string> {
  const hubs = h.boxes.filter((box) => box.kind === 'hub');
  for (const box of hubs) {
    await installBox(h, box, h.keys);
    await startUnits(h, box, ['kiosk-nats.service']);
    await relays(h, box);
  }
  for (const box of hubs) {
    await until(async () => (await monitor<{ num_routes: number }>(h, box.name, '/routez')).num_routes >= hubs.length - 1, `${box.name}: routes to the other nodes`);
  }
  const leader = await until(async () => (await monitor<{ meta_cluster?: { leader?: string } }>(h, 'hub-1', '/jsz')).meta_cluster?.leader, 'a JetStream meta leader');
  return `${hubs.length} nodes, routes over mutual TLS, meta leader ${leader}`;
}

export async function stepHubParts(h: Harness): Promise<string> {
  const hubs = h.boxes.filter((box) => box.kind === 'hub');
  for (const box of hubs) await startUnits(h, box, UNITS.hub.slice(1));
  const admin = await adminClient(h);
  await until(async () => {
    const answers: string[] = [];
    for await (const msg of await admin.requestMany('$SRV.PING.registry', '', { maxWait: 1_000 })) answers.push(msg.string());
    return answers.length >= hubs.length;
  }, 'a registry instance answering on every node');
  const users = [...new Set(hubs.flatMap((box) => (h.parts[box.name] ?? []).map((part) => `${part.unit.replace(/^kiosk-|\.service$/g, '')}=${part.user}`)))];
  return `registry and staff-auth on ${hubs.length} nodes as ${users.join(', ')}`;
}

/** pcscd on a kiosk box, as Debian's pcscd.socket runs it (root), with the vpcd reader the package configures. */
async function startPcscd(h: Harness, box: Box): Promise<void> {
  const [binary, ...args] = inBox(box, h.releaseDir, 'exec /usr/sbin/pcscd -f');
  const pid = await startGroup(binary!, args, join(box.root, 'log', 'pcscd.log'));
  await recordProcess(h.state, pid, box.name, `${box.name}/pcscd`);
}

export async function stepKiosks(h: Harness, kioskEnv: (box: Box) => Record<string, string>): Promise<string> {
  const kiosks = h.boxes.filter((box) => box.kind === 'kiosk');
  for (const box of kiosks) {
    await installBox(h, box, h.keys, kioskEnv(box));
    await startPcscd(h, box);
    await startUnits(h, box, UNITS.kiosk);
    await relays(h, box);
  }
  for (const box of kiosks) {
    await until(async () => (await get(`http://127.0.0.1:${localPort(h, box.name, 8080)}/healthz`)).status === 200, `${box.name}: /healthz 200 (every part and the registry through the link)`);
  }
  return `${kiosks.length} kiosks: nats-server linked by certificate, pcscd, card agent, engine, UI; /healthz 200`;
}

export async function stepDesks(h: Harness): Promise<string> {
  const desks = h.boxes.filter((box) => box.kind === 'desk');
  for (const box of desks) {
    await installBox(h, box, h.keys);
    await startUnits(h, box, ['kiosk-nats.service']);
    await installDeskLogins(h, box);
    await startUnits(h, box, ['kiosk-ui.service']);
    await relays(h, box);
  }
  for (const box of desks) {
    await until(async () => (await get(`http://127.0.0.1:${localPort(h, box.name, 8080)}/staff`)).status === 200, `${box.name}: the staff page served`);
  }
  let links = 0;
  for (const hub of h.boxes.filter((box) => box.kind === 'hub')) links += (await monitor<{ leafs: unknown[] | null }>(h, hub.name, '/leafz')).leafs?.length ?? 0;
  return `${desks.length} desk: nats-server linked, UI serving /staff; the hub holds ${links} leaf links`;
}

/** The public key a kiosk's card agent made and logged (`agentPublicKey`), for the operator's enroll-agent. */
export async function agentPublicKey(h: Harness, box: Box): Promise<string> {
  const part = (h.parts[box.name] ?? []).find((p) => p.unit === 'kiosk-card-agent.service');
  if (part === undefined) throw new Error(`${box.name}: no card agent`);
  return until(async () => /"agentPublicKey":"([^"]+)"/.exec(await readFile(part.log, 'utf8'))?.[1], `${box.name}: the card agent's public key in its log`);
}
