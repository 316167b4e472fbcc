// The PIN grant is a standard JWE: besides our own round trip, an independent implementation of
// RFC 7518 ECDH-ES (Concat KDF) with A256GCM, written here with node:crypto alone, opens what
// sealGrant makes and makes what openGrant opens.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateOneTimeKeyPair, openGrant, pinGrantContext, sealGrant } from '../../platform/pin-grant-jwe.ts';

const secret = new TextEncoder().encode('so-credential-canary-7f3a');
const context = pinGrantContext('act-1', 'TT00000000000051');

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const lengthPrefixed = (bytes: Buffer) => Buffer.concat([uint32(bytes.length), bytes]);
function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** RFC 7518 §4.6.2: one round of the Concat KDF is enough for a 256-bit key. */
function concatKdf(z: Buffer, apu: Buffer, apv: Buffer): Buffer {
  const otherInfo = Buffer.concat([lengthPrefixed(Buffer.from('A256GCM')), lengthPrefixed(apu), lengthPrefixed(apv), uint32(256)]);
  return createHash('sha256').update(Buffer.concat([uint32(1), z, otherInfo])).digest();
}

/** The five parts of a compact JWE. */
function partsOf(jwe: string): [string, string, string, string, string] {
  const parts = jwe.split('.');
  expect(parts).toHaveLength(5);
  return parts as [string, string, string, string, string];
}

function referenceOpen(jwe: string, privateKey: KeyObject): Buffer {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = partsOf(jwe);
  const header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString()) as {
    epk: { x: string };
    apu?: string;
    apv?: string;
  };
  expect(encryptedKey).toBe(''); // direct key agreement: no wrapped key
  const epk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: header.epk.x }, format: 'jwk' });
  const key = concatKdf(
    diffieHellman({ privateKey, publicKey: epk }),
    Buffer.from(header.apu ?? '', 'base64url'),
    Buffer.from(header.apv ?? '', 'base64url'),
  );
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

function referenceSeal(plaintext: Uint8Array, recipientRaw: string, apv: string): string {
  const ephemeral = generateKeyPairSync('x25519');
  const recipient = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: recipientRaw }, format: 'jwk' });
  const epk = ephemeral.publicKey.export({ format: 'jwk' });
  const header = { alg: 'ECDH-ES', enc: 'A256GCM', apv: b64(apv), epk: { kty: 'OKP', crv: 'X25519', x: epk.x } };
  const protectedB64 = b64(JSON.stringify(header));
  const key = concatKdf(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), Buffer.alloc(0), Buffer.from(apv));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedB64, '', b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join('.');
}

describe('PIN grant as JWE (ECDH-ES with X25519, A256GCM)', () => {
  it('opens with the recipient key and the same context', async () => {
    const recipient = generateOneTimeKeyPair();
    const jwe = await sealGrant(secret, recipient.publicKey, context);
    expect((await openGrant(jwe, recipient, context)).toString()).toBe('so-credential-canary-7f3a');
  });

  it('is opened by an independent RFC 7518 implementation', async () => {
    const recipient = generateOneTimeKeyPair();
    const jwe = await sealGrant(secret, recipient.publicKey, context);
    expect(referenceOpen(jwe, recipient.privateKey).toString()).toBe('so-credential-canary-7f3a');
  });

  it('opens what an independent RFC 7518 implementation made', async () => {
    const recipient = generateOneTimeKeyPair();
    const jwe = referenceSeal(secret, recipient.publicKey, context);
    expect((await openGrant(jwe, recipient, context)).toString()).toBe('so-credential-canary-7f3a');
  });

  it('does not carry the secret in the clear', async () => {
    const recipient = generateOneTimeKeyPair();
    const jwe = await sealGrant(secret, recipient.publicKey, context);
    expect(jwe).not.toContain(b64(secret));
    for (const part of jwe.split('.')) expect(Buffer.from(part, 'base64url').includes(Buffer.from(secret))).toBe(false);
  });

  it('refuses another private key', async () => {
    const recipient = generateOneTimeKeyPair();
    const other = generateOneTimeKeyPair();
    const jwe = await sealGrant(secret, recipient.publicKey, context);
    await expect(openGrant(jwe, { publicKey: recipient.publicKey, privateKey: other.privateKey }, context)).rejects.toThrow();
  });

  it('refuses another activation or card, also when the header is rewritten to match', async () => {
    const recipient = generateOneTimeKeyPair();
    const jwe = await sealGrant(secret, recipient.publicKey, context);
    await expect(openGrant(jwe, recipient, pinGrantContext('act-2', 'TT00000000000051'))).rejects.toThrow(/another activation/);
    await expect(openGrant(jwe, recipient, pinGrantContext('act-1', 'TT00000000000052'))).rejects.toThrow(/another activation/);
    const [protectedB64, ...rest] = partsOf(jwe);
    const header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString()) as Record<string, unknown>;
    const forged = pinGrantContext('act-2', 'TT00000000000051');
    const rewritten = [b64(JSON.stringify({ ...header, apv: b64(forged) })), ...rest].join('.');
    await expect(openGrant(rewritten, recipient, forged)).rejects.toThrow();
  });

  it('refuses a tampered ciphertext, another algorithm and a malformed key', async () => {
    const recipient = generateOneTimeKeyPair();
    const parts = partsOf(await sealGrant(secret, recipient.publicKey, context));
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext.writeUInt8(ciphertext.readUInt8(0) ^ 0x01, 0);
    await expect(openGrant([parts[0], parts[1], parts[2], b64(ciphertext), parts[4]].join('.'), recipient, context)).rejects.toThrow();
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as Record<string, unknown>;
    const other = [b64(JSON.stringify({ ...header, enc: 'A128GCM' })), ...parts.slice(1)].join('.');
    await expect(openGrant(other, recipient, context)).rejects.toThrow(/known form/);
    await expect(sealGrant(secret, 'c2hvcnQ', context)).rejects.toThrow(/32 bytes/);
  });
});
