// The per-kiosk limit on wrong attempts (docs/registry.md, "The per-kiosk rate limit": one kiosk
// must not try many cards). A token bucket per kiosk: every verify takes a token BEFORE any secret is compared and
// gets it back when the secret matched, tokens refill at a steady rate, and a kiosk with no token
// left is refused. Taking first is what makes the limit hold under concurrency: with "check, then
// charge after a wrong answer" a kiosk sending 100 verifies at once passed 100 checks before the
// first charge landed (docs/registry.md, "The per-kiosk rate limit").
//
// The buckets live in KV (`ra_kiosk_limits`), written with compare-and-set, so every registry
// instance of the queue group enforces one shared limit; an in-memory bucket would let a kiosk
// try n times as often with n instances. On top, each instance bounds its own work: a kiosk may
// have only a few verifies in flight at once, and the scrypt comparisons waiting for the thread
// pool are capped, so a flood from one kiosk can neither queue unbounded hashing nor starve the
// other kiosks.
import { headers } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { ContractError } from '../../machines/contract/errors.ts';
import { isKioskId } from '../../machines/contract/subjects.ts';
import type { AckedPublisher } from '../../platform/acked-publisher.ts';
import { isRevisionConflict, KIOSK_LIMITS_BUCKET } from './registry-store.ts';

export interface KioskRateLimit {
  /** Wrong attempts a kiosk may make in a burst. */
  readonly burst: number;
  /** Tokens added back per minute. */
  readonly perMinute: number;
  /** Verifies of one kiosk this instance works on at once; more are refused (3125, retry later). */
  readonly maxInFlightPerKiosk?: number;
  /** Secret comparisons (scrypt) this instance lets wait at once, all kiosks together. */
  readonly maxPendingComparisons?: number;
}

/** Two cards' worth of attempts in a burst, then one every 6 s on average. */
export const DEFAULT_KIOSK_RATE_LIMIT: KioskRateLimit = { burst: 10, perMinute: 10 };
/** A kiosk has one user at a time: two verifies at once already mean a retry racing its original. */
export const DEFAULT_MAX_IN_FLIGHT_PER_KIOSK = 2;
/**
 * About two seconds of hashing on the 2-core reference machine (about 40 ms per scrypt, two at a
 * time), well inside a kiosk's 5 s registry timeout, and above the 64 verifies many honest kiosks
 * have in flight at once at the scrypt bound (docs/benchmarks.md): honest load queues, it is not
 * turned away. A flood from one kiosk never gets here (maxInFlightPerKiosk, the token bucket).
 */
export const DEFAULT_MAX_PENDING_COMPARISONS = 96;

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

/** Gives back a token taken for an attempt that turned out right (never above the burst). */
export function refundToken(bucket: TokenBucket | null, now: number, limit: KioskRateLimit): TokenBucket {
  const current = refill(bucket, now, limit);
  return { tokens: Math.min(limit.burst, current.tokens + 1), at: now };
}

/** What `admit` hands back: `refund()` unless a secret was compared and wrong; `release()` always. */
export interface Admission {
  refund(): Promise<void>;
  release(): void;
}

/** Retries of a refund while the store is unavailable (back-off 0.1, 0.2, 0.4, 0.8, 1.6 s). */
const REFUND_RETRIES = 5;
/** Compare-and-set rounds before giving up (each round re-reads; conflicts are rare per kiosk). */
const MAX_CAS_ROUNDS = 64;
/** Kiosks whose bucket revision an instance remembers (a few hundred bytes each; the oldest is forgotten first). */
const MAX_KNOWN_BUCKETS = 10_000;

/** A kiosk's bucket as last read or written, and its revision (0: the key has no message). */
interface StoredBucket {
  readonly bucket: TokenBucket | null;
  readonly revision: number;
}

export class KioskLimiter {
  readonly #kv: KV;
  readonly #publisher: AckedPublisher;
  readonly #limit: KioskRateLimit;
  readonly #maxInFlight: number;
  /** The secret comparisons of this instance, all kiosks together. */
  readonly comparisons: ComparisonGate;
  readonly #inFlight = new Map<string, number>();
  /** One instance's own takes of one kiosk run one after another: CAS is for other instances. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /**
   * Each kiosk's bucket as this instance last read or wrote it. A verify's take and refund start
   * their compare-and-set from it instead of reading first (two reads fewer per verify, docs/benchmarks.md):
   * if another instance wrote since, the write is refused as stale and the bucket read again, so
   * this changes how often the store is read, never what it decides.
   */
  readonly #known = new Map<string, StoredBucket>();

  constructor(kv: KV, publisher: AckedPublisher, limit: KioskRateLimit) {
    this.#kv = kv;
    this.#publisher = publisher;
    this.#limit = limit;
    this.#maxInFlight = limit.maxInFlightPerKiosk ?? DEFAULT_MAX_IN_FLIGHT_PER_KIOSK;
    this.comparisons = new ComparisonGate(limit.maxPendingComparisons ?? DEFAULT_MAX_PENDING_COMPARISONS);
  }

