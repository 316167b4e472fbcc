// Bringing up a rehearsed site, in the order docs/deployment.md gives an operator: the release,
// the site file, the generated configs (make-kiosk-config.ts, the operator's own command), the
// site CA and certificates (openssl), then every box: its files installed where the units read
// them, its users, its nats-server, then its parts, each from its unit.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kioskCertificateName, deskCertificateName } from '../production/nats-rules.ts';
import { PRODUCTION_DIR } from '../production/make-kiosk-config.ts';
import type { Site } from '../production/nats-site.ts';
import { copyToBox, prepareBox, RELEASE_PATH, runInBox, startPart, writeOnBox, type Box, type StartedPart } from './boxes.ts';
import { makeSiteCertificates } from './certificates.ts';
import { createBox, createSwitch, ensureUser, run, saveState, type Network, type RunState } from './host.ts';
import { makeRelease } from './release.ts';
import type { COMMANDS } from '../build.ts';
import { parseEnvironmentFile } from './unit-file.ts';

export interface SiteShape {
  hubNodes: number;
  kiosks: number;
  desks: number;
}

export const FULL_SITE: SiteShape = { hubNodes: 3, kiosks: 2, desks: 1 };
export const REDUCED_SITE: SiteShape = { hubNodes: 3, kiosks: 1, desks: 1 };

/** The units each kind of box runs, in start order (docs/deployment.md, "Every machine"). */
export const UNITS = {
  hub: ['kiosk-nats.service', 'kiosk-registry.service', 'kiosk-staff-auth.service'],
  kiosk: ['kiosk-nats.service', 'kiosk-card-agent.service', 'kiosk-engine.service', 'kiosk-ui.service'],
  desk: ['kiosk-nats.service', 'kiosk-ui.service'],
} as const;

export const STAFF_ORIGIN = 'http://localhost:8080';

export interface RunningSite {
  state: RunState;
  network: Network;
  site: Site;
  siteFile: string;
  generatedDir: string;
  releaseDir: string;
  certificatesDir: string;
  boxes: Box[];
  parts: Record<string, StartedPart[]>;
  /** The site's secrets (secrets.json as the generator wrote it), plus the registry and staff-token keys. */
  secrets: Record<string, string>;
  staffTokenPublicKey: string;
}

export const hubBoxes = (site: RunningSite) => site.boxes.filter((box) => box.kind === 'hub');
export const kioskBoxes = (site: RunningSite) => site.boxes.filter((box) => box.kind === 'kiosk');
export const deskBoxes = (site: RunningSite) => site.boxes.filter((box) => box.kind === 'desk');

/** Step 1 (the build machine): the release. */
export async function buildRelease(state: RunState, root: string): Promise<{ dir: string; packages: number }> {
  return makeRelease(root, join(state.dir, 'release'));
}

