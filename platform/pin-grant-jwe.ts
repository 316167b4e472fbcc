// A card's SO credential on its way from the registry to one card agent, as a standard JWE
// (RFC 7516, compact serialisation) made and opened by `jose`: key agreement ECDH-ES with X25519
// (RFC 8037) to the agent's one-time key, content encryption A256GCM. Only the holder of the
// one-time private key can open it; nothing in between, the browser and the engine included, can.
//
// The grant is bound to one activation and one card: their context is the JWE's `apv` (Agreement
// PartyVInfo), which enters the key derivation (RFC 7518 §4.6.2) and sits in the protected header,
// itself authenticated by the GCM tag. The opener also checks that `apv` is the context it expects,
// so a grant made for another activation or card fails before a byte is decrypted.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

const ALG = 'ECDH-ES';
const ENC = 'A256GCM';
const RAW_KEY_LENGTH = 32;

export interface OneTimeKeyPair {
  /** Raw 32-byte X25519 public key, base64url (what goes in `agentPublicKey`). */
  publicKey: string;
  privateKey: KeyObject;
}

/** A fresh X25519 key pair for one grant; drop the private key as soon as the grant is opened. */
export function generateOneTimeKeyPair(): OneTimeKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an X25519 public key');
  return { publicKey: jwk.x, privateKey };
}

function importPublicKey(base64url: string): KeyObject {
  if (Buffer.from(base64url, 'base64url').length !== RAW_KEY_LENGTH) {
    throw new Error('an X25519 public key is 32 bytes');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url }, format: 'jwk' });
}

/** Encrypts `plaintext` to `recipientPublicKey` (base64url raw key), bound to `context`. */
export async function sealGrant(plaintext: Uint8Array, recipientPublicKey: string, context: string): Promise<string> {
  const recipient = importPublicKey(recipientPublicKey);
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: ALG, enc: ENC })
    .setKeyManagementParameters({ apv: new TextEncoder().encode(context) })
    .encrypt(recipient);
}

/** Opens a grant made for `recipient` and `context`; throws for any other key, context or form. */
export async function openGrant(jwe: string, recipient: OneTimeKeyPair, context: string): Promise<Buffer> {
  const header = decodeProtectedHeader(jwe);
  if (header.alg !== ALG || header.enc !== ENC) throw new Error('not a PIN grant of a known form');
  if (header.apv !== Buffer.from(context, 'utf8').toString('base64url')) {
    throw new Error('the grant was made for another activation or card');
  }
  const { plaintext } = await compactDecrypt(jwe, recipient.privateKey, {
    keyManagementAlgorithms: [ALG],
    contentEncryptionAlgorithms: [ENC],
  });
  return Buffer.from(plaintext);
}

/** The context both sides bind a PIN grant to. */
export function pinGrantContext(activationId: string, cardNumber: string): string {
  return `${activationId}\n${cardNumber}`;
}
