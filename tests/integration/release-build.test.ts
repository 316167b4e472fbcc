// The release (`npm run build`, docs/deployment.md "The release"): each part compiled to one
// JavaScript file that plain `node` runs (no TypeScript loader), the pages prebuilt. The built
// registry answers a NATS micro-service ping; the built UI part serves the prebuilt page without
// building anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelease } from '../../deploy/build.ts';
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
    // The release tree as a kiosk has it: dist/ beside node_modules (here the clone's own).
    await symlink(join(import.meta.dirname, '../../node_modules'), join(releaseRoot, 'node_modules'));
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

  it('bundles import no build-time package (esbuild, tsx)', async () => {
    for (const file of Object.values(BUILT_PARTS)) {
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
});
