// The registry's keyed operations: scrypt hashes, HMACs, the SO credential and the card records at rest.
import { describe, expect, it } from 'vitest';
import { generateOneTimeKeyPair, sealGrant } from '../../platform/pin-grant-jwe.ts';
import { hashUserCode, NONCE_LENGTH, PRODUCTION_SCRYPT_COST, RegistrySecrets, verifyUserCode } from '../../services/registry/registry-secrets.ts';

const LOW_COST = { N: 1024, r: 8, p: 1 };
const secrets = new RegistrySecrets(Buffer.alloc(32, 1));
const other = new RegistrySecrets(Buffer.alloc(32, 2));

describe('user code hashes', () => {
  it('stores the cost, a fresh salt and the hash, and verifies only the exact code', async () => {
    const stored = await hashUserCode('Ab3$xyz9', LOW_COST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain('Ab3$xyz9');
    expect(await hashUserCode('Ab3$xyz9', LOW_COST)).not.toBe(stored);
    expect(await verifyUserCode('Ab3$xyz9', stored)).toBe(true);
    expect(await verifyUserCode('ab3$xyz9', stored)).toBe(false);
    expect(await verifyUserCode('Ab3$xyz', stored)).toBe(false);
  });

  it('leaves a thread of the pool free: a PIN grant sealed behind a queue of hashes is not kept waiting for them', async () => {
    // The grant's JWE (WebCrypto key agreement) runs on the same libuv threadpool as scrypt. Twelve
    // production-cost hashes queued first used to fill every thread and the queue before it.
    let hashed = 0;
    const hashes = Array.from({ length: 12 }, () => hashUserCode('Ab3$xyz9', PRODUCTION_SCRYPT_COST).then(() => hashed++));
    const recipient = generateOneTimeKeyPair();
    await sealGrant(new Uint8Array(32), recipient.publicKey, 'grant-context');
    const hashedWhenSealed = hashed;
    await Promise.all(hashes);
    // Sealed while the first hashes still ran: none of the twelve had to finish first.
    expect(hashedWhenSealed).toBe(0);
  });

  it('refuses a stored value that is not one of its hashes', async () => {
    await expect(verifyUserCode('Ab3$xyz9', 'plain')).rejects.toThrow();
  });
});

describe('personal data MACs', () => {
  it('are deterministic under one key, differ under another, and differ between kinds', () => {
    const id = secrets.macResponsibleId('A123456789');
    expect(secrets.sameMac(id, secrets.macResponsibleId('A123456789'))).toBe(true);
    expect(secrets.sameMac(id, secrets.macResponsibleId('A123456780'))).toBe(false);
    expect(secrets.sameMac(id, other.macResponsibleId('A123456789'))).toBe(false);
    expect(secrets.macBirthDate('1975-03-05')).not.toBe(secrets.macResponsibleId('1975-03-05'));
    expect(id).not.toContain('A123456789');
  });

  it('tell instances with different keys apart by the key check', () => {
    expect(secrets.keyCheck()).toBe(new RegistrySecrets(Buffer.alloc(32, 1)).keyCheck());
    expect(secrets.keyCheck()).not.toBe(other.keyCheck());
  });

  it('need a 32-byte key', () => {
    expect(() => new RegistrySecrets(Buffer.alloc(16))).toThrow();
  });
});

describe('SO credentials at rest', () => {
  it('round-trip under the same key and card, and only then', () => {
    const stored = secrets.encryptSoCredential('TT0001', 'so-secret-123');
    expect(stored).not.toContain('so-secret-123');
    expect(stored).not.toContain(Buffer.from('so-secret-123').toString('base64url'));
    expect(secrets.decryptSoCredential('TT0001', stored).toString()).toBe('so-secret-123');
    expect(() => secrets.decryptSoCredential('TT0002', stored)).toThrow();
    expect(() => other.decryptSoCredential('TT0001', stored)).toThrow();
  });

  it('encrypt the same credential differently each time', () => {
    expect(secrets.encryptSoCredential('TT0001', 'x1234')).not.toBe(secrets.encryptSoCredential('TT0001', 'x1234'));
  });
});

describe('card records sealed for their change message', () => {
  const json = JSON.stringify({ cardNumber: 'TT0001', seq: 3, userCodeHash: 'scrypt$16384$10$1$salt$hash' });

  it('open under the same key, card and change number, and only then', () => {
    const sealed = secrets.sealRecord('TT0001', 3, json);
    expect(sealed).not.toContain('scrypt$');
    expect(secrets.openRecord('TT0001', 3, sealed)).toBe(json);
    expect(() => secrets.openRecord('TT0002', 3, sealed)).toThrow();
    expect(() => secrets.openRecord('TT0001', 4, sealed)).toThrow();
    expect(() => other.openRecord('TT0001', 3, sealed)).toThrow();
  });

  it('never reuse a nonce: 5,000 seals (the nonce pool refilled four times over) all distinct, each opening', () => {
    const nonces = new Set<string>();
    const kept = new Map<number, string>();
    for (let seq = 1; seq <= 5_000; seq++) {
      const sealed = secrets.sealRecord('TT0001', seq, json);
      const nonce = sealed.split('.')[1] as string;
      expect(Buffer.from(nonce, 'base64url')).toHaveLength(NONCE_LENGTH);
      nonces.add(nonce);
      if (seq % 997 === 0) kept.set(seq, sealed);
    }
    const credentials = Array.from({ length: 100 }, () => secrets.encryptSoCredential('TT0001', 'x1234').split('.')[1] as string);
    for (const nonce of credentials) nonces.add(nonce);
    expect(nonces.size).toBe(5_100);
    // Opened after the pool their nonces came from was overwritten: each nonce was used at once.
    for (const [seq, sealed] of kept) expect(secrets.openRecord('TT0001', seq, sealed)).toBe(json);
  });

  it('refuse a sealed record that was altered', () => {
    const [version, nonce, ciphertext, tag] = secrets.sealRecord('TT0001', 3, json).split('.') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => secrets.openRecord('TT0001', 3, [version, nonce, flipped.toString('base64url'), tag].join('.'))).toThrow();
  });
});
