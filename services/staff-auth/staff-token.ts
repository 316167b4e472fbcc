// The staff token: a short-lived JWT (EdDSA over Ed25519, `jose`) that the staff-auth service
// issues after a verified WebAuthn assertion and the registry checks on every staff request. The
// registry needs only the public key; both read the key pair from `$DATA_DIR/staff-token.jwk`
// (mode 0600), made by whichever part starts first.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { StaffError } from '../../machines/contract/staff.ts';

export const STAFF_TOKEN_FILE = 'staff-token.jwk';
export const STAFF_TOKEN_ISSUER = 'moeaca-staff-auth';
export const STAFF_TOKEN_AUDIENCE = 'moeaca-registry';
/** How long a sign-in lasts: a desk shift is longer, but a forgotten open console should not be. */
export const STAFF_TOKEN_TTL_S = 15 * 60;
/** Clocks of the issuing hub node and the checking part may differ this much (NTP keeps them closer). */
export const STAFF_TOKEN_CLOCK_SKEW_S = 30;
const ALGORITHM = 'EdDSA';

export interface StaffTokenKeys {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

export interface StaffIdentity {
  readonly staffId: string;
  readonly name: string;
  /** ISO time the token stops being accepted. */
  readonly expiresAt: string;
  /** When it was issued (`iat`, seconds): a revocation ends every token issued before it. */
  readonly issuedAt: number;
  /** The token's own id (`jti`): sign-out revokes this one token. */
  readonly tokenId: string;
}

/**
 * The key pair: STAFF_TOKEN_KEY (the private JWK, as JSON; production gives every hub node the
 * same one, as it does REGISTRY_KEY), else the file, made on first use (exclusive create: two
 * parts starting together agree on one).
 */
export async function loadStaffTokenKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<StaffTokenKeys> {
  const found = await readStaffTokenJwk(dataDir, env);
  if (found !== undefined) return keysOf(found);
  return (await makeStaffTokenKeys(dataDir)).keys;
}

/**
 * Makes the key file in DATA_DIR; `made` is false when another part made it first (then its key
 * is the one read and used).
 */
async function makeStaffTokenKeys(dataDir: string): Promise<{ keys: StaffTokenKeys; made: boolean }> {
  const file = join(dataDir, STAFF_TOKEN_FILE);
  const pair = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const made = await exportJWK(pair.privateKey);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, JSON.stringify(made), { mode: 0o600, flag: 'wx' });
    return { keys: await keysOf(made), made: true };
  } catch (raced) {
    if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
    return { keys: await keysOf(JSON.parse(await readFile(file, 'utf8')) as JWK), made: false };
  }
}

