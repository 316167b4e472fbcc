// What the card agent signs and the registry verifies (docs/security.md, "Card agent keys and card binding"):
//   - with the kiosk's enrolled card-agent key (Ed25519): the one-time X25519 key of a PIN grant,
//     and a report of a failed SO login — each bound to one activation and one kiosk;
//   - with the card's own key (on the card, after its new PIN is set): the registry's nonce, so
//     that `complete` proves the card in the reader holds the registered certificate's key.
// Each statement starts with its own purpose line, so a signature made for one can never pass as
// another.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

const GRANT_KEY_PURPOSE = 'moeaca-kiosk pin-grant-key v1';
const SO_REPORT_PURPOSE = 'moeaca-kiosk so-login-failed v1';
const POSSESSION_PURPOSE = 'moeaca-kiosk card-possession v1';

/** What the agent key signs to ask for a PIN grant: this activation, this kiosk, this one-time key. */
export function grantKeyStatement(activationId: string, kioskId: string, oneTimePublicKey: string): Buffer {
  return Buffer.from([GRANT_KEY_PURPOSE, activationId, kioskId, oneTimePublicKey].join('\n'), 'utf8');
}

/** What the agent key signs to report a failed or refused SO login on a card. */
export function soReportStatement(activationId: string, kioskId: string, cardNumber: string, problem: string): Buffer {
  return Buffer.from([SO_REPORT_PURPOSE, activationId, kioskId, cardNumber, problem].join('\n'), 'utf8');
}

/** What the card's own key signs after its new PIN is set: the registry's nonce for this activation. */
export function possessionStatement(activationId: string, cardNumber: string, nonce: string): Buffer {
  return Buffer.from([POSSESSION_PURPOSE, activationId, cardNumber, nonce].join('\n'), 'utf8');
}

/** SHA-256 of a SubjectPublicKeyInfo (DER), lower-case hex: the fingerprint a card record keeps. */
export function publicKeySha256(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** An Ed25519 public key from its raw 32 bytes (base64url); throws on anything else. */
export function ed25519PublicKey(raw: string): KeyObject {
  if (Buffer.from(raw, 'base64url').length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
}

/** The raw 32-byte public key (base64url) of an Ed25519 key. */
export function rawEd25519PublicKey(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

export function signWithAgentKey(privateKey: KeyObject, statement: Buffer): string {
  return sign(null, statement, privateKey).toString('base64url');
}

export function verifyAgentSignature(publicKey: string, statement: Buffer, signature: string): boolean {
  try {
    return verify(null, statement, ed25519PublicKey(publicKey), Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * Verifies a card's signature over `statement` with the public key of its certificate (SPKI DER):
 * ECDSA with SHA-256 (r‖s, as PKCS#11 CKM_ECDSA returns it) or RSA PKCS#1 v1.5 with SHA-256.
 */
export function verifyCardSignature(spkiDer: Uint8Array, statement: Buffer, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType === 'ec') return verify('sha256', statement, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (key.asymmetricKeyType === 'rsa') return verify('sha256', statement, key, signature);
    return false;
  } catch {
    return false;
  }
}