/** Steps 2–3: the boxes' network, the site file, the generated configs, the certificates. */
export async function layOutSite(state: RunState, root: string, shape: SiteShape): Promise<Omit<RunningSite, 'releaseDir' | 'parts' | 'staffTokenPublicKey'>> {
  const network = await createSwitch(state);
  const boxes: Box[] = [];
  const add = async (name: string, kind: Box['kind'], hostNumber: number) => {
    const { namespace, address } = await createBox(state, network, name, hostNumber);
    const box: Box = { name, kind, namespace, address, root: join(state.dir, 'boxes', name) };
    await prepareBox(state, box);
    boxes.push(box);
  };
  for (let i = 1; i <= shape.hubNodes; i++) await add(`hub-${i}`, 'hub', 10 + i);
  for (let i = 1; i <= shape.kiosks; i++) await add(`kiosk-${i}`, 'kiosk', 20 + i);
  for (let i = 1; i <= shape.desks; i++) await add(`desk-${i}`, 'desk', 30 + i);
  await saveState(state);

  const site: Site = {
    hub: { cluster: 'moeaca-hub', nodes: boxes.filter((b) => b.kind === 'hub').map((b) => ({ name: b.name, host: b.address })) },
    kiosks: boxes.filter((b) => b.kind === 'kiosk').map((b) => b.name),
    staffDesks: boxes.filter((b) => b.kind === 'desk').map((b) => b.name),
    tls: true,
  };
  const siteFile = join(state.dir, 'site-file.json');
  await writeFile(siteFile, `${JSON.stringify(site, null, 2)}\n`);
  // The operator's command, as docs/deployment.md gives it.
  const generatedDir = join(state.dir, 'generated');
  await run('npx', ['--prefix', root, 'tsx', join(PRODUCTION_DIR, 'make-kiosk-config.ts'), siteFile, generatedDir]);
  const secrets = JSON.parse(await readFile(join(generatedDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  const certificatesDir = join(state.dir, 'site-ca');
  await makeSiteCertificates(certificatesDir, {
    hubNodes: boxes.filter((b) => b.kind === 'hub').map((b) => ({ name: b.name, address: b.address })),
    kiosks: site.kiosks,
    desks: site.staffDesks,
  });
  return { state, network, site, siteFile, generatedDir, certificatesDir, boxes, secrets };
}

/** Once per site: the registry key and the staff token key (an Ed25519 key made with openssl). */
export async function siteKeys(state: RunState): Promise<{ registryKey: string; staffTokenKey: string; staffTokenPublicKey: string }> {
  const pem = await run('openssl', ['genpkey', '-algorithm', 'ed25519']);
  await writeFile(join(state.dir, 'staff-token.pem'), pem, { mode: 0o600 });
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  const { d: _private, ...publicJwk } = jwk;
  return { registryKey: randomBytes(32).toString('hex'), staffTokenKey: JSON.stringify(jwk), staffTokenPublicKey: JSON.stringify(publicJwk) };
}

/** An env example with the operator's edits: keys replaced or added, the rest as shipped. */
async function editedEnv(example: string, edits: Record<string, string>): Promise<string> {
  const text = await readFile(join(PRODUCTION_DIR, 'env', example), 'utf8');
  const seen = new Set<string>();
  const lines = text.split('\n').map((line) => {
    const [key] = parseEnvironmentFile(line)[0] ?? [];
    if (key !== undefined && key in edits) {
      seen.add(key);
      return `${key}=${edits[key]}`;
    }
    return line;
  });
  for (const [key, value] of Object.entries(edits)) if (!seen.has(key)) lines.push(`${key}=${value}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Installs a box's files where its units read them (docs/deployment.md, "Every machine"). */
export async function installBox(
  site: Omit<RunningSite, 'releaseDir' | 'parts' | 'staffTokenPublicKey'>,
  box: Box,
  keys: { registryKey: string; staffTokenKey: string; staffTokenPublicKey: string },
  kioskEnv: Record<string, string> = {},
): Promise<void> {
  await ensureUser(site.state, 'nats');
  const machineDir = join(site.generatedDir, box.kind === 'hub' ? 'hub' : box.kind === 'kiosk' ? 'kiosk' : 'staff-desk', box.name);
  await copyToBox(box, join(machineDir, 'nats.conf'), '/etc/moeaca-kiosk/nats/nats.conf', 0o640, 'root:nats');
  for (const include of box.kind === 'hub' ? ['secrets.conf'] : ['hub-link.conf']) {
    await copyToBox(box, join(machineDir, include), `/etc/moeaca-kiosk/nats/${include}`, 0o600, 'nats:nats');
  }
  const certificate = box.kind === 'hub' ? box.name : box.kind === 'kiosk' ? kioskCertificateName(box.name) : deskCertificateName(box.name);
  await copyToBox(box, join(site.certificatesDir, 'ca.crt'), '/etc/moeaca-kiosk/tls/ca.crt', 0o644);
  await copyToBox(box, join(site.certificatesDir, `${certificate}.crt`), `/etc/moeaca-kiosk/tls/${certificate}.crt`, 0o644);
  await copyToBox(box, join(site.certificatesDir, `${certificate}.key`), `/etc/moeaca-kiosk/tls/${certificate}.key`, 0o600, 'nats:nats');
  if (box.kind === 'hub') {
    await writeOnBox(box, '/etc/moeaca-kiosk/kiosk.env', await editedEnv('hub.env.example', {}));
    await writeOnBox(
      box,
      '/etc/moeaca-kiosk/registry.env',
      // STAFF_AUTHENTICATORS=any: the desk's browser enrolls with a virtual authenticator (no attestation roots).
      await editedEnv('registry.env.example', { REGISTRY_KEY: keys.registryKey, STAFF_TOKEN_KEY: keys.staffTokenKey, STAFF_ORIGIN, STAFF_AUTHENTICATORS: 'any' }),
      0o600,
    );
    for (const credential of ['registry-nats-password', 'staff-auth-nats-password', 'admin-nats-password']) {
      await copyToBox(box, join(machineDir, credential), `/etc/moeaca-kiosk/credentials/${credential}`, 0o600);
    }
    // The operator's commands' environment, as shipped (docs/operations.md, "Operator commands").
    await copyToBox(box, join(PRODUCTION_DIR, 'env', 'admin.env.example'), ADMIN_ENV_FILE, 0o600);
  } else if (box.kind === 'kiosk') {
    await writeOnBox(box, '/etc/moeaca-kiosk/kiosk.env', await editedEnv('kiosk.env.example', { KIOSK_ID: box.name, STAFF_TOKEN_PUBLIC_KEY: keys.staffTokenPublicKey, ...kioskEnv }));
    await copyToBox(box, join(PRODUCTION_DIR, 'chromium/policies/managed/kiosk.json'), '/etc/chromium/policies/managed/kiosk.json', 0o644);
    // Each part's own login, read through its unit's LoadCredential=; the page's goes to the UI server.
    for (const part of ['engine', 'card-agent', 'ui']) await copyToBox(box, join(machineDir, 'credentials', `${part}.json`), `/etc/moeaca-kiosk/credentials/${part}.json`, 0o600);
    await ensureUser(site.state, KIOSK_DISPLAY_USER);
    await installUiLogins(site, box, join(machineDir, 'credentials'), ['browser.json']);
  } else {
    // The desk's staff run their browser as DESK_BROWSER_USER: only its connections get the console's login.
    await writeOnBox(box, '/etc/moeaca-kiosk/kiosk.env', await editedEnv('staff-desk.env.example', { KIOSK_BROWSER_UID: DESK_BROWSER_USER }));
    await copyToBox(box, join(machineDir, 'credentials', 'ui.json'), '/etc/moeaca-kiosk/credentials/ui.json', 0o600);
    await ensureUser(site.state, DESK_BROWSER_USER);
  }
}

/** The browser's OS user on a kiosk (kiosk-browser.service, KIOSK_BROWSER_UID in kiosk.env). */
export const KIOSK_DISPLAY_USER = 'kiosk-display';
/** The staff's OS user on the rehearsed desk (its KIOSK_BROWSER_UID). */
export const DESK_BROWSER_USER = 'moeaca-desk-browser';

/** Logins the UI server hands to its pages, into its own data dir (the unit's StateDirectory=, made here first). */
async function installUiLogins(site: Omit<RunningSite, 'releaseDir' | 'parts' | 'staffTokenPublicKey'>, box: Box, from: string, files: readonly string[]): Promise<void> {
  await ensureUser(site.state, 'moeaca-ui');
  await mkdir(join(box.root, 'var/lib/moeaca-kiosk/ui/credentials'), { recursive: true, mode: 0o700 });
  await run('chown', ['moeaca-ui:moeaca-ui', join(box.root, 'var/lib/moeaca-kiosk/ui/credentials')]);
  for (const file of files) await copyToBox(box, join(from, file), `/var/lib/moeaca-kiosk/ui/credentials/${file}`, 0o600, 'moeaca-ui:moeaca-ui');
}

/** The desk's console logins for its pages, into its UI part's own data dir. */
export async function installDeskLogins(site: Omit<RunningSite, 'releaseDir' | 'parts' | 'staffTokenPublicKey'>, box: Box): Promise<void> {
  await installUiLogins(site, box, join(site.generatedDir, 'staff-desk', box.name, 'credentials'), ['staff.json', 'inspector.json', 'dashboard.json']);
}

/** Where a hub node keeps the operator's commands' environment (deploy/production/env/admin.env.example). */
const ADMIN_ENV_FILE = '/etc/moeaca-kiosk/admin.env';

/** The release's operator commands (deploy/build.ts, COMMANDS): `dist/<command>.mjs`. */
export type OperatorCommand = keyof typeof COMMANDS;

/**
 * An operator command of the release inside `box`'s namespace, as root, exactly as
 * docs/operations.md gives it: `cd /opt/moeaca-kiosk && node --env-file=/etc/moeaca-kiosk/admin.env
 * dist/<command>.mjs …`. `env` holds only what the operator adds on the command line (ISSUING_CA_FILE).
 */
export async function operatorCommand(site: { releaseDir: string }, box: Box, command: OperatorCommand, args: string[], env: Record<string, string> = {}): Promise<string> {
  const script = `cd ${RELEASE_PATH} && exec node --env-file=${ADMIN_ENV_FILE} "dist/$0.mjs" "$@"`;
  return runInBox(box, site.releaseDir, ['/bin/sh', '-c', script, command, ...args], { env: { HOME: '/root', ...env } });
}

export { startPart };
