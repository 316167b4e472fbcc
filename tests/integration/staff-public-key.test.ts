// `npm run staff -- public-key`: the line a production kiosk's environment needs to check staff
// tokens, printed from the stack's key without a running stack — the public half only.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStaffTokenKeys, loadStaffTokenPublicKey, signStaffToken, verifyStaffToken } from '../../services/staff-auth/staff-token.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../services/staff-auth/staff-cli.ts');

async function staffCli(dataDir: string, extraEnv: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...extraEnv };
  return run(process.execPath, ['--import', 'tsx', CLI, 'public-key'], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run staff -- public-key', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'staff-public-key-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('prints the public key that verifies the tokens the stack signs, and nothing private', async () => {
    const dataDir = await tempDir();
    const keys = await loadStaffTokenKeys(dataDir, {});
    const printed = await staffCli(dataDir);
    expect(printed.code).toBe(0);
    const line = printed.stdout.trim();
    expect(line).toMatch(/^STAFF_TOKEN_PUBLIC_KEY=\{/);
    const jwk = JSON.parse(line.slice('STAFF_TOKEN_PUBLIC_KEY='.length)) as Record<string, unknown>;
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x']);

    const now = new Date();
    const { token } = await signStaffToken(keys.privateKey, { staffId: 'S01', name: '測試' }, now);
    const kioskKey = await loadStaffTokenPublicKey(await tempDir(), { STAFF_TOKEN_PUBLIC_KEY: JSON.stringify(jwk) });
    expect(kioskKey.source).toBe('STAFF_TOKEN_PUBLIC_KEY');
    expect(await verifyStaffToken(kioskKey.publicKey, token, now)).toMatchObject({ staffId: 'S01' });
  });

  it("tells the engine where its key came from, and when it had to make one nobody else holds", async () => {
    const dataDir = await tempDir();
    expect((await loadStaffTokenPublicKey(dataDir, {})).source).toBe('made in DATA_DIR');
    expect((await loadStaffTokenPublicKey(dataDir, {})).source).toBe('DATA_DIR');
    const hubKey = await readFile(join(dataDir, 'staff-token.jwk'), 'utf8');
    expect((await loadStaffTokenPublicKey(await tempDir(), { STAFF_TOKEN_KEY: hubKey })).source).toBe('STAFF_TOKEN_KEY');
  });

  it('takes a hub node’s STAFF_TOKEN_KEY over the file', async () => {
    const other = await tempDir();
    await loadStaffTokenKeys(other, {});
    const hubKey = await readFile(join(other, 'staff-token.jwk'), 'utf8');
    const fromEnv = await staffCli(await tempDir(), { STAFF_TOKEN_KEY: hubKey });
    const fromFile = await staffCli(other);
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toBe(fromFile.stdout);
  });

  it('says what is missing when there is no key, and makes none', async () => {
    const dataDir = await tempDir();
    const printed = await staffCli(dataDir);
    expect(printed.code).toBe(1);
    expect(printed.stdout).toBe('');
    expect(printed.stderr).toContain('no staff token key');
    expect(await readdir(dataDir)).toEqual([]);
  });
});
