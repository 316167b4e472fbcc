// services/kiosk-engine/engine-stats.ts: every counter comes from the piece that counts it, under
// the names and in the order `engine.stats` has always answered (the inspector lists them so).
import { describe, expect, it } from 'vitest';
import { engineStats } from '../../services/kiosk-engine/engine-stats.ts';

describe('engine stats', () => {
  it("gathers the session host's, the input gate's and the outbox's counters", () => {
    const stats = engineStats(
      { accepted: 1, ignored: 2, viewsPublished: 3, snapshotsPersisted: 4, persistFailures: 5, restoredFromSnapshot: true },
      { rejected: 6, staffRefused: 7 },
      { pending: () => [{ activationId: 'a', cardNumber: 'c', proof: { publicKey: 'k', signature: 's' } }], delivered: () => 8 },
    );
    expect(Object.entries(stats)).toEqual([
      ['accepted', 1],
      ['ignored', 2],
      ['rejected', 6],
      ['staffRefused', 7],
      ['viewsPublished', 3],
      ['snapshotsPersisted', 4],
      ['persistFailures', 5],
      ['restoredFromSnapshot', true],
      ['completionsPending', 1],
      ['completionsDelivered', 8],
    ]);
  });
});
