// A sealed box: a secret encrypted to one recipient's X25519 public key, so that only the holder of
// the matching private key can open it. The registry seals a card's SO credential to the card
// agent's one-time key (`ra.activation.pin-grant`); nothing in between, the browser and the engine
// included, can read it.
//
// Format (base64url): version 0x01 ‖ ephemeral public key (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
// key   = HKDF-SHA-256(X25519(ephemeral, recipient), salt = ephemeral ‖ recipient, info = INFO)
// AEAD  = AES-256-GCM, with the caller's context (activation id and card number) as associated
//         data, so a box opened for another activation or card fails.
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

const VERSION = 0x01;
const INFO = Buffer.from('moeaca-kiosk pin-grant v1');
const RAW_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

export interface OneTimeKeyPair {
  /** Raw 32-byte X25519 public key, base64url (what goes in `agentPublicKey`). */
  publicKey: string;
  privateKey: KeyObject;
}

/** A fresh X25519 key pair for one grant; drop the private key as soon as the box is opened. */
export function generateOneTimeKeyPair(): OneTimeKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKey };
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an X25519 public key');
  return jwk.x;
}

function importPublicKey(base64url: string): KeyObject {
  if (Buffer.from(base64url, 'base64url').length !== RAW_KEY_LENGTH) {
    throw new Error('an X25519 public key is 32 bytes');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url }, format: 'jwk' });
}

function deriveKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

/** Seals `plaintext` to `recipientPublicKey` (base64url raw key), bound to `context`. */
export function seal(plaintext: Uint8Array, recipientPublicKey: string, context: string): string {
  const recipient = importPublicKey(recipientPublicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = Buffer.from(rawPublicKey(ephemeral.publicKey), 'base64url');
  const recipientRaw = Buffer.from(recipientPublicKey, 'base64url');
  const key = deriveKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralRaw, recipientRaw);
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  return Buffer.concat([Buffer.from([VERSION]), ephemeralRaw, nonce, ciphertext, cipher.getAuthTag()]).toString(
    'base64url',
  );
}

/** Opens a box sealed to `recipient`; throws if it was not sealed to this key and context. */
export function open(sealed: string, recipient: OneTimeKeyPair, context: string): Buffer {
  const box = Buffer.from(sealed, 'base64url');
  if (box.length < 1 + RAW_KEY_LENGTH + NONCE_LENGTH + TAG_LENGTH || box[0] !== VERSION) {
    throw new Error('not a sealed box of a known version');
  }
  const ephemeralRaw = box.subarray(1, 1 + RAW_KEY_LENGTH);
  const nonce = box.subarray(1 + RAW_KEY_LENGTH, 1 + RAW_KEY_LENGTH + NONCE_LENGTH);
  const ciphertext = box.subarray(1 + RAW_KEY_LENGTH + NONCE_LENGTH, box.length - TAG_LENGTH);
  const tag = box.subarray(box.length - TAG_LENGTH);
  const recipientRaw = Buffer.from(recipient.publicKey, 'base64url');
  const key = deriveKey(
    diffieHellman({ privateKey: recipient.privateKey, publicKey: importPublicKey(ephemeralRaw.toString('base64url')) }),
    ephemeralRaw,
    recipientRaw,
  );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } finally {
    key.fill(0);
  }
}

/** The associated data both sides bind a PIN grant to. */
export function pinGrantContext(activationId: string, cardNumber: string): string {
  return `${activationId}\n${cardNumber}`;
}