  /**
   * Admits one verify of `kioskId`, or refuses: at once (throws 3125, retryable: the kiosk asks
   * again shortly) when the kiosk already has its in-flight verifies, so the caller starts nothing
   * else for it; LOCKED (the promise rejects) when its bucket is empty. The token is taken here,
   * before any comparison.
   */
  admit(kioskId: string, now: Date): Promise<Admission> {
    const running = this.#inFlight.get(kioskId) ?? 0;
    if (running >= this.#maxInFlight) {
      throw new ContractError('3125', `this kiosk already has ${running} verifies in flight: try again shortly`);
    }
    this.#inFlight.set(kioskId, running + 1);
    return this.#take(kioskId, now);
  }

  async #take(kioskId: string, now: Date): Promise<Admission> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(kioskId) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(kioskId);
      else this.#inFlight.set(kioskId, left);
    };
    try {
      const at = now.getTime();
      const took = await this.#serialised(kioskId, () =>
        this.#change(kioskId, (bucket) => (hasToken(bucket, at, this.#limit) ? takeToken(bucket, at, this.#limit) : undefined)),
      );
      if (!took) throw new ContractError('LOCKED', 'this kiosk made too many wrong attempts: it is rate-limited for a while (staff can help)');
    } catch (error) {
      release();
      throw error;
    }
    return {
      refund: async () => {
        // The store may be electing a leader (a hub node just died): a refund dropped then would
        // cost an honest kiosk a token, so it is tried again for about three seconds first.
        for (let attempt = 0; ; attempt++) {
          try {
            await this.#serialised(kioskId, () => this.#change(kioskId, (bucket) => refundToken(bucket, now.getTime(), this.#limit)));
            return;
          } catch (error) {
            if (attempt >= REFUND_RETRIES) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
          }
        }
      },
      release,
    };
  }

  /**
   * Applies `next` to the kiosk's bucket with compare-and-set; false when `next` declined. It starts
   * from the bucket as this instance knows it, but declines only on a bucket read just now: a
   * remembered one may be missing tokens another instance gave back.
   */
  async #change(kioskId: string, next: (bucket: TokenBucket | null) => TokenBucket | undefined): Promise<boolean> {
    if (!isKioskId(kioskId)) throw new Error('not a kiosk id');
    let current = this.#known.get(kioskId);
    let fresh = current === undefined;
    current ??= await this.#read(kioskId);
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const write = next(current.bucket);
      if (write === undefined && fresh) return false;
      if (write !== undefined && (await this.#write(kioskId, write, current.revision))) return true;
      current = await this.#read(kioskId);
      fresh = true;
    }
    throw new Error(`compare-and-set on the rate limit of ${kioskId} kept conflicting`);
  }

  async #read(kioskId: string): Promise<StoredBucket> {
    const entry = await this.#kv.get(kioskId);
    // A deleted key (an operator's `kv del`) keeps its marker's revision: the next write replaces it.
    const stored = { bucket: entry?.operation === 'PUT' ? entry.json<TokenBucket>() : null, revision: entry?.revision ?? 0 };
    this.#remember(kioskId, stored);
    return stored;
  }

  /**
   * One publish to the bucket's subject for the key, with the revision it replaces as the expected
   * last sequence (what `kv.update` / `kv.create` send), through the shared-inbox publisher (a third
   * of nats.js's CPU per write). False when another write came first.
   */
  async #write(kioskId: string, bucket: TokenBucket, revision: number): Promise<boolean> {
    const header = headers();
    header.set('Nats-Expected-Last-Subject-Sequence', String(revision));
    try {
      // kiosk ids are subject tokens (isKioskId), as the bucket's keys must be.
      const ack = await this.#publisher.publish(`$KV.${KIOSK_LIMITS_BUCKET}.${kioskId}`, JSON.stringify(bucket), header);
      this.#remember(kioskId, { bucket, revision: ack.seq });
      return true;
    } catch (error) {
      this.#known.delete(kioskId);
      if (isRevisionConflict(error)) return false;
      throw error;
    }
  }

  #remember(kioskId: string, stored: StoredBucket): void {
    this.#known.delete(kioskId);
    this.#known.set(kioskId, stored);
    if (this.#known.size > MAX_KNOWN_BUCKETS) this.#known.delete(this.#known.keys().next().value as string);
  }

  #serialised<T>(kioskId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(kioskId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#queues.set(kioskId, tail);
    void tail.then(() => {
      if (this.#queues.get(kioskId) === tail) this.#queues.delete(kioskId);
    });
    return run;
  }
}

/**
 * Bounds the secret comparisons waiting for the thread pool. Each scrypt holds 20 MiB and a
 * thread for ~40 ms; an unbounded queue turns a flood into memory and latency for everyone.
 */
export class ComparisonGate {
  readonly #max: number;
  #pending = 0;

  constructor(max = DEFAULT_MAX_PENDING_COMPARISONS) {
    this.#max = max;
  }

  /** Whether a comparison would be refused now: checked before any other work of a verify. */
  get full(): boolean {
    return this.#pending >= this.#max;
  }

  async run<T>(compare: () => Promise<T>): Promise<T> {
    if (this.full) {
      throw new ContractError('3125', 'the registry is busy comparing secrets: try again shortly');
    }
    this.#pending++;
    try {
      return await compare();
    } finally {
      this.#pending--;
    }
  }
}
