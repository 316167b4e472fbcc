// services/kiosk-engine/staff-check.ts against a real nats-server and the real registry (its
// staff-check endpoint): a token stands only when its signature, claims and the registry all say
// so; with no registry answering, the signature and claims decide (staff can still end a session).
import { generateKeyPair } from 'jose';
import type { NatsConnection } from '@nats-io/nats-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffError } from '../../machines/contract/staff.ts';
import { createLogger } from '../../platform/log.ts';
import { openStaffCheck } from '../../services/kiosk-engine/staff-check.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { signStaffToken } from '../../services/staff-auth/staff-token.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { enrolledStaffToken, staffTokenFor } from '../support/staff-token.ts';

const KIOSK = 'k-staff';

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'stood',
    (error: unknown) => (error instanceof StaffError ? error.code : `not a StaffError: ${String(error)}`),
  );

describe('the staff check', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let dataDir: string;
  let registry: RunningRegistry | undefined;
  const lines: string[] = [];
  const log = createLogger('engine', (line) => lines.push(line));

  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect('engine');
    dataDir = await mkdtemp(join(tmpdir(), 'kiosk-staff-check-'));
    registry = await startRegistry({ nc, dataDir, scryptCost: { N: 1024, r: 8, p: 1 } });
  });
  afterAll(async () => {
    await registry?.stop();
    await nats.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("stands for an enrolled member's token, taking the staff id from the token", async () => {
    const { check, keySource } = await openStaffCheck({ nc, kioskId: KIOSK, log, dataDir, now: () => new Date() });
    expect(keySource).toBe('DATA_DIR');
    const token = await enrolledStaffToken(nc, dataDir, 'S01');
    expect(await check(token)).toMatchObject({ staffId: 'S01' });
  });

  it('refuses no token, a forged one, an expired one and one the registry does not confirm', async () => {
    const { check } = await openStaffCheck({ nc, kioskId: KIOSK, log, dataDir, now: () => new Date() });
    const otherKey = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = (await signStaffToken(otherKey.privateKey, { staffId: 'S01', name: 'x' }, new Date())).token;
    const expired = await staffTokenFor(dataDir, 'S01', new Date(Date.now() - 3_600_000), 60);
    const neverEnrolled = await staffTokenFor(dataDir, 'S-never-enrolled');
    expect(await refusalOf(check(undefined))).toBe('STAFF_SIGN_IN_REQUIRED');
    expect(await refusalOf(check(forged))).toBe('STAFF_TOKEN_INVALID');
    expect(await refusalOf(check(expired))).not.toBe('stood');
    expect(await refusalOf(check(neverEnrolled))).toBe('STAFF_TOKEN_REVOKED');
  });

  it('checks expiry against the clock it is given', async () => {
    const token = await enrolledStaffToken(nc, dataDir, 'S02');
    const { check } = await openStaffCheck({ nc, kioskId: KIOSK, log, dataDir, now: () => new Date(Date.now() + 24 * 3_600_000) });
    expect(await refusalOf(check(token))).not.toBe('stood');
  });

  it('refuses every token when it has no key', async () => {
    const { check, keySource } = await openStaffCheck({ nc, kioskId: KIOSK, log, now: () => new Date() });
    expect(keySource).toBe('none');
    expect(await refusalOf(check(await enrolledStaffToken(nc, dataDir, 'S03')))).toBe('STAFF_TOKEN_INVALID');
  });

  it('lets the signature decide, with a warning, when no registry answers', async () => {
    const token = await enrolledStaffToken(nc, dataDir, 'S04');
    await registry?.stop();
    registry = undefined;
    const { check } = await openStaffCheck({ nc, kioskId: KIOSK, log, dataDir, now: () => new Date(), registryTimeoutMs: 1_000 });
    expect(await check(token)).toMatchObject({ staffId: 'S04' });
    expect(lines.some((line) => line.includes('staff token checked without the registry'))).toBe(true);
    expect(lines.join('\n')).not.toContain(token);
  });
});
