// Writes the nats-server configs of a whole site: one directory per machine, ready to copy to
// /etc/moeaca-kiosk/nats/ on it, with its secrets include (0600). Passwords are generated once and
// kept in <out>/secrets.json, so running it again after adding a kiosk changes no one else's.
//
//   npx tsx deploy/production/make-kiosk-config.ts SITE.json OUT_DIR
//       OUT_DIR/hub/<node>/{nats.conf,secrets.conf}
//       OUT_DIR/kiosk/<kiosk>/{nats.conf,hub-link.conf}
//       OUT_DIR/staff-desk/<desk>/{nats.conf,hub-link.conf}
//       then `nats-server -t` on every nats.conf written.
//   npx tsx deploy/production/make-kiosk-config.ts --examples
//       rewrites the committed examples (deploy/production/hub/*.conf, leaf/*.conf) from
//       site.example.json; they carry no secrets.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deskConsoleSecret, deskInbox, KIOSK_LOCAL_USERS, kioskInbox, kioskLocalSecret, PASSWORD_VARIABLES, type KioskLocalUser, type NatsUser } from './nats-rules.ts';
import { PRODUCTION_HUB, validateSite, type HubListen, type HubNode, type LeafListen, type Site } from './nats-site.ts';
import { renderHubNode, renderHubSecrets, renderKioskHubLink, renderKioskLeaf, renderStaffDeskLeaf, renderStaffHubLink, siteSecretVariables, type SiteSecrets } from './nats-config.ts';

export const PRODUCTION_DIR = dirname(fileURLToPath(import.meta.url));
export const EXAMPLE_SITE_FILE = join(PRODUCTION_DIR, 'site.example.json');
export const NATS_SERVER = '/usr/sbin/nats-server';

export async function readSite(file: string): Promise<Site> {
  const site = JSON.parse(await readFile(file, 'utf8')) as Site;
  site.staffDesks ??= [];
  validateSite(site);
  return site;
}

/** The committed examples: relative path under deploy/production → config text. */
export function renderExamples(site: Site): Map<string, string> {
  const files = new Map<string, string>();
  for (const node of site.hub.nodes) files.set(`hub/${node.name}.conf`, renderHubNode({ site, node }));
  for (const kioskId of site.kiosks) files.set(`leaf/${kioskId}.conf`, renderKioskLeaf({ kioskId, site }));
  for (const desk of site.staffDesks) files.set(`leaf/staff-${desk}.conf`, renderStaffDeskLeaf({ desk, site }));
  return files;
}

/** Keeps every secret already made, adds the missing ones. */
export function completeSecrets(site: Site, existing: SiteSecrets): SiteSecrets {
  const secrets: SiteSecrets = { ...existing };
  for (const variable of siteSecretVariables(site)) {
    secrets[variable] ??= randomBytes(24).toString('base64url');
  }
  return secrets;
}

async function writeSecretFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  // The mode given to writeFile applies only when the file is created.
  await chmod(file, 0o600);
}

/**
 * One machine's nats-server files: its nats.conf and the include beside it that holds its secrets
 * (file name → text, written 0600). `writeSite` writes these for every machine of a site; the deploy
 * tests start nats-server on the same files, with loopback ports (`listen`, and `hub` for where the
 * hub listens) and, there only, extra local users.
 */
export interface MachineFiles {
  config: string;
  includes: Record<string, string>;
}

export function hubNodeFiles(
  site: Site,
  node: HubNode,
  secrets: SiteSecrets,
  options: { listen?: HubListen; users?: readonly NatsUser[] } = {},
): MachineFiles {
  const listen = options.listen ?? PRODUCTION_HUB;
  return {
    config: renderHubNode({ site, node, listen, users: options.users }),
    includes: { 'secrets.conf': renderHubSecrets(site, secrets, listen) },
  };
}

export function kioskFiles(
  site: Site,
  kioskId: string,
  secrets: SiteSecrets,
  options: { listen?: LeafListen; hub?: HubListen; users?: readonly NatsUser[] } = {},
): MachineFiles {
  return {
    config: renderKioskLeaf({ kioskId, site, listen: options.listen, users: options.users }),
    includes: { 'hub-link.conf': renderKioskHubLink(kioskId, site, secrets, options.hub) },
  };
}

export function staffDeskFiles(
  site: Site,
  desk: string,
  secrets: SiteSecrets,
  options: { listen?: Omit<LeafListen, 'storeDir'>; hub?: HubListen } = {},
): MachineFiles {
  return {
    config: renderStaffDeskLeaf({ desk, site, listen: options.listen }),
    includes: { 'hub-link.conf': renderStaffHubLink(site, secrets, options.hub, desk) },
  };
}

/** A login as the parts and the UI server read it: `{"user","password","inboxPrefix"}` (0600). */
export interface PartLogin {
  user: string;
  password: string;
  inboxPrefix: string;
}

/** The login of one user of kiosk `kioskId`'s own server. */
export function kioskLogin(kioskId: string, user: KioskLocalUser, secrets: SiteSecrets): PartLogin {
  const password = secrets[kioskLocalSecret(kioskId, user)];
  if (password === undefined) throw new Error(`no secret ${kioskLocalSecret(kioskId, user)}`);
  return { user, password, inboxPrefix: kioskInbox(kioskId, user) };
}

/** The console's login on staff desk `desk` (its staff and inspector pages, its UI server). */
export function deskLogin(desk: string, secrets: SiteSecrets): PartLogin {
  const password = secrets[deskConsoleSecret(desk)];
  if (password === undefined) throw new Error(`no secret ${deskConsoleSecret(desk)}`);
  return { user: 'console', password, inboxPrefix: deskInbox(desk) };
}

