// The release (`npm run build`, docs/deployment.md "The release"): each part compiled to one
// JavaScript file that plain `node` runs (no TypeScript loader), the pages prebuilt. The built
// registry answers a NATS micro-service ping; the built UI part serves the prebuilt page without
// building anything; the operator's commands (dist/cards.mjs, staff.mjs, audit.mjs) run with plain
// `node` too. The release's node_modules holds the production packages only (links to the clone's).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelease, COMMANDS } from '../../deploy/build.ts';
import { productionPackages } from '../../deploy/site/release.ts';
import { BUILT_PARTS, builtPartCommand } from '../../services/serve.ts';
import { freePort } from '../../platform/nats-server.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { until } from '../support/until.ts';

describe('the release build', () => {
  let releaseRoot: string;
  let nats: TestNats;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    releaseRoot = await mkdtemp(join(tmpdir(), 'kiosk-release-'));
    await buildRelease(join(releaseRoot, 'dist'));
    // The release tree as a kiosk has it after `npm ci --omit=dev`: dist/ beside node_modules with
    // the production packages only (links to the clone's installed copies), so a bundle importing a
    // dev package fails to start here.
    const clone = join(import.meta.dirname, '../..');
    const modules = join(clone, 'node_modules');
    for (const pkg of await productionPackages(clone)) {
      const name = relative(modules, pkg);
      if (name.includes('node_modules')) continue; // nested: reached through its parent's link
      await mkdir(dirname(join(releaseRoot, 'node_modules', name)), { recursive: true });
      await symlink(pkg, join(releaseRoot, 'node_modules', name));
    }
    nats = await startTestNats();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.pid === undefined) return resolve();
            child.once('exit', () => resolve());
            process.kill(child.pid, 'SIGTERM');
          }),
      ),
    );
    await nats?.stop();
    await rm(releaseRoot, { recursive: true, force: true });
  });

  function start(part: keyof typeof BUILT_PARTS, env: Record<string, string>): { output: () => string } {
    const { command, args } = builtPartCommand(part, releaseRoot);
    // No loader: a part that still needed tsx would fail to start here.
    expect(args).toEqual([join(releaseRoot, BUILT_PARTS[part])]);
    const child = spawn(command, args, {
      cwd: releaseRoot,
      env: { PATH: process.env.PATH ?? '', NATS_URL: nats.server.url, DATA_DIR: join(releaseRoot, 'data'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { output: () => output };
  }

  /** Runs an operator command of the release as the operator does: `node dist/<command>.mjs …`. */
  async function operator(command: keyof typeof COMMANDS, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join('dist', `${command}.mjs`), ...args], {
        cwd: releaseRoot,
        env: { PATH: process.env.PATH ?? '', NATS_URL: nats.server.url, DATA_DIR: join(releaseRoot, 'operator'), ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  it('bundles import no build-time package (esbuild, tsx)', async () => {
    for (const file of [...Object.values(BUILT_PARTS), ...Object.keys(COMMANDS).map((name) => `dist/${name}.mjs`)]) {
      const text = await readFile(join(releaseRoot, file), 'utf8');
      expect(text, file).not.toMatch(/from\s+"(esbuild|tsx)(\/[^"]*)?"/);
    }
  });

  it('bundles import exactly the runtime dependencies: the UI-only packages are build-time ones', async () => {
    // `npm ci --omit=dev` installs `dependencies` only: each one must be needed by a bundle, and
    // every package a bundle imports must be one of them.
    const manifest = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const file of (await readdir(join(releaseRoot, 'dist'))).filter((name) => name.endsWith('.mjs'))) {
      const text = await readFile(join(releaseRoot, 'dist', file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)"((?:@[\w.-]+\/)?[\w.-]+(?:\/[\w./-]+)?)"/g)) {
        if (specifier === undefined || specifier.startsWith('node:') || !/^[@a-z]/.test(specifier)) continue;
        const parts = specifier.split('/');
        imported.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('the built registry answers a ping', async () => {
    const registry = start('registry', { REGISTRY_KEY: 'ab'.repeat(32) });
    const nc = await nats.connect('release-test');
    const reply = await until(
      async () => {
        try {
          return (await nc.request('$SRV.PING.registry', new Uint8Array(), { timeout: 500 })).json<{ name: string; type: string }>();
        } catch {
          return undefined;
        }
      },
      'a ping answered by the built registry',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${registry.output()}`);
    });
    expect(reply).toMatchObject({ name: 'registry', type: 'io.nats.micro.v1.ping_response' });
  });

  it('the built UI part serves the prebuilt page', async () => {
    // A marker in the prebuilt page shows that it is served as built, not built again.
    const page = join(releaseRoot, 'dist', 'ui', 'index.html');
    await writeFile(page, `${await readFile(page, 'utf8')}<!-- prebuilt-marker -->`);
    const port = await freePort();
    const ui = start('ui', { HTTP_PORT: String(port), NATS_WS_PORT: String(await freePort()), CARD_READER: 'pcsc', KIOSK_ID: 'kiosk-r' });
    const body = await until(
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`);
          return response.ok ? await response.text() : undefined;
        } catch {
          return undefined;
        }
      },
      'the built UI answering',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${ui.output()}`);
    });
    expect(body).toContain('prebuilt-marker');
    // The spoken guidance ships with the pages (docs/deployment.md, "The release").
    const speech = (await (await fetch(`http://127.0.0.1:${port}/speech/index.json`)).json()) as Record<string, Record<string, string>>;
    const audio = await fetch(`http://127.0.0.1:${port}${speech['zh-TW']?.['screen.insertCard']}`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/ogg');
  });

  it('each operator command runs from the release with plain node and prints its usage', async () => {
    for (const command of Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>) {
      const { code, stderr } = await operator(command, []);
      expect(code, `${command}: ${stderr}`).toBe(2);
      // The usage names the command as the operator runs it from the release, not `npm run`.
      expect(stderr, command).toMatch(new RegExp(`^usage: node dist/${command}\\.mjs `));
      expect(stderr, command).not.toContain('npm run');
    }
  });

  it('the release\'s cards command enrolls an agent key at the built registry, and its staff and audit commands answer', async () => {
    // Another instance beside the first test's, with the same key: a site's instances share one.
    start('registry', { REGISTRY_KEY: 'ab'.repeat(32) });
    const nc = await nats.connect('release-operator');
    await until(async () => {
      try {
        return (await nc.request('$SRV.PING.registry', new Uint8Array(), { timeout: 500 })) !== undefined;
      } catch {
        return undefined;
      }
    }, 'the built registry answering');
    // A real key as the card agent logs it (agentPublicKey: an Ed25519 public key, base64url).
    const { publicKey } = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as CryptoKeyPair;
    const key = Buffer.from(await crypto.subtle.exportKey('raw', publicKey)).toString('base64url');
    const enrolled = await operator('cards', ['enroll-agent', 'kiosk-r', key]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout).toContain('kiosk kiosk-r: card-agent key enrolled');
    const listed = await operator('cards', ['list']);
    expect(listed.code, listed.stderr).toBe(0);
    const exported = await operator('audit', ['export']);
    expect(exported.code, exported.stderr).toBe(0);
    // The hub's staff token key as production gives it (STAFF_TOKEN_KEY, a private Ed25519 JWK).
    const staffKeys = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as CryptoKeyPair;
    // As a JWK file holds it: WebCrypto's own usage fields left out (JSON drops undefined).
    const staffJwk = { ...(await crypto.subtle.exportKey('jwk', staffKeys.privateKey)), key_ops: undefined, ext: undefined };
    const publicKeyLine = await operator('staff', ['public-key'], { STAFF_TOKEN_KEY: JSON.stringify(staffJwk) });
    expect(publicKeyLine.code, publicKeyLine.stderr).toBe(0);
    expect(publicKeyLine.stdout).toMatch(/^STAFF_TOKEN_PUBLIC_KEY=/);
    expect(publicKeyLine.stdout).toContain(staffJwk.x);
    expect(publicKeyLine.stdout).not.toContain(staffJwk.d);
  });
});
