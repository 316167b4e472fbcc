// How many sign-in and enrollment ceremonies may be open: each begin stores one in
// `ra_staff_pending` for 5 minutes, so unbounded begins would fill storage (docs/security.md). A
// begin over the limit is refused with SIGN_IN_BUSY before anything is stored. The limits count
// begins within the ceremony's lifetime: in total (per staff-auth instance) and per named staff
// member. The bucket itself is bounded too (`max_bytes`), as a last stop across instances.
export interface CeremonyLimits {
  /** Begins within one window, all desks together. */
  readonly total: number;
  /** Begins within one window for one named staff member. */
  readonly perStaff: number;
  readonly windowMs: number;
}

export const DEFAULT_CEREMONY_LIMITS: CeremonyLimits = { total: 300, perStaff: 10, windowMs: 5 * 60_000 };

export class CeremonyLimiter {
  readonly #all: number[] = [];
  readonly #byStaff = new Map<string, number[]>();

  constructor(
    private readonly limits: CeremonyLimits,
    private readonly now: () => number,
  ) {}

  /** Counts one begin and says whether it is within the limits (a refused one is not counted). */
  admit(staffId: string | undefined): boolean {
    const now = this.now();
    const since = now - this.limits.windowMs;
    prune(this.#all, since);
    if (this.#all.length >= this.limits.total) return false;
    if (staffId !== undefined) {
      const mine = this.#byStaff.get(staffId) ?? [];
      prune(mine, since);
      if (mine.length >= this.limits.perStaff) return false;
      mine.push(now);
      this.#byStaff.set(staffId, mine);
    }
    this.#all.push(now);
    if (this.#byStaff.size > this.limits.total) {
      for (const [id, times] of this.#byStaff) if (prune(times, since) === 0) this.#byStaff.delete(id);
    }
    return true;
  }
}

/** Drops the times before `since` (they are in order); returns how many remain. */
function prune(times: number[], since: number): number {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) < since) drop++;
  times.splice(0, drop);
  return times.length;
}
