// How the registry keeps what it must never store in the clear (docs/registry.md, "Secrets";
// docs/security.md, "Assets"): user codes as salted scrypt hashes, national IDs and birth dates as keyed HMACs,
// SO credentials encrypted at rest. One 32-byte registry key is the root of the last two; every
// instance of the registry must hold the same key.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomFillSync, scrypt, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism (Node runs the lanes one after another). */
  p: number;
}

/**
 * The production cost. Measured on the 2-core reference machine: one hash takes about 40–45 ms
 * (20 MiB of memory), inside the 30–100 ms a CA should spend on one guess. `npm run bench`
 * prints the time measured on the machine it runs on.
 */
export const PRODUCTION_SCRYPT_COST: Readonly<ScryptCost> = { N: 16_384, r: 10, p: 1 };

const HASH_LENGTH = 32;
const SALT_LENGTH = 16;
const KEY_LENGTH = 32;
const KEY_FILE = 'registry.key';

function maxmemFor(cost: ScryptCost): number {
  // scrypt needs 128·N·r·p bytes plus headroom; Node refuses anything above maxmem.
  return 128 * cost.N * cost.r * cost.p + 16 * 1024 * 1024;
}

/**
 * The libuv threadpool (4 threads unless UV_THREADPOOL_SIZE says otherwise) runs scrypt, and also
 * WebCrypto (the PIN grant's JWE key agreement, `jose`), file reads and DNS. Its queue is first
 * come, first served: with every thread and the queue full of hashes, a PIN grant waited behind
 * up to 96 of them and timed out as 3125 under load. So at most all threads but one hash at once;
 * the other hashes wait here, and the last thread is always free for the rest.
 */
export const HASHING_THREADS = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1);
let hashing = 0;
const waitingToHash: Array<() => void> = [];

async function inHashingLane<T>(hash: () => Promise<T>): Promise<T> {
  if (hashing >= HASHING_THREADS) await new Promise<void>((resolve) => waitingToHash.push(resolve));
  else hashing++;
  try {
    return await hash();
  } finally {
    // The slot passes straight to the next waiting hash, if any.
    const next = waitingToHash.shift();
    if (next === undefined) hashing--;
    else next();
  }
}