/** The private JWK as configured: STAFF_TOKEN_KEY, else the file in DATA_DIR; undefined when neither is there. */
async function readStaffTokenJwk(dataDir: string, env: NodeJS.ProcessEnv): Promise<JWK | undefined> {
  if (env.STAFF_TOKEN_KEY) return JSON.parse(env.STAFF_TOKEN_KEY) as JWK;
  try {
    return JSON.parse(await readFile(join(dataDir, STAFF_TOKEN_FILE), 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Where the key that checks staff tokens came from: the engine says so when it starts. */
export type StaffTokenKeySource = 'STAFF_TOKEN_PUBLIC_KEY' | 'STAFF_TOKEN_KEY' | 'DATA_DIR' | 'made in DATA_DIR';

/**
 * The key that verifies staff tokens, for the parts that only check them (the kiosk engine):
 * STAFF_TOKEN_PUBLIC_KEY (the public JWK, as JSON: what a production kiosk gets, never the private
 * key), else the pair of loadStaffTokenKeys (STAFF_TOKEN_KEY or the file in DATA_DIR, made there
 * when there is none: then only a staff-auth part on the same DATA_DIR signs with it).
 */
export async function loadStaffTokenPublicKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ publicKey: CryptoKey; source: StaffTokenKeySource }> {
  if (env.STAFF_TOKEN_PUBLIC_KEY) {
    const jwk = JSON.parse(env.STAFF_TOKEN_PUBLIC_KEY) as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.d !== undefined) throw new Error('STAFF_TOKEN_PUBLIC_KEY must be an Ed25519 public JWK');
    return { publicKey: (await importJWK(jwk, ALGORITHM)) as CryptoKey, source: 'STAFF_TOKEN_PUBLIC_KEY' };
  }
  const configured = await readStaffTokenJwk(dataDir, env);
  if (configured !== undefined) return { publicKey: (await keysOf(configured)).publicKey, source: env.STAFF_TOKEN_KEY ? 'STAFF_TOKEN_KEY' : 'DATA_DIR' };
  const { keys, made } = await makeStaffTokenKeys(dataDir);
  return { publicKey: keys.publicKey, source: made ? 'made in DATA_DIR' : 'DATA_DIR' };
}

/**
 * The public half of the staff token key, as the JWK a kiosk's STAFF_TOKEN_PUBLIC_KEY takes
 * (`npm run staff -- public-key`): from STAFF_TOKEN_KEY, else the file in DATA_DIR. It reads and
 * never makes a key: a key made here would not be the one the staff-auth part signs with.
 */
export async function staffTokenPublicJwk(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<JWK> {
  const jwk = await readStaffTokenJwk(dataDir, env);
  if (jwk === undefined) throw new Error(`no staff token key: set STAFF_TOKEN_KEY (a hub node) or start the stack once on ${dataDir}`);
  await keysOf(jwk);
  // Only the public fields, by name: nothing else of the private JWK may travel to a kiosk.
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

async function keysOf(jwk: JWK): Promise<StaffTokenKeys> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') throw new Error('the staff token key must be an Ed25519 private JWK');
  const { d: _private, ...publicJwk } = jwk;
  return {
    privateKey: (await importJWK(jwk, ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, ALGORITHM)) as CryptoKey,
  };
}

export async function signStaffToken(
  privateKey: CryptoKey,
  staff: { staffId: string; name: string },
  now: Date,
  ttlSeconds = STAFF_TOKEN_TTL_S,
): Promise<{ token: string; expiresAt: string }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ name: staff.name })
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(staff.staffId)
    .setIssuer(STAFF_TOKEN_ISSUER)
    .setAudience(STAFF_TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .setJti(randomUUID())
    .sign(privateKey);
  return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000).toISOString() };
}

/**
 * The staff member a token's signature and claims prove, or a StaffError saying why it proves
 * nothing. A signature alone is not enough: the issue time must not be in the future (beyond the
 * clock skew) and the lifetime must be the service's at most, whatever the signer wrote. Whether
 * the staff member is still enrolled and the token not revoked is staff-directory.ts's check.
 */
export async function verifyStaffToken(publicKey: CryptoKey, token: string | undefined, now: Date): Promise<StaffIdentity> {
  if (token === undefined || token === '') throw new StaffError('STAFF_SIGN_IN_REQUIRED', 'staff requests need a staff token: sign in first');
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [ALGORITHM],
      issuer: STAFF_TOKEN_ISSUER,
      audience: STAFF_TOKEN_AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    const { sub, name, exp, iat, jti } = payload;
    if (typeof sub !== 'string' || typeof name !== 'string' || typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string') {
      throw new StaffError('STAFF_TOKEN_INVALID', 'the staff token lacks its subject, name, issue time or id');
    }
    if (iat > now.getTime() / 1000 + STAFF_TOKEN_CLOCK_SKEW_S) throw new StaffError('STAFF_TOKEN_INVALID', 'the staff token is issued in the future');
    if (exp - iat > STAFF_TOKEN_TTL_S) throw new StaffError('STAFF_TOKEN_INVALID', 'the staff token claims a longer life than a sign-in gives');
    return { staffId: sub, name, expiresAt: new Date(exp * 1000).toISOString(), issuedAt: iat, tokenId: jti };
  } catch (error) {
    if (error instanceof StaffError) throw error;
    if (error instanceof errors.JWTExpired) throw new StaffError('STAFF_TOKEN_EXPIRED', 'the staff token has expired: sign in again');
    throw new StaffError('STAFF_TOKEN_INVALID', 'the staff token does not verify');
  }
}
