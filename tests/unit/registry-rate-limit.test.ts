// The per-kiosk token bucket, as pure functions.
import { describe, expect, it } from 'vitest';
import { hasToken, refill, takeToken, type KioskRateLimit } from '../../services/registry/kiosk-rate-limit.ts';

const limit: KioskRateLimit = { burst: 3, perMinute: 6 };
const T0 = 1_000_000;

describe('the kiosk token bucket', () => {
  it('starts full', () => {
    expect(refill(null, T0, limit)).toEqual({ tokens: 3, at: T0 });
    expect(hasToken(null, T0, limit)).toBe(true);
  });

  it('runs dry after a burst of wrong attempts, and never goes into debt', () => {
    let bucket = null as ReturnType<typeof takeToken> | null;
    for (let i = 0; i < 3; i++) bucket = takeToken(bucket, T0, limit);
    expect(hasToken(bucket, T0, limit)).toBe(false);
    bucket = takeToken(bucket, T0, limit);
    expect(bucket.tokens).toBe(0);
  });

  it('refills at the configured rate, up to the burst', () => {
    const empty = { tokens: 0, at: T0 };
    expect(hasToken(empty, T0 + 9_999, limit)).toBe(false);
    expect(hasToken(empty, T0 + 10_000, limit)).toBe(true);
    expect(refill(empty, T0 + 3_600_000, limit).tokens).toBe(3);
  });

  it('ignores a clock that went backwards', () => {
    expect(refill({ tokens: 1, at: T0 }, T0 - 60_000, limit).tokens).toBe(1);
  });
});