function scryptAsync(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return inHashingLane(
    () =>
      new Promise((resolve, reject) => {
        // The async form runs on the libuv threadpool, so the event loop keeps answering other requests.
        scrypt(secret, salt, HASH_LENGTH, { ...cost, maxmem: maxmemFor(cost) }, (error, derived) => {
          if (error) reject(error);
          else resolve(derived);
        });
      }),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url: the cost travels with the hash. */
export async function hashUserCode(userCode: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await scryptAsync(userCode, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Checks `userCode` against a stored hash, at the cost the hash was made with. */
export async function verifyUserCode(userCode: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new Error('not a scrypt hash of this registry');
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const derived = await scryptAsync(userCode, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}

/**
 * Where the registry key comes from: the caller, else `REGISTRY_KEY` (64 hex digits), else
 * `<dataDir>/registry.key`, created on first start with mode 0600. A key file that others can read
 * is refused rather than silently tightened: it may already have leaked.
 */
export async function loadRegistryKey(options: { dataDir: string; secretKey?: Buffer; env?: NodeJS.ProcessEnv }): Promise<Buffer> {
  if (options.secretKey !== undefined) return checkedKey(options.secretKey, 'the secretKey option');
  const fromEnv = (options.env ?? process.env).REGISTRY_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new Error('REGISTRY_KEY must be 64 hex digits (32 bytes)');
    return Buffer.from(fromEnv, 'hex');
  }
  await mkdir(options.dataDir, { recursive: true });
  const file = join(options.dataDir, KEY_FILE);
  try {
    // 'wx' makes creation atomic: of several instances starting at once, one writes, the others read.
    const handle = await open(file, 'wx', 0o600);
    try {
      const key = randomBytes(KEY_LENGTH);
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
      await chmod(file, 0o600);
      return key;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it or give REGISTRY_KEY`);
  }
  // Another instance may have created the file an instant ago and not written it yet.
  for (let attempt = 0; ; attempt++) {
    const text = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
    if (attempt >= 20) throw new Error(`${file} does not hold a registry key (64 hex digits)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Bytes of an AES-GCM nonce (96 bits, the size GCM is made for). */
export const NONCE_LENGTH = 12;
/** Nonces drawn from the CSPRNG at once: one call per 1,024 seals instead of one per seal. */
const NONCES_PER_FILL = 1024;
const noncePool = Buffer.alloc(NONCE_LENGTH * NONCES_PER_FILL);
let nextNonce = noncePool.length;

/**
 * A fresh random nonce for AES-GCM. `randomBytes(12)` per seal was 4.6 % of the registry's busy
 * time under accepts (docs/benchmarks.md); this takes the same CSPRNG bytes 1,024 nonces at a time.
 * A nonce is as unlikely to repeat under one key as with `randomBytes` (a 96-bit random nonce, the
 * birthday bound far beyond the records one key seals): every byte of the pool is handed out once
 * (the offset only moves forward) and the whole pool is overwritten with fresh CSPRNG bytes before
 * the offset starts again, so no bytes are ever handed out twice. Callers use the nonce at once
 * (the cipher copies it, the sealed text encodes it): its bytes are overwritten at the next refill.
 */
export function freshNonce(): Buffer {
  if (nextNonce + NONCE_LENGTH > noncePool.length) {
    randomFillSync(noncePool);
    nextNonce = 0;
  }
  const nonce = noncePool.subarray(nextNonce, nextNonce + NONCE_LENGTH);
  nextNonce += NONCE_LENGTH;
  return nonce;
}

function checkedKey(key: Buffer, what: string): Buffer {
  if (key.length !== KEY_LENGTH) throw new Error(`${what} must be ${KEY_LENGTH} bytes`);
  return key;
}

/** The keyed operations, each under its own key derived from the registry key. */
export class RegistrySecrets {
  readonly #macKey: Buffer;
  readonly #sealKey: Buffer;
  readonly #checkKey: Buffer;
  readonly #auditSeed: Buffer;
  readonly #recordKey: Buffer;

  constructor(registryKey: Buffer) {
    checkedKey(registryKey, 'the registry key');
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', registryKey, Buffer.alloc(0), info, KEY_LENGTH));
    this.#macKey = derive('moeaca registry: personal data MAC v1');
    this.#sealKey = derive('moeaca registry: SO credential at rest v1');
    this.#checkKey = derive('moeaca registry: key check v1');
    this.#auditSeed = derive('moeaca registry: audit checkpoint Ed25519 seed v1');
    this.#recordKey = derive('moeaca registry: card record v1');
  }

  /** The seed of the Ed25519 key that signs audit checkpoints: every instance, one key. */
  auditSigningSeed(): Buffer {
    return Buffer.from(this.#auditSeed);
  }

  /** HMAC-SHA-256 of a normalized (upper-cased) national or resident ID. */
  macResponsibleId(normalizedId: string): string {
    return this.#mac(`responsible-id\n${normalizedId}`);
  }

  /** HMAC-SHA-256 of a birth date as YYYY-MM-DD. */
  macBirthDate(isoDate: string): string {
    return this.#mac(`birth-date\n${isoDate}`);
  }

  /** Constant-time comparison of two MACs made by this class. */
  sameMac(a: string, b: string): boolean {
    const left = Buffer.from(a, 'base64url');
    const right = Buffer.from(b, 'base64url');
    return left.length === right.length && timingSafeEqual(left, right);
  }

  /** A value that tells whether two instances hold the same key, without revealing it. */
  keyCheck(): string {
    return createHmac('sha256', this.#checkKey).update('key check').digest('base64url');
  }

  /** AES-256-GCM under the at-rest key, bound to the card number: `v1.nonce.ciphertext.tag`. */
  encryptSoCredential(cardNumber: string, credential: string): string {
    const nonce = freshNonce();
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, nonce);
    cipher.setAAD(Buffer.from(`so-credential\n${cardNumber}`));
    const ciphertext = Buffer.concat([cipher.update(credential, 'utf8'), cipher.final()]);
    return ['v1', nonce.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The SO credential as bytes; the caller zeroes the buffer once it is sealed. */
  decryptSoCredential(cardNumber: string, stored: string): Buffer {
    const parts = stored.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw new Error('not an SO credential sealed by this registry');
    const [, nonce, ciphertext, tag] = parts as [string, string, string, string];
    const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(`so-credential\n${cardNumber}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  }

  /**
   * A card record sealed for the header of its change message on RA_EVENTS (docs/registry.md,
   * "How a change and its event are written"): AES-256-GCM bound to the card number and the
   * record's change number, `r1.nonce.ciphertext.tag`. Readers of the stream see the event only.
   */
  sealRecord(cardNumber: string, seq: number, json: string): string {
    const nonce = freshNonce();
    const cipher = createCipheriv('aes-256-gcm', this.#recordKey, nonce);
    cipher.setAAD(Buffer.from(`card-record\n${cardNumber}\n${seq}`));
    const ciphertext = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    return ['r1', nonce.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The record JSON of `sealRecord`; throws if it was sealed for another card or change, or altered. */
  openRecord(cardNumber: string, seq: number, sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'r1') throw new Error('not a card record sealed by this registry');
    const [, nonce, ciphertext, tag] = parts as [string, string, string, string];
    const decipher = createDecipheriv('aes-256-gcm', this.#recordKey, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(`card-record\n${cardNumber}\n${seq}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  #mac(text: string): string {
    return createHmac('sha256', this.#macKey).update(text, 'utf8').digest('base64url');
  }
}
