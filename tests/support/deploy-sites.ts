// A production site (deploy/production) started on one machine for the deploy tests: every hub node,
// kiosk and staff desk runs the real nats-server on the files make-kiosk-config.ts writes for it
// (`hubNodeFiles`, `kioskFiles`, `staffDeskFiles`), moved to free loopback ports, with its
// JetStream store and TLS directory under the test's temp dir. The caller stops what it started.
import { join } from 'node:path';
import { hubNodeFiles, kioskFiles, kioskLogin, staffDeskFiles, type MachineFiles } from '../../deploy/production/make-kiosk-config.ts';
import { hubUsers, kioskLocalUsers, ownInbox, PASSWORD_VARIABLES, type KioskLocalUser, type NatsUser } from '../../deploy/production/nats-rules.ts';
import { type HubListen, type HubNode, type Site } from '../../deploy/production/nats-site.ts';
import { type SiteSecrets } from '../../deploy/production/nats-config.ts';
import { startConfiguredServer, type ConfiguredServer } from '../../deploy/production/nats-process.ts';
import { freePort } from '../../platform/nats-server.ts';

/** The site being rehearsed: its temp dir, its site file and the secrets generated for it. */
export interface LoopbackSite {
  root: string;
  site: Site;
  secrets: SiteSecrets;
}

/** Connect options of a part (default the engine) or the page of kiosk `kioskId`, as production logs it in. */
export function kioskPartLogin(at: Pick<LoopbackSite, 'secrets'>, kioskId: string, part: KioskLocalUser = 'engine') {
  const login = kioskLogin(kioskId, part, at.secrets);
  return { user: login.user, pass: login.password, inboxPrefix: login.inboxPrefix };
}

/** Connect options of a hub user with a password (registry, staff, admin), with its own inbox prefix. */
export function hubLogin(at: Pick<LoopbackSite, 'secrets'>, user: keyof typeof PASSWORD_VARIABLES) {
  const pass = at.secrets[PASSWORD_VARIABLES[user]];
  if (pass === undefined) throw new Error(`no secret for ${user}`);
  return { user, pass, inboxPrefix: ownInbox(user) };
}

/** Where every machine of the site looks for its certificates. */
export const tlsDirOf = (root: string) => join(root, 'tls');

/**
 * A user with no restrictions that only tests add to a server, so that "never arrives" is checked
 * against everything the server carries, not just against what a restricted user may see.
 */
export const OBSERVER: NatsUser = {
  user: 'observer',
  passwordVariable: 'OBSERVER_PASSWORD',
  connectionTypes: ['STANDARD'],
  note: 'test only: sees everything this server carries',
};

/** The machine's files with the observer added: its user, and its password in the secrets include. */
function withObserver(files: MachineFiles, include: string, password: string | undefined): MachineFiles {
  if (password === undefined) return files;
  return { ...files, includes: { ...files.includes, [include]: `${files.includes[include]}${OBSERVER.passwordVariable}: "${password}"\n` } };
}

/** Hub nodes sharing one host (a rehearsal): each with its own cluster and leaf port, so the others and the kiosks find it. */
export async function hubNodesOnOneHost(names: readonly string[], host = '127.0.0.1'): Promise<Array<Required<HubNode>>> {
  const nodes: Array<Required<HubNode>> = [];
  for (const name of names) nodes.push({ name, host, clusterPort: await freePort(), leafPort: await freePort() });
  return nodes;
}

/** A hub node's listen settings on loopback: free ports, except the cluster and leaf ports the site names for it. */
export async function loopbackHubListen(root: string, node: HubNode): Promise<HubListen> {
  return {
    clientPort: await freePort(),
    clusterPort: node.clusterPort ?? (await freePort()),
    leafPort: node.leafPort ?? (await freePort()),
    monitorPort: await freePort(),
    listenHost: '127.0.0.1',
    storeDir: join(root, node.name, 'jetstream'),
    tlsDir: tlsDirOf(root),
  };
}

export interface StartedHubNode {
  server: ConfiguredServer;
  listen: HubListen;
  /** What it was started on, to start it again the same way. */
  files: MachineFiles;
}

/** Starts a hub node in `root/<node name>`; `observerPassword` adds the observer. */
export async function startHubNode(
  at: LoopbackSite,
  node: HubNode,
  options: { listen?: HubListen; observerPassword?: string } = {},
): Promise<StartedHubNode> {
  const listen = options.listen ?? (await loopbackHubListen(at.root, node));
  const users = options.observerPassword === undefined ? undefined : [...hubUsers(at.site), OBSERVER];
  const files = withObserver(hubNodeFiles(at.site, node, at.secrets, { listen, users }), 'secrets.conf', options.observerPassword);
  const server = await startConfiguredServer({ dir: join(at.root, node.name), clientPort: listen.clientPort, ...files });
  return { server, listen, files };
}

export interface StartedLeaf {
  server: ConfiguredServer;
  websocketPort: number;
  /** What it was started on: its config and its hub link. */
  files: MachineFiles;
}

/**
 * Starts kiosk `kioskId`'s box in `dir` (default `root/<kioskId>`), linking to the hub listening as
 * `hub`. `tlsDir` stands for a box holding other certificates than the site's; `uiPort` is the UI
 * server's port, whose page origin the websocket accepts (default 8080).
 */
export async function startKioskLeaf(
  at: LoopbackSite,
  kioskId: string,
  options: { hub?: HubListen; dir?: string; tlsDir?: string; observerPassword?: string; uiPort?: number } = {},
): Promise<StartedLeaf> {
  const dir = options.dir ?? join(at.root, kioskId);
  const listen = {
    clientPort: await freePort(),
    websocketPort: await freePort(),
    ...(options.uiPort === undefined ? {} : { uiPort: options.uiPort }),
    monitorPort: 0,
    storeDir: join(dir, 'jetstream'),
    tlsDir: options.tlsDir ?? tlsDirOf(at.root),
  };
  const users = options.observerPassword === undefined ? undefined : [...kioskLocalUsers(kioskId), OBSERVER];
  const files = withObserver(kioskFiles(at.site, kioskId, at.secrets, { listen, hub: options.hub, users }), 'hub-link.conf', options.observerPassword);
  const server = await startConfiguredServer({ dir, clientPort: listen.clientPort, ...files });
  return { server, websocketPort: listen.websocketPort, files };
}

/** Starts staff desk `desk`'s server in `root/<desk>`, linking to the hub listening as `hub`. */
export async function startStaffDesk(at: LoopbackSite, desk: string, options: { hub?: HubListen } = {}): Promise<StartedLeaf> {
  const listen = { clientPort: await freePort(), websocketPort: await freePort(), monitorPort: 0, tlsDir: tlsDirOf(at.root) };
  const files = staffDeskFiles(at.site, desk, at.secrets, { listen, hub: options.hub });
  const server = await startConfiguredServer({ dir: join(at.root, desk), clientPort: listen.clientPort, ...files });
  return { server, websocketPort: listen.websocketPort, files };
}
