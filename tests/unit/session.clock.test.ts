// The session machine reads the time only through its clock (machines/session/clock.ts): the
// certificate's validity, a screen's deadline and a birth date "not after today" all follow the
// clock its host gives it, whatever the system clock says; and no file of machines/ reads the
// system clock but the one default that `readClock` falls back on.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VerifyIdentityInput } from '../../machines/session/index.ts';
import { DEFAULT_TIMING } from '../../machines/session/index.ts';
import { CARD, NOW, PROOF, selfcheckOf, settle, startSessionActor } from '../support/session-actor.ts';

/** Years after the machine's clock: the sample card has expired by then, and 民國118年 (2029) is long past. */
const SYSTEM_TIME = Date.parse('2040-01-01T00:00:00Z');

function startBundledSession() {
  const verified: VerifyIdentityInput[] = [];
  const session = startSessionActor({
    selfcheck: async () => selfcheckOf(true, true),
    readCard: async () => CARD,
    identifyCard: async () => ({ route: 'registration-bundled', status: 'issued', attemptsLeft: 5 }),
    verifyIdentity: async (input) => {
      verified.push(input);
      return { activationId: 'act-1', expiresAt: '2026-06-01T01:00:00Z' };
    },
    acceptCertificate: async () => ({ acceptedAt: '2026-06-01T00:05:00Z' }),
    setPin: async () => ({ at: '2026-06-01T00:06:00Z', proof: PROOF }),
    completeActivation: async () => ({ activatedAt: '2026-06-01T00:06:01Z' }),
  });
  return { ...session, verified };
}

describe("the machine's clock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(SYSTEM_TIME);
  });
  afterEach(() => vi.useRealTimers());

  it('decides validity, deadlines and birth dates by its own clock, never the system clock', async () => {
    // Who reads the system clock, by the file that asked (XState stamps its own events; that is not the machine's reading).
    const readers: string[] = [];
    const systemNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => {
      readers.push(...(new Error().stack ?? '').split('\n').filter((line) => line.includes('/machines/')));
      return systemNow();
    });
    const session = startBundledSession();
    await settle();
    // Valid on the machine's clock (2026), expired on the system's (2040).
    const choose = await session.send({ type: 'card.inserted', reader: 'reader-0' });
    expect(choose.screen).toBe('choosePath');
    expect(choose.deadline).toBe(new Date(NOW + DEFAULT_TIMING.idleTimeout).toISOString());

    await session.send({ type: 'user.choosePath', path: 'registration-bundled' });
    // 民國118年 is 2029: ahead of the machine's clock, though long past on the system's.
    const ahead = await session.send({ type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '118/1/1' });
    expect(ahead).toMatchObject({ screen: 'enterResponsibleId', error: { code: 'BIRTH_DATE_FORMAT' } });

    // Its clock moved on (less than the idle timeout): the next screen's deadline moves with it.
    await session.advance(60_000);
    const later = await session.send({ type: 'user.reset' });
    expect(later.deadline).toBe(new Date(NOW + 60_000 + DEFAULT_TIMING.idleTimeout).toISOString());

    const sent = await session.send({ type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '75/3/9' });
    expect(sent.screen).toBe('confirmCardData');
    // The contract's birth-date field read it once, in the machine: the registry gets the ISO date.
    expect(session.verified).toEqual([expect.objectContaining({ birthDate: '1986-03-09' })]);
    expect(readers).toEqual([]);
    session.actor.stop();
  });
});

describe('machines/ reads the system clock in one place only', () => {
  it('has no Date.now() or argument-less new Date() outside machines/session/clock.ts', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const machines = join(root, 'machines');
    const files = readdirSync(machines, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(machines, file));
    expect(files.length).toBeGreaterThan(20);
    const readers = files
      .filter((file) => relative(root, file) !== join('machines', 'session', 'clock.ts'))
      .filter((file) => /Date\.now\(\)|new Date\(\)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(readers).toEqual([]);
  });
});
