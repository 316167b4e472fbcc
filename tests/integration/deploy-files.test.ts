// The production files other than the NATS configs, checked against the real components on this
// machine: the systemd units with systemd's own verifier, the Chromium policy's names against the
// installed Chromium, and the three places that must agree (units, policy, environment examples).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILT_PARTS, type Part } from '../../services/serve.ts';
import { completeSecrets, EXAMPLE_SITE_FILE, PRODUCTION_DIR, readSite, writeSite } from '../../deploy/production/make-kiosk-config.ts';
import { PRODUCTION_HUB, PRODUCTION_LEAF } from '../../deploy/production/nats-site.ts';
import { ADMIN_USER, ownInbox, PASSWORD_VARIABLES, REGISTRY_USER, STAFF_AUTH_USER } from '../../deploy/production/nats-rules.ts';
import { parseEnvironmentFile, readUnit } from '../../deploy/site/unit-file.ts';

const SYSTEMD_DIR = join(PRODUCTION_DIR, 'systemd');
const POLICY_FILE = join(PRODUCTION_DIR, 'chromium/policies/managed/kiosk.json');
const CHROMIUM_BINARY = '/usr/lib/chromium/chromium';

const UNIT_OF_PART: Record<Part, string> = {
  registry: 'kiosk-registry.service',
  'card-agent': 'kiosk-card-agent.service',
  engine: 'kiosk-engine.service',
  ui: 'kiosk-ui.service',
  'staff-auth': 'kiosk-staff-auth.service',
};

/** `Key=value` lines of a unit, continuation lines joined; a key may repeat. */
function unitSettings(text: string): Array<[string, string]> {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).trim()] as [string, string];
    });
}

const valuesOf = (settings: Array<[string, string]>, key: string) => settings.filter(([k]) => k === key).map(([, v]) => v);

/** Which of `needles` occur in the file as whole words (not inside a longer identifier). */
async function wordsIn(file: string, needles: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const isWordByte = (byte: number | undefined) =>
    byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f);
  const handle = await open(file, 'r');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  const overlap = 128;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      for (const needle of needles) {
        if (found.has(needle)) continue;
        for (let at = window.indexOf(needle); at >= 0; at = window.indexOf(needle, at + 1)) {
          if (!isWordByte(window[at - 1]) && !isWordByte(window[at + needle.length])) {
            found.add(needle);
            break;
          }
        }
      }
      carry = Buffer.from(window.subarray(Math.max(0, window.length - overlap)));
    }
  } finally {
    await handle.close();
  }
  return found;
}

