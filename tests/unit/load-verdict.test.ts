// The load run's verdict comes from RA_EVENTS, not from what its driver believes
// (tests/load/events.ts): these cases pin down how the events of each card are read.
import { describe, expect, it } from 'vitest';
import { judgeRun, type CardEventCounts } from '../load/events.ts';
import { cardFor } from '../load/mix.ts';

/** Events as a clean run leaves them: one accepted and one activated per card but the revoked ones. */
function cleanRun(activations: number): CardEventCounts {
  const counts: CardEventCounts = new Map();
  for (let index = 0; index < activations; index++) {
    const { cardNumber, kind } = cardFor(index);
    counts.set(cardNumber, new Map(kind === 'revoked' ? [['imported', 1]] : [['imported', 1], ['verified', 1], ['accepted', 1], ['activated', 1]]));
  }
  return counts;
}

const revokedIndex = Array.from({ length: 20 }, (_, i) => i).find((i) => cardFor(i).kind === 'revoked')!;

describe('the load run read back from RA_EVENTS', () => {
  it('counts a clean run: every card but the revoked ones activated once, nothing failed, lost or doubled', () => {
    const verdict = judgeRun(40, cleanRun(40), new Set());
    expect(verdict.expected).toBe(36);
    expect(verdict.activatedOnce).toBe(36);
    expect([verdict.failed, verdict.lost, verdict.doubled]).toEqual([[], [], []]);
  });

  it('calls a card without its activated event failed, and lost when the driver saw it activated', () => {
    const counts = cleanRun(40);
    counts.get(cardFor(0).cardNumber)!.delete('activated');
    counts.get(cardFor(1).cardNumber)!.delete('accepted');
    const verdict = judgeRun(40, counts, new Set([cardFor(0).cardNumber]));
    expect(verdict.failed).toEqual([cardFor(0).cardNumber, cardFor(1).cardNumber]);
    expect(verdict.lost).toEqual([cardFor(0).cardNumber]);
    expect(verdict.activatedOnce).toBe(34);
  });

  it('calls a second activated or accepted event doubled, and any such event of a revoked card', () => {
    const counts = cleanRun(40);
    counts.get(cardFor(2).cardNumber)!.set('activated', 2);
    counts.get(cardFor(revokedIndex).cardNumber)!.set('accepted', 1);
    const verdict = judgeRun(40, counts, new Set());
    expect(verdict.doubled).toEqual([cardFor(2).cardNumber, cardFor(revokedIndex).cardNumber]);
    expect(verdict.failed).toEqual([]);
  });

  it('judges only the cards of the run, and names records migrated from the old layout', () => {
    const counts = cleanRun(20);
    counts.get(cardFor(3).cardNumber)!.set('migrated', 1);
    const verdict = judgeRun(20, counts, new Set());
    expect(verdict.expected).toBe(18);
    expect(verdict.migrated).toBe(1);
  });
});
