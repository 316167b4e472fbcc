// The per-kiosk limit on wrong attempts (ARCHITECTURE.md invariant 3: one kiosk must not try many
// cards). A token bucket per kiosk: each wrong user code / ID takes a token, tokens refill at a
// steady rate, and a kiosk with no token left is refused before any secret is compared.
//
// The buckets live in KV (`ra_kiosk_limits`), written with compare-and-set, so every registry
// instance of the queue group enforces one shared limit; an in-memory bucket would let a kiosk
// try n times as often with n instances. The cost is one KV read per verify and one write per
// wrong attempt, small next to the scrypt hash each verify pays anyway.
import type { KV } from '@nats-io/kv';
import { compareAndSet } from './registry-store.ts';

export interface KioskRateLimit {
  /** Wrong attempts a kiosk may make in a burst. */
  readonly burst: number;
  /** Tokens added back per minute. */
  readonly perMinute: number;
}

/** Two cards' worth of attempts in a burst, then one every 6 s on average. */
export const DEFAULT_KIOSK_RATE_LIMIT: KioskRateLimit = { burst: 10, perMinute: 10 };

export interface TokenBucket {
  readonly tokens: number;
  /** When `tokens` was last computed (ms since the epoch). */
  readonly at: number;
}

/** The bucket as it stands at `now`, refilled since it was last written. */
export function refill(bucket: TokenBucket | null, now: number, limit: KioskRateLimit): TokenBucket {
  if (bucket === null) return { tokens: limit.burst, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  return { tokens: Math.min(limit.burst, bucket.tokens + (elapsed * limit.perMinute) / 60_000), at: now };
}

export function hasToken(bucket: TokenBucket | null, now: number, limit: KioskRateLimit): boolean {
  return refill(bucket, now, limit).tokens >= 1;
}

/** Takes one token (never below zero: a kiosk that keeps failing stays empty, not in debt). */
export function takeToken(bucket: TokenBucket | null, now: number, limit: KioskRateLimit): TokenBucket {
  const current = refill(bucket, now, limit);
  return { tokens: Math.max(0, current.tokens - 1), at: now };
}

export class KioskLimiter {
  readonly #kv: KV;
  readonly #limit: KioskRateLimit;

  constructor(kv: KV, limit: KioskRateLimit) {
    this.#kv = kv;
    this.#limit = limit;
  }

  /** Whether `kioskId` may try a secret now. */
  async allows(kioskId: string, now: Date): Promise<boolean> {
    const entry = await this.#kv.get(kioskId);
    const bucket = entry && entry.operation === 'PUT' ? entry.json<TokenBucket>() : null;
    return hasToken(bucket, now.getTime(), this.#limit);
  }

  /** Counts one wrong attempt against `kioskId`. */
  async charge(kioskId: string, now: Date): Promise<void> {
    await compareAndSet<TokenBucket, null>(this.#kv, kioskId, (current) => ({
      write: takeToken(current?.value ?? null, now.getTime(), this.#limit),
      result: null,
    }));
  }
}