describe('production systemd units (deploy/production/systemd)', () => {
  it('systemd accepts every unit (only binaries this test machine lacks may be missing)', async () => {
    const units = (await readdir(SYSTEMD_DIR)).filter((name) => name.endsWith('.service')).sort();
    expect(units).toEqual([
      'kiosk-browser.service',
      'kiosk-card-agent.service',
      'kiosk-engine.service',
      'kiosk-nats.service',
      'kiosk-registry.service',
      'kiosk-staff-auth.service',
      'kiosk-ui.service',
    ]);
    for (const unit of units) {
      // It exits non-zero on a missing binary; what matters is what it says.
      const { stdout, stderr } = await promisify(execFile)('systemd-analyze', ['verify', join(SYSTEMD_DIR, unit)]).catch(
        (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
      );
      const complaints = `${stdout}${stderr}`
        .split('\n')
        .filter((line) => line.trim() !== '')
        // cage is a Debian package of the kiosk image, not of this test machine.
        .filter((line) => !line.includes('Command /usr/bin/cage is not executable'));
      expect(complaints, unit).toEqual([]);
    }
  });

  it('each part\'s unit runs that part from the release build with plain node, restarted and confined', async () => {
    for (const [part, unit] of Object.entries(UNIT_OF_PART) as Array<[Part, string]>) {
      const settings = unitSettings(await readFile(join(SYSTEMD_DIR, unit), 'utf8'));
      expect(valuesOf(settings, 'ExecStart'), unit).toEqual([`/usr/bin/node ${BUILT_PARTS[part]}`]);
      expect(valuesOf(settings, 'WorkingDirectory'), unit).toEqual(['/opt/moeaca-kiosk']);
      expect(valuesOf(settings, 'ReadWritePaths')[0], unit).toMatch(/^\/var\/lib\/moeaca-kiosk\b/);
      expect(valuesOf(settings, 'IPAddressDeny'), unit).toEqual(['any']);
      expect(valuesOf(settings, 'IPAddressAllow'), unit).toEqual(['localhost']);
    }
    for (const unit of [...Object.values(UNIT_OF_PART), 'kiosk-nats.service', 'kiosk-browser.service']) {
      const settings = unitSettings(await readFile(join(SYSTEMD_DIR, unit), 'utf8'));
      expect(valuesOf(settings, 'EnvironmentFile'), unit).toContain('/etc/moeaca-kiosk/kiosk.env');
      expect(valuesOf(settings, 'Restart'), unit).toEqual(['always']);
      expect(valuesOf(settings, 'NoNewPrivileges'), unit).toEqual(['yes']);
      expect(valuesOf(settings, 'ProtectSystem'), unit).toEqual(['strict']);
      expect(valuesOf(settings, 'ProtectHome'), unit).toEqual(['yes']);
      expect(valuesOf(settings, 'ReadWritePaths').length, unit).toBeGreaterThan(0);
    }
  });

  it('each part runs as its own system user with its own data dir; hub parts get their NATS login through LoadCredential=', async () => {
    const units = await Promise.all([...Object.values(UNIT_OF_PART), 'kiosk-nats.service', 'kiosk-browser.service'].map((unit) => readUnit(unit)));
    const users = units.map((unit) => unit.user);
    expect(new Set(users).size, users.join(', ')).toBe(units.length);
    for (const unit of units) expect(unit.group, unit.unit).toBe(unit.user);
    for (const [part, name] of Object.entries(UNIT_OF_PART)) {
      const unit = units.find((u) => u.unit === name)!;
      expect(unit.user, name).toBe(`moeaca-${part}`);
      const dataDir = `/var/lib/moeaca-kiosk/${part}`;
      expect(unit.environment, name).toContainEqual(['DATA_DIR', dataDir]);
      expect(unit.stateDirectories, name).toEqual([`moeaca-kiosk/${part}`]);
    }
    // The env files may not set DATA_DIR: systemd lets EnvironmentFile= override Environment=.
    for (const kind of ['hub', 'kiosk', 'staff-desk']) {
      expect(await readFile(join(PRODUCTION_DIR, 'env', `${kind}.env.example`), 'utf8'), kind).not.toMatch(/^DATA_DIR=/m);
    }
    // The registry and staff sign-in log in as their own hub users, with the files make-kiosk-config.ts writes.
    for (const [name, user, file] of [
      ['kiosk-registry.service', REGISTRY_USER, 'registry-nats-password'],
      ['kiosk-staff-auth.service', STAFF_AUTH_USER, 'staff-auth-nats-password'],
    ] as const) {
      const unit = units.find((u) => u.unit === name)!;
      expect(unit.environment, name).toContainEqual(['NATS_USER', user]);
      expect(unit.environment, name).toContainEqual(['NATS_PASSWORD_FILE', '%d/nats-password']);
      expect(unit.credentials, name).toEqual([{ name: 'nats-password', source: `/etc/moeaca-kiosk/credentials/${file}` }]);
    }
    expect(PASSWORD_VARIABLES.staffAuth).toBe('STAFF_AUTH_PASSWORD');
  });

  it('nats-server runs the machine\'s generated config and keeps its store where the configs put it', async () => {
    const settings = unitSettings(await readFile(join(SYSTEMD_DIR, 'kiosk-nats.service'), 'utf8'));
    expect(valuesOf(settings, 'ExecStart')).toEqual(['/usr/sbin/nats-server -c /etc/moeaca-kiosk/nats/nats.conf']);
    expect(valuesOf(settings, 'ExecStartPre')).toEqual(['/usr/sbin/nats-server -t -c /etc/moeaca-kiosk/nats/nats.conf']);
    const writable = valuesOf(settings, 'ReadWritePaths').join(' ');
    for (const storeDir of [PRODUCTION_HUB.storeDir, PRODUCTION_LEAF.storeDir]) {
      expect(storeDir.startsWith(`${writable}/`), storeDir).toBe(true);
    }
  });
});

describe('the kiosk browser (deploy/production/systemd/kiosk-browser.service, chromium/)', () => {
  it('every managed policy name is one the installed Chromium knows', async () => {
    const policy = JSON.parse(await readFile(POLICY_FILE, 'utf8')) as Record<string, unknown>;
    const names = Object.keys(policy);
    const known = await wordsIn(CHROMIUM_BINARY, names);
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    // The check itself can fail: a name Chromium never had is not found.
    expect((await wordsIn(CHROMIUM_BINARY, ['KioskPolicyThatDoesNotExist'])).size).toBe(0);
  });

  it('the policy locks the browser to the local UI: no downloads, dev tools, extensions, passwords, translation', async () => {
    const policy = JSON.parse(await readFile(POLICY_FILE, 'utf8')) as Record<string, unknown>;
    expect(policy).toMatchObject({
      URLBlocklist: ['*'],
      DownloadRestrictions: 3,
      DeveloperToolsAvailability: 2,
      ExtensionInstallBlocklist: ['*'],
      PasswordManagerEnabled: false,
      TranslateEnabled: false,
      IncognitoModeAvailability: 1,
      ForceEphemeralProfiles: true,
    });
    const env = await readFile(join(PRODUCTION_DIR, 'env/kiosk.env.example'), 'utf8');
    const httpPort = /^HTTP_PORT=(\d+)$/m.exec(env)?.[1];
    const wsPort = /^NATS_WS_PORT=(\d+)$/m.exec(env)?.[1];
    expect(policy.URLAllowlist).toEqual([`http://127.0.0.1:${httpPort}`, `ws://127.0.0.1:${wsPort}`]);
    // Spoken guidance may start on a screen change, before any touch: the local UI only.
    expect(policy.AutoplayAllowlist).toEqual([`http://127.0.0.1:${httpPort}`]);
    expect(wsPort).toBe(String(PRODUCTION_LEAF.websocketPort));

    const unit = unitSettings(await readFile(join(SYSTEMD_DIR, 'kiosk-browser.service'), 'utf8'));
    const command = valuesOf(unit, 'ExecStart')[0] ?? '';
    expect(command).toMatch(/^\/usr\/bin\/cage .*-- \/usr\/bin\/chromium /);
    expect(command).toContain('--kiosk');
    expect(command.split(' ').at(-1)).toBe(`http://127.0.0.1:${httpPort}/`);
    expect(valuesOf(unit, 'User')).toEqual(['kiosk-display']);
  });
});

describe('environment examples (deploy/production/env)', () => {
  it('name only variables the parts read, and carry no usable secret', async () => {
    const config = await readFile(join(import.meta.dirname, '../../platform/config.ts'), 'utf8');
    const read = new Set([...config.matchAll(/env(?:\.|, ')([A-Z_]+)/g)].map((m) => m[1]!));
    // Read elsewhere than config.ts (card/main.ts, registry-secrets.ts), documented in the README.
    for (const name of ['CARD_NUMBER_FROM', 'PKCS11_MODULE', 'REGISTRY_KEY']) read.add(name);
    for (const file of await readdir(join(PRODUCTION_DIR, 'env'))) {
      const text = await readFile(join(PRODUCTION_DIR, 'env', file), 'utf8');
      const names = [...text.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!);
      expect(names.length, file).toBeGreaterThan(0);
      expect(names.filter((name) => !read.has(name)), file).toEqual([]);
    }
    const registry = await readFile(join(PRODUCTION_DIR, 'env/registry.env.example'), 'utf8');
    expect(/^REGISTRY_KEY=(.*)$/m.exec(registry)?.[1]).not.toMatch(/^[0-9a-fA-F]{64}$/);
  });

  it('the operator\'s admin.env logs in as the hub\'s admin user on the node\'s own server, with the password file the generator writes', async () => {
    const admin = new Map(parseEnvironmentFile(await readFile(join(PRODUCTION_DIR, 'env/admin.env.example'), 'utf8')));
    const hub = new Map(parseEnvironmentFile(await readFile(join(PRODUCTION_DIR, 'env/hub.env.example'), 'utf8')));
    expect(admin.get('NATS_URL')).toBe(hub.get('NATS_URL'));
    expect(admin.get('NATS_USER')).toBe(ADMIN_USER);
    expect(admin.get('NATS_INBOX_PREFIX')).toBe(ownInbox(ADMIN_USER));
    expect(admin.get('NATS_PASSWORD_FILE')).toBe('/etc/moeaca-kiosk/credentials/admin-nats-password');
    const site = await readSite(EXAMPLE_SITE_FILE);
    const secrets = completeSecrets(site, {});
    const out = await mkdtemp(join(tmpdir(), 'kiosk-admin-env-'));
    try {
      await writeSite(site, out, secrets);
      for (const node of site.hub.nodes) {
        const file = join(out, 'hub', node.name, 'admin-nats-password');
        expect(await readFile(file, 'utf8'), node.name).toBe(`${secrets[PASSWORD_VARIABLES.admin]}\n`);
        expect((await stat(file)).mode & 0o777, node.name).toBe(0o600);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
