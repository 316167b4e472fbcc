// The audit trail's tamper evidence (docs/security.md, "The audit trail"): every RA_AUDIT message
// carries its place in the chain (`n`) and the SHA-256 of the message before it (`prev`), and
// every so often the registry appends a checkpoint that signs (Ed25519) the chain up to it. A
// message removed, edited, reordered or inserted breaks the chain at the message after it; a chain
// rebuilt from the edit onwards no longer matches the next checkpoint's signature, which only the
// registry key can make. Pure code: the writer is staff-audit.ts, the operator's command
// audit-cli.ts.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** The `prev` of the first message of a chain. */
export const GENESIS = '0'.repeat(64);

/** One message's link: its place and the hash of the message before it. */
export interface ChainLink {
  readonly n: number;
  readonly prev: string;
}

/** What a checkpoint message holds besides its link: when, and the signature over both. */
export interface CheckpointBody {
  readonly at: string;
  readonly checkpoint: { readonly publicKey: string };
  readonly signature: string;
}

/** The SHA-256 (hex) of a stored message, exactly as stored: the next message's `prev`. */
export function chainHash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a checkpoint signs: the chain up to it (through `prev`), its place and its time. */
function checkpointStatement(n: number, prev: string, at: string): Buffer {
  return Buffer.from(`moeaca audit checkpoint v1\n${n}\n${prev}\n${at}`, 'utf8');
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 private key whose 32-byte seed is `seed` (derived from the registry key). */
export function signingKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key, base64url: how checkpoints and `npm run audit -- public-key` name it. */
export function publicKeyText(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

function publicKeyFromText(text: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

/** A checkpoint message's JSON for the chain after `link`, signed with `key`. */
export function makeCheckpoint(link: ChainLink, at: string, key: KeyObject): string {
  const signature = sign(null, checkpointStatement(link.n, link.prev, at), key).toString('base64url');
  return JSON.stringify({ n: link.n, prev: link.prev, at, checkpoint: { publicKey: publicKeyText(key) }, signature });
}

export function isCheckpoint(message: unknown): message is ChainLink & CheckpointBody {
  return typeof message === 'object' && message !== null && 'checkpoint' in message && 'signature' in message;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  /** Entries after the last checkpoint: chained, but not yet under a signature. */
  readonly uncovered: number;
  /** The first problem, naming the entry (its `n` and line). */
  readonly problem?: string;
}

/**
 * Checks an export (one stored message per line, in stream order): each line's `prev` is the hash
 * of the line before, `n` counts up by one, and every checkpoint's signature verifies with
 * `trustedKey` (the registry's checkpoint key). An export may start mid-chain (`--from`): its first
 * line is taken as the anchor, unless it claims to be the first (then its `prev` must be GENESIS).
 */
export function verifyChain(lines: readonly string[], trustedKey: string): VerifyResult {
  const trusted = publicKeyFromText(trustedKey);
  let previous: { n: number; hash: string } | undefined;
  let entries = 0;
  let checkpoints = 0;
  let uncovered = 0;
  const fail = (problem: string): VerifyResult => ({ ok: false, entries, checkpoints, uncovered, problem });
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}`;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return fail(`${where}: not a JSON audit entry`);
    }
    const { n, prev } = (message ?? {}) as Partial<ChainLink>;
    if (typeof n !== 'number' || typeof prev !== 'string') return fail(`${where}: not a chained audit entry (no n or prev)`);
    const name = `entry n=${n} (${where})`;
    if (previous === undefined) {
      if (n === 1 && prev !== GENESIS) return fail(`${name}: the first entry does not start the chain`);
    } else {
      if (prev !== previous.hash) {
        return fail(`${name}: does not follow entry n=${previous.n}: that entry was edited, or an entry was removed, inserted or moved between them`);
      }
      if (n !== previous.n + 1) return fail(`${name}: comes after entry n=${previous.n}: an entry is missing or out of order`);
    }
    if (isCheckpoint(message)) {
      if (message.checkpoint.publicKey !== trustedKey) return fail(`${name}: a checkpoint signed by another key`);
      const good = typeof message.signature === 'string' && verify(null, checkpointStatement(n, prev, message.at), trusted, Buffer.from(message.signature, 'base64url'));
      if (!good) return fail(`${name}: the checkpoint's signature does not verify`);
      checkpoints++;
      uncovered = 0;
    } else {
      entries++;
      uncovered++;
    }
    previous = { n, hash: chainHash(line) };
  }
  return { ok: true, entries, checkpoints, uncovered };
}
