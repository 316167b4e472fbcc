// The shipped demo cards cover every route and status the kiosk must show, with data that passes
// (or, where meant to, fails) the same checks the kiosk and the registry apply.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CardImportFileSchema, decode, type CardImportRecord } from '../../machines/contract/index.ts';
import { checkPersonalId, isValidUbn, isValidUserCode } from '../../machines/validators/index.ts';

function load(path: string): CardImportRecord[] {
  const decoded = decode(CardImportFileSchema, JSON.parse(readFileSync(path, 'utf8')));
  if (!decoded.ok) throw new Error(decoded.problems.join('; '));
  return decoded.value;
}

const cards = load('deploy/demo/cards.json');
/** The demo file's own extension (card/demo/provision.ts): the key pair a card's token gets. */
const keyTypes = new Map((JSON.parse(readFileSync('deploy/demo/cards.json', 'utf8')) as { cardNumber: string; keyType?: string }[]).map((c) => [c.cardNumber, c.keyType]));
const keyTypeOf = (cardNumber: string) => keyTypes.get(cardNumber);
const unregistered = load('deploy/demo/unregistered-cards.json');
const now = Date.now();
const current = (card: CardImportRecord) => Date.parse(card.validFrom) <= now && now < Date.parse(card.validTo);
const ids = (card: CardImportRecord) => (card.route === 'registration-bundled' ? [card.responsibleId] : []);

describe('deploy/demo/cards.json', () => {
  it('has two current, issued self-applied EC cards (one for the end-to-end test, one for a person)', () => {
    expect(cards.filter((c) => c.route === 'self-applied' && c.status === 'issued' && current(c) && keyTypeOf(c.cardNumber) === undefined)).toHaveLength(2);
  });

  it('has a current, issued RSA-2048 card on each path, as real MOEACA cards carry, and no other key type', () => {
    for (const route of ['self-applied', 'registration-bundled'] as const) {
      expect(cards.some((c) => c.route === route && c.status === 'issued' && current(c) && keyTypeOf(c.cardNumber) === 'rsa-2048')).toBe(true);
    }
    expect(new Set(cards.map((c) => keyTypeOf(c.cardNumber)))).toEqual(new Set([undefined, 'rsa-2048']));
  });

  it('has registration-bundled cards with a valid national ID and birth date, and one whose ID fails the checksum', () => {
    const bundled = cards.filter((c): c is Extract<CardImportRecord, { route: 'registration-bundled' }> => c.route === 'registration-bundled' && c.status === 'issued');
    expect(bundled.some((c) => checkPersonalId(c.responsibleId).kind === 'national' && checkPersonalId(c.responsibleId).checksumOk && c.birthDate !== undefined)).toBe(true);
    expect(bundled.some((c) => checkPersonalId(c.responsibleId).formatOk && !checkPersonalId(c.responsibleId).checksumOk)).toBe(true);
  });

  it('has a revoked, a suspended, a used-before-activation and an expired card', () => {
    for (const status of ['revoked', 'suspended', 'used-before-activation'] as const) {
      expect(cards.some((c) => c.status === status)).toBe(true);
    }
    expect(cards.some((c) => Date.parse(c.validTo) < now)).toBe(true);
  });

  it('uses 16-character card numbers, unique across both files, and valid UBNs and user codes', () => {
    const all = [...cards, ...unregistered];
    expect(new Set(all.map((c) => c.cardNumber)).size).toBe(all.length);
    for (const card of all) {
      expect(card.cardNumber).toMatch(/^[A-Z]{2}\d{14}$/);
      expect(isValidUbn(card.ubn)).toBe(true);
      if (card.route === 'self-applied') expect(isValidUserCode(card.userCode)).toBe(true);
    }
  });

  it('gives every ID that is meant to pass a valid checksum (one national ID fails it, one is a passport number)', () => {
    const failing = cards.flatMap(ids).filter((id) => !checkPersonalId(id).checksumOk);
    expect(failing.map((id) => checkPersonalId(id).kind).sort()).toEqual(['national', 'other']);
  });

  it('has a card of a branch (an OU, as the manual shows C=TW,O=測試公司1,OU=測試分公司1) on each path', () => {
    for (const route of ['self-applied', 'registration-bundled'] as const) {
      expect(cards.some((c) => c.route === route && c.status === 'issued' && c.orgUnit !== undefined)).toBe(true);
    }
  });
});

describe('the demo list `npm start` and `npm run cards` print', () => {
  it('gives birth dates in the ROC calendar, as the kiosk asks for them, never as a Western date', async () => {
    const { demoSecrets } = await import('../../card/demo/provision.ts');
    const withBirthDate = cards.filter((card) => card.route === 'registration-bundled' && card.birthDate !== undefined);
    expect(withBirthDate.length).toBeGreaterThan(0);
    for (const card of withBirthDate) {
      const printed = demoSecrets(card);
      expect(printed).toMatch(/birth date 民國\d{1,3}年\d{1,2}月\d{1,2}日$/);
      expect(printed).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    }
    const first = withBirthDate.find((card) => card.route === 'registration-bundled' && card.birthDate === '1980-05-17');
    if (first) expect(demoSecrets(first)).toContain('民國69年5月17日');
  });

  it('README shows the demo banner as npm start prints it', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('birth date 民國69年5月17日');
    expect(readme).not.toMatch(/birth date \d{4}-\d{2}-\d{2}/);
  });
});
