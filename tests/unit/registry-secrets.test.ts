// The registry's keyed operations: scrypt hashes, HMACs and the SO credential at rest.
import { describe, expect, it } from 'vitest';
import { hashUserCode, RegistrySecrets, verifyUserCode } from '../../services/registry/registry-secrets.ts';

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
