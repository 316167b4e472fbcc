import { describe, expect, it } from 'vitest';
import { generateOneTimeKeyPair, open, pinGrantContext, seal } from '../../services/shared/sealed-box.ts';

const secret = new TextEncoder().encode('so-credential-canary-7f3a');
const context = pinGrantContext('act-1', 'TT00000000000051');

describe('sealed box', () => {
  it('opens with the recipient key and the same context', () => {
    const recipient = generateOneTimeKeyPair();
    const box = seal(secret, recipient.publicKey, context);
    expect(open(box, recipient, context).toString()).toBe('so-credential-canary-7f3a');
  });

  it('does not carry the secret in the clear', () => {
    const recipient = generateOneTimeKeyPair();
    const box = seal(secret, recipient.publicKey, context);
    expect(Buffer.from(box, 'base64url').includes(Buffer.from(secret))).toBe(false);
  });

  it('refuses another private key', () => {
    const recipient = generateOneTimeKeyPair();
    const other = generateOneTimeKeyPair();
    const box = seal(secret, recipient.publicKey, context);
    expect(() => open(box, { publicKey: recipient.publicKey, privateKey: other.privateKey }, context)).toThrow();
  });

  it('refuses another activation or card', () => {
    const recipient = generateOneTimeKeyPair();
    const box = seal(secret, recipient.publicKey, context);
    expect(() => open(box, recipient, pinGrantContext('act-2', 'TT00000000000051'))).toThrow();
    expect(() => open(box, recipient, pinGrantContext('act-1', 'TT00000000000052'))).toThrow();
  });

  it('refuses a tampered box and a malformed key', () => {
    const recipient = generateOneTimeKeyPair();
    const box = Buffer.from(seal(secret, recipient.publicKey, context), 'base64url');
    box.writeUInt8(box.readUInt8(box.length - 20) ^ 0x01, box.length - 20);
    expect(() => open(box.toString('base64url'), recipient, context)).toThrow();
    expect(() => seal(secret, 'c2hvcnQ', context)).toThrow(/32 bytes/);
  });
});
