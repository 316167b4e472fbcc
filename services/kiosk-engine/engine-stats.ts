// The counters an operator reads on `kiosk.<kiosk>.engine.stats` (and tests through `stats()`),
// gathered from the pieces that count them: the session host (events taken or ignored, snapshots
// and views), the input gate (refusals) and the completion outbox.
import type { CompletionOutbox } from './completion-outbox.ts';
import type { GateCounts } from './input-gate.ts';
import type { SessionCounts } from './session-host.ts';

export interface EngineStats {
  accepted: number;
  /** Well-formed events the current state does not take (docs/contract.md: ignored and counted). */
  ignored: number;
  /** Messages that failed their schema. */
  rejected: number;
  /** Staff events refused for want of a valid staff token. */
  staffRefused: number;
  viewsPublished: number;
  snapshotsPersisted: number;
  persistFailures: number;
  restoredFromSnapshot: boolean;
  /** Activations an ended session left with the PIN set and the registry not yet told (completion-outbox.ts). */
  completionsPending: number;
  /** Of those, how many the registry has since confirmed. */
  completionsDelivered: number;
}

/** One reading of every counter, in the order the inspector lists them. */
export function engineStats(session: SessionCounts, gate: GateCounts, outbox: Pick<CompletionOutbox, 'pending' | 'delivered'>): EngineStats {
  return {
    accepted: session.accepted,
    ignored: session.ignored,
    rejected: gate.rejected,
    staffRefused: gate.staffRefused,
    viewsPublished: session.viewsPublished,
    snapshotsPersisted: session.snapshotsPersisted,
    persistFailures: session.persistFailures,
    restoredFromSnapshot: session.restoredFromSnapshot,
    completionsPending: outbox.pending().length,
    completionsDelivered: outbox.delivered(),
  };
}