const loginText = (login: PartLogin) => `${JSON.stringify(login)}\n`;

/** Writes every machine's directory; returns the nats.conf files written. */
export async function writeSite(site: Site, outDir: string, secrets: SiteSecrets): Promise<string[]> {
  const configs: string[] = [];
  const machine = async (dir: string, files: MachineFiles) => {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const file = join(dir, 'nats.conf');
    await writeFile(file, files.config);
    for (const [name, text] of Object.entries(files.includes)) await writeSecretFile(join(dir, name), text);
    configs.push(file);
  };
  for (const node of site.hub.nodes) {
    await machine(join(outDir, 'hub', node.name), hubNodeFiles(site, node, secrets));
    // For systemd's LoadCredential= of kiosk-registry.service (install as /etc/moeaca-kiosk/credentials/registry-nats-password).
    await writeSecretFile(join(outDir, 'hub', node.name, 'registry-nats-password'), `${secrets[PASSWORD_VARIABLES.registry]}\n`);
    // ... and of kiosk-staff-auth.service (/etc/moeaca-kiosk/credentials/staff-auth-nats-password).
    await writeSecretFile(join(outDir, 'hub', node.name, 'staff-auth-nats-password'), `${secrets[PASSWORD_VARIABLES.staffAuth]}\n`);
    // ... and the operator's commands' admin login (/etc/moeaca-kiosk/credentials/admin-nats-password, read through
    // NATS_PASSWORD_FILE in /etc/moeaca-kiosk/admin.env: docs/operations.md, "Operator commands").
    await writeSecretFile(join(outDir, 'hub', node.name, 'admin-nats-password'), `${secrets[PASSWORD_VARIABLES.admin]}\n`);
  }
  for (const kioskId of site.kiosks) {
    await machine(join(outDir, 'kiosk', kioskId), kioskFiles(site, kioskId, secrets));
    // One login per part, each for that part's unit only (LoadCredential=, NATS_LOGIN_FILE), and the
    // page's, which the UI server hands to the browser's OS user (install under DATA_DIR/credentials).
    const logins = join(outDir, 'kiosk', kioskId, 'credentials');
    await mkdir(logins, { recursive: true, mode: 0o700 });
    for (const user of KIOSK_LOCAL_USERS) await writeSecretFile(join(logins, `${user}.json`), loginText(kioskLogin(kioskId, user, secrets)));
  }
  for (const desk of site.staffDesks) {
    await machine(join(outDir, 'staff-desk', desk), staffDeskFiles(site, desk, secrets));
    // The desk's UI server hands the console login to its own pages (install under DATA_DIR/credentials).
    const logins = join(outDir, 'staff-desk', desk, 'credentials');
    await mkdir(logins, { recursive: true, mode: 0o700 });
    // The office dashboard at the desk asks the registry on ra.dashboard.events, which the console may.
    for (const page of ['staff', 'inspector', 'dashboard']) await writeSecretFile(join(logins, `${page}.json`), loginText(deskLogin(desk, secrets)));
    // The desk's UI server logs in as the console too (kiosk-ui.service's LoadCredential=).
    await writeSecretFile(join(logins, 'ui.json'), loginText(deskLogin(desk, secrets)));
  }
  return configs;
}

/** `nats-server -t`: parses the config with its includes, exactly as the server would start it. */
export async function testConfig(file: string, binary = NATS_SERVER): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, ['-t', '-c', file]);
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}`.trim() };
  }
}

/** Whether every error nats-server -t reported is a certificate or key file it could not open. */
export function onlyMissingCertificates(output: string): boolean {
  const errors = output.split('\n').filter((line) => /error/i.test(line));
  return errors.length > 0 && errors.every((line) => /error parsing X509 certificate\/key pair: open .*: no such file or directory/.test(line));
}

async function main(args: string[]): Promise<number> {
  if (args[0] === '--examples') {
    const site = await readSite(EXAMPLE_SITE_FILE);
    for (const [path, text] of renderExamples(site)) {
      await mkdir(dirname(join(PRODUCTION_DIR, path)), { recursive: true });
      await writeFile(join(PRODUCTION_DIR, path), text);
      console.log(`wrote deploy/production/${path}`);
    }
    return 0;
  }
  const [siteFile, outArg] = args;
  if (siteFile === undefined || outArg === undefined) {
    console.error('usage: make-kiosk-config.ts SITE.json OUT_DIR | --examples');
    return 2;
  }
  const site = await readSite(siteFile);
  const outDir = resolve(outArg);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const secretsFile = join(outDir, 'secrets.json');
  const existing = await readFile(secretsFile, 'utf8').then(
    (text) => JSON.parse(text) as SiteSecrets,
    () => ({}),
  );
  const secrets = completeSecrets(site, existing);
  await writeSecretFile(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
  const configs = await writeSite(site, outDir, secrets);
  let failures = 0;
  for (const file of configs) {
    const result = await testConfig(file);
    // With TLS, nats-server -t opens the certificate files, which live on each machine, not here:
    // then only their absence is forgiven (kiosk-nats.service runs -t again on the machine).
    const onlyCertificatesMissing = !result.ok && site.tls === true && onlyMissingCertificates(result.output);
    if (!result.ok && !onlyCertificatesMissing) failures++;
    const verdict = result.ok ? 'ok  ' : onlyCertificatesMissing ? 'ok  ' : 'FAIL';
    const note = onlyCertificatesMissing ? ' (its certificates are not on this machine: checked when kiosk-nats starts there)' : result.ok ? '' : `\n     ${result.output}`;
    console.log(`${verdict} ${file}${note}`);
  }
  console.log(`secrets: ${secretsFile} (keep it with the site file; never commit it)`);
  return failures === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
