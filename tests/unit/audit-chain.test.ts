// The audit chain's pure parts (services/registry/audit-chain.ts) and the ceremony limiter
// (services/staff-auth/ceremony-limit.ts): a chain verifies; any removed, edited, moved or
// inserted line, a checkpoint signed by another key or with its signature edited, is named; the
// limiter refuses past its totals and admits again once the window has passed.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chainHash, GENESIS, makeCheckpoint, publicKeyText, signingKeyFromSeed, verifyChain } from '../../services/registry/audit-chain.ts';
import { CeremonyLimiter } from '../../services/staff-auth/ceremony-limit.ts';

const key = signingKeyFromSeed(Buffer.alloc(32, 5));
const trusted = publicKeyText(key);

/** A chain of `count` entries with a checkpoint after every `every`. */
function chain(count: number, every: number): string[] {
  const lines: string[] = [];
  let prev = GENESIS;
  let entries = 0;
  for (let n = 1; lines.length < count + Math.floor(count / every); n++) {
    const checkpoint = entries > 0 && entries % every === 0 && !lines.at(-1)?.includes('"checkpoint"');
    const line = checkpoint
      ? makeCheckpoint({ n, prev }, '2026-06-01T09:00:00.000Z', key)
      : JSON.stringify({ n, prev, at: '2026-06-01T09:00:00.000Z', action: 'card', cardNumber: `C${n}`, staffId: 'S1', outcome: 'ok' });
    if (!checkpoint) entries++;
    lines.push(line);
    prev = chainHash(line);
  }
  return lines;
}

describe('verifyChain', () => {
  const good = chain(30, 10);

  it('passes an untouched chain and counts what the checkpoints cover', () => {
    const result = verifyChain(good, trusted);
    expect(result).toMatchObject({ ok: true, entries: 30, checkpoints: 3, uncovered: 0 });
  });

  it('names the entry after a removed, edited or moved one, and an inserted one', () => {
    const n = (line: string) => (JSON.parse(line) as { n: number }).n;
    expect(verifyChain(good.filter((_, i) => i !== 5), trusted).problem).toContain(`entry n=${n(good[6]!)} `);
    expect(verifyChain(good.map((line, i) => (i === 5 ? line.replace('"ok"', '"OK"') : line)), trusted).problem).toContain(`entry n=${n(good[6]!)} `);
    expect(verifyChain([...good.slice(0, 5), good[6]!, good[5]!, ...good.slice(7)], trusted).problem).toContain(`entry n=${n(good[6]!)} `);
    expect(verifyChain([...good.slice(0, 5), good[2]!, ...good.slice(5)], trusted).problem).toContain(`entry n=${n(good[2]!)} `);
  });

  it('refuses a checkpoint of another key, or with its signature changed, even on a rebuilt chain', () => {
    const index = good.findIndex((line) => line.includes('"checkpoint"'));
    const other = publicKeyText(signingKeyFromSeed(randomBytes(32)));
    expect(verifyChain(good, other).problem).toMatch(/another key/);
    const cp = JSON.parse(good[index]!) as { signature: string };
    const forged = good.map((line, i) => (i === index ? JSON.stringify({ ...cp, signature: Buffer.alloc(64).toString('base64url') }) : line));
    expect(verifyChain(forged.slice(0, index + 1), trusted).problem).toMatch(/signature does not verify/);
  });

  it('a first entry that claims to start the chain must start from GENESIS', () => {
    const first = JSON.stringify({ n: 1, prev: 'f'.repeat(64), at: '2026-06-01T09:00:00.000Z', action: 'card', cardNumber: 'C', outcome: 'ok' });
    expect(verifyChain([first], trusted).ok).toBe(false);
  });
});

describe('CeremonyLimiter', () => {
  it('refuses past the total and past one staff member\'s share, and admits again after the window', () => {
    let now = 0;
    const limiter = new CeremonyLimiter({ total: 5, perStaff: 2, windowMs: 1_000 }, () => now);
    expect([limiter.admit('A'), limiter.admit('A'), limiter.admit('A')]).toEqual([true, true, false]);
    expect([limiter.admit(undefined), limiter.admit(undefined), limiter.admit('B'), limiter.admit(undefined)]).toEqual([true, true, true, false]);
    now = 1_001;
    expect(limiter.admit('A')).toBe(true);
  });
});
