#!/usr/bin/env node
// Installs what a fresh clone is missing, and nothing more: the Debian packages the stack and its
// tests run (nats-server, SoftHSM2, pcscd, the vsmartcard virtual reader, Chromium, ...) and the
// npm dependencies. Runs before `npm start` and `npm test`, so it must be quick when all is there:
// one dpkg-query and two stat calls.
//
// Plain JavaScript on purpose: it runs before node_modules (and so TypeScript tooling) exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages, and why each is here. */
export const DEBIAN_PACKAGES = {
  'nats-server': 'the message bus: JetStream, KV, websocket for the UI',
  softhsm2: 'PKCS#11 tokens standing in for the IC cards (demo and tests)',
  opensc: 'pkcs11-tool: the issuing side personalises cards with it (deploy/issuing-side), and tokens are inspected by hand',
  pcscd: 'the PC/SC daemon the card agent talks to',
  'libpcsclite-dev': 'headers the pcsclite npm addon builds against',
  'pcsc-tools': 'pcsc_scan, to look at readers by hand',
  'vsmartcard-vpcd': 'a virtual PC/SC reader for reader-event tests',
  'vsmartcard-vpicc': 'vicc, a virtual card to insert into that reader',
  'python3-pycryptodome': 'needed by vicc',
  chromium: 'headless browser: draws the first screens at build time, and runs the component and end-to-end tests',
  'fonts-noto-cjk': 'Traditional Chinese glyphs for the kiosk screens (otherwise empty boxes)',
  'espeak-ng': "the kiosk's spoken guidance, made at build time (Mandarin and English voices)",
  sox: 'encodes that speech as Ogg Vorbis at build time, and measures it in the tests',
};

function missingDebianPackages() {
  const names = Object.keys(DEBIAN_PACKAGES);
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...names], {
    encoding: 'utf8',
  });
  if (result.error) {
    console.error('install: dpkg-query is not available; this installer expects Debian or Ubuntu.');
    process.exit(1);
  }
  const installed = new Set(
    result.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

function installDebianPackages(missing) {
  const command = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`install: missing Debian packages: ${missing.join(', ')}`);
    console.error(`install: run as root:  apt-get update && ${command.join(' ')}`);
    process.exit(1);
  }
  console.log(`install: installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync(command[0], command.slice(1), { stdio: 'inherit', env });
}

function npmDependenciesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker)) return true;
  return statSync(marker).mtimeMs < statSync(lock).mtimeMs;
}

const missing = missingDebianPackages();
if (missing.length > 0) installDebianPackages(missing);

if (npmDependenciesStale()) {
  console.log('install: node_modules is missing or older than package-lock.json: npm ci');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
