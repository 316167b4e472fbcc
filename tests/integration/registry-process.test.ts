// The registry as operators run it: `services/registry/main.ts` as its own process (one or several
// against one server, or alone with a nats-server it starts), and the registry key's handling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import * as v from 'valibot';
import { ContractError, IdentifyReplySchema, REGISTRY_SUBJECTS } from '../../machines/contract/index.ts';
import { freePort } from '../../platform/nats-server.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { loadRegistryKey } from '../../services/registry/registry-secrets.ts';
import { startRegistry } from '../../services/registry/registry.service.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

const MAIN = join(import.meta.dirname, '../../services/registry/main.ts');

interface RegistryProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

async function runMain(env: Record<string, string>): Promise<RegistryProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, REGISTRY_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        lines.push(line);
        if (line.ready === true) resolve();
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
    void exited.then((code) => reject(new Error(`registry exited with ${code}: ${stderr}`)));
  });
  await ready;
  return { child, lines, exited };
}

async function stopMain(registry: RegistryProcess): Promise<number | null> {
  if (registry.child.pid !== undefined) process.kill(registry.child.pid, 'SIGTERM');
  return registry.exited;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const card = {
  cardNumber: 'PR000001',
  route: 'self-applied' as const,
  holderName: '程序公司',
  ubn: '97969933',
  email: 'p@example.com.tw',
  validFrom: '2020-01-01T00:00:00Z',
  validTo: '2040-01-01T00:00:00Z',
  status: 'issued' as const,
  userCode: 'Proc$123',
  certSerial: 'abc123',
  soCredential: 'so-process',
  certificateKeySha256: 'ab'.repeat(32),
};

describe('main.ts', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('runs instances side by side on one server, each logging a JSON line per request (identify: when refused), and stops on SIGTERM', async () => {
    const dataDir = join(nats.dataDir, 'shared-registry');
    const first = await runMain({ NATS_URL: nats.server.url, DATA_DIR: dataDir });
    const second = await runMain({ NATS_URL: nats.server.url, DATA_DIR: dataDir });
    try {
      const nc = await nats.connect('process-client');
      await importCards(nc, [card]);
      const replies = await Promise.all(
        Array.from({ length: 40 }, () =>
          requestJson(nc, REGISTRY_SUBJECTS.identify, { cardNumber: 'PR000001', certSerial: 'ABC123', certificateKeySha256: 'ab'.repeat(32) }, IdentifyReplySchema, { unreachable: '3125' }),
        ),
      );
      expect(replies.every((reply) => reply.status === 'issued')).toBe(true);
      // A successful identify is counted, not logged; a refused one is logged like every request.
      const refusals = await Promise.all(
        Array.from({ length: 40 }, () =>
          requestJson(nc, REGISTRY_SUBJECTS.identify, { cardNumber: 'PR000001', certSerial: 'FFFF01', certificateKeySha256: 'ab'.repeat(32) }, IdentifyReplySchema, { unreachable: '3125' }).catch(
            (error: unknown) => (error as { code?: string }).code,
          ),
        ),
      );
      expect(new Set(refusals)).toEqual(new Set(['UNKNOWN_CARD']));
      await nc.flush();
      const identifies = (registry: RegistryProcess) => registry.lines.filter((line) => line.endpoint === 'identify');
      await expect.poll(() => identifies(first).length + identifies(second).length).toBe(40);
      expect(identifies(first).length).toBeGreaterThan(0);
      expect(identifies(second).length).toBeGreaterThan(0);
      expect(identifies(first)[0]).toMatchObject({ part: 'registry', msg: 'request', card: 'PR000001', outcome: 'UNKNOWN_CARD' });
      expect(typeof identifies(first)[0]?.ms).toBe('number');
      expect((await stat(join(dataDir, 'registry.key'))).mode & 0o777).toBe(0o600);
    } finally {
      expect(await stopMain(first)).toBe(0);
      expect(await stopMain(second)).toBe(0);
    }
  });

  it('starts its own nats-server when none is given or listening, and stops it on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'registry-alone-'));
    const port = await freePort();
    try {
      const registry = await runMain({ NATS_URL: '', NATS_PORT: String(port), DATA_DIR: dataDir });
      const started = registry.lines.find((line) => typeof line.natsServer === 'string');
      expect(started?.natsServer).toBe(`nats://127.0.0.1:${port}`);
      const serverPid = started?.pid as number;
      expect(isRunning(serverPid)).toBe(true);
      const nc = await connect({ servers: started?.natsServer as string });
      try {
        const error = await requestJson(nc, REGISTRY_SUBJECTS.identify, { cardNumber: 'NONE0001', certSerial: 'ab', certificateKeySha256: 'ab'.repeat(32) }, v.unknown(), {
          unreachable: '3125',
        }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ContractError);
        expect((error as ContractError).code).toBe('UNKNOWN_CARD');
      } finally {
        await nc.close();
      }
      expect(await stopMain(registry)).toBe(0);
      expect(isRunning(serverPid)).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the registry key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is generated once, 0600, even when several instances start at the same moment', async () => {
    const dataDir = join(dir, 'concurrent');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadRegistryKey({ dataDir, env: {} })));
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    expect((await stat(join(dataDir, 'registry.key'))).mode & 0o777).toBe(0o600);
    expect((await loadRegistryKey({ dataDir, env: {} })).equals(keys[0] as Buffer)).toBe(true);
  });

  it('refuses a key file others can read', async () => {
    const dataDir = join(dir, 'loose');
    await loadRegistryKey({ dataDir, env: {} });
    await chmod(join(dataDir, 'registry.key'), 0o644);
    await expect(loadRegistryKey({ dataDir, env: {} })).rejects.toThrow(/readable by others/);
  });

  it('takes REGISTRY_KEY over the file, and refuses a malformed one', async () => {
    const dataDir = join(dir, 'env');
    const hex = 'ab'.repeat(32);
    expect((await loadRegistryKey({ dataDir, env: { REGISTRY_KEY: hex } })).toString('hex')).toBe(hex);
    await expect(loadRegistryKey({ dataDir, env: { REGISTRY_KEY: 'abc' } })).rejects.toThrow(/64 hex/);
  });

  it('refuses a key file that holds no key', async () => {
    const dataDir = join(dir, 'garbage');
    await loadRegistryKey({ dataDir: join(dir, 'garbage'), env: {} });
    await writeFile(join(dataDir, 'registry.key'), 'not a key\n', { mode: 0o600 });
    await expect(loadRegistryKey({ dataDir, env: {} })).rejects.toThrow(/does not hold a registry key/);
  });

  it('must be the key the stored records were written with', async () => {
    const nats = await startTestNats();
    try {
      const first = await startRegistry({ nc: await nats.connect(), dataDir: dir, secretKey: Buffer.alloc(32, 3) });
      await first.stop();
      await expect(startRegistry({ nc: await nats.connect(), dataDir: dir, secretKey: Buffer.alloc(32, 4) })).rejects.toThrow(/registry key differs/);
      const again = await startRegistry({ nc: await nats.connect(), dataDir: dir, secretKey: Buffer.alloc(32, 3) });
      await again.stop();
    } finally {
      await nats.stop();
    }
  });
});
