// The card agent's view of its readers (card/card-reader-view.ts): which reader holds a card,
// which token it is, whether it is still the same insertion, its card number, and the reading of
// a card kept once per insertion. Real simulated readers; the PKCS#11 worker is a stand-in
// (tests/support/token-stand-in.ts) that answers with real X.509 certificates.
import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CardReaderView } from '../../card/card-reader-view.ts';
import { PIN_FLAG_BITS } from '../../card/errors.ts';
import type { ReaderState } from '../../card/readers/reader.ts';
import { SIM_ATR, SIM_READER_NAME, SimulatedReaders } from '../../card/readers/sim.reader.ts';
import type { TokenSummary } from '../../card/token/protocol.ts';
import { ContractError } from '../../machines/contract/index.ts';
import { TokenStandIn } from '../support/token-stand-in.ts';

const CARD = 'TT00000000000051';
const OTHER = 'TT00000000000052';

async function world(options: { tokenLabel?: string; cardNumberFrom?: 'label' | 'serial'; cardIssuers?: string[] } = {}) {
  const readers = new SimulatedReaders();
  await readers.start();
  const token = new TokenStandIn();
  await token.addCard(CARD);
  await token.addCard(OTHER);
  const view = new CardReaderView({ readers, token, ...options });
  return { readers, token, view, reads: () => token.opsCalled().filter((op) => op === 'read').length };
}

async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work();
    return 'none';
  } catch (error) {
    return error instanceof ContractError ? error.code : `not a contract error: ${String(error)}`;
  }
}

const summary = (label: string, serial: string): TokenSummary => ({
  slot: '1', slotDescription: 'slot', label, serial, manufacturer: 'm', model: 'm', flags: 0, minPinLength: 6, maxPinLength: 12,
});

describe('which reader holds a card', () => {
  it('READER_NOT_FOUND with no reader, CARD_NOT_DETECTED with an empty one, the reader with the card otherwise', async () => {
    const { readers, view } = await world();
    expect(await codeOf(() => view.cardInReader())).toBe('CARD_NOT_DETECTED');
    readers.insert(CARD);
    expect(view.cardInReader()).toMatchObject({ name: SIM_READER_NAME, cardPresent: true, insertion: 1 });
    await readers.stop();
    expect(await codeOf(() => view.cardInReader())).toBe('READER_NOT_FOUND');
  });

  it('names the token: the reader\'s own, else the configured label, else the reader\'s slot description', async () => {
    const reader: ReaderState = { name: 'ACS ACR39U 00 00', cardPresent: true, insertion: 1 };
    const plain = (await world()).view;
    const labelled = (await world({ tokenLabel: 'vicc-token' })).view;
    expect(plain.selectorFor({ ...reader, token: { by: 'label', label: CARD } })).toEqual({ by: 'label', label: CARD });
    expect(labelled.selectorFor(reader)).toEqual({ by: 'label', label: 'vicc-token' });
    expect(plain.selectorFor(reader)).toEqual({ by: 'slot-description', text: 'ACS ACR39U 00 00' });
  });

  it('tells a card taken out and put back from the same insertion', async () => {
    const { readers, view } = await world();
    readers.insert(CARD);
    const first = view.cardInReader();
    expect(view.stillInserted(first)).toBe(true);
    readers.remove();
    readers.insert(CARD);
    expect(view.stillInserted(first)).toBe(false);
    expect(view.stillInserted(view.cardInReader())).toBe(true);
  });

  it('takes the card number from the label or the serial, and refuses one that is no card number', async () => {
    const byLabel = (await world()).view;
    const bySerial = (await world({ cardNumberFrom: 'serial' })).view;
    expect(byLabel.cardNumberOf(summary(CARD, '0000000000000001'))).toBe(CARD);
    expect(bySerial.cardNumberOf(summary('any label', OTHER))).toBe(OTHER);
    expect(await codeOf(() => byLabel.cardNumberOf(summary('token 1', OTHER)))).toBe('UNKNOWN_CARD');
  });
});

describe('reading the card once per insertion', () => {
  it('answers card.read from the card once, then from the reading of that insertion', async () => {
    const { readers, token, view, reads } = await world();
    readers.insert(CARD);
    const card = await view.readCard();
    expect(card).toMatchObject({ cardNumber: CARD, holderName: '測試公司', ubn: '97969933' });
    expect(card.pinFlags).toMatchObject({ userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false });
    const spki = new X509Certificate(token.tokens.get(CARD)!.certificate.der).publicKey.export({ type: 'spki', format: 'der' });
    expect(card.certificateKeySha256).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(await view.readCard()).toEqual(card);
    expect(reads()).toBe(1);
  });

  it('reads a card put back, a swapped card, and after forget(), afresh', async () => {
    const { readers, token, view, reads } = await world();
    readers.insert(CARD);
    await view.readCard();
    readers.insert(OTHER);
    expect((await view.readCard()).cardNumber).toBe(OTHER);
    expect(reads()).toBe(2);
    token.tokens.get(OTHER)!.flags |= PIN_FLAG_BITS.CKF_USER_PIN_COUNT_LOW;
    expect((await view.readCard()).pinFlags.userPinCountLow).toBe(false);
    view.forget();
    expect((await view.readCard()).pinFlags.userPinCountLow).toBe(true);
    expect(reads()).toBe(3);
  });

  it('readAfresh goes to the card whatever is cached, and keeps that reading', async () => {
    const { readers, view, reads } = await world();
    readers.insert(CARD);
    await view.readCard();
    await view.readAfresh(view.cardInReader());
    expect(reads()).toBe(2);
    await view.readCard();
    expect(reads()).toBe(2);
  });

  it('CARD_NOT_DETECTED when the card leaves while the worker reads it, and nothing is kept', async () => {
    const { readers, token, view, reads } = await world();
    readers.insert(CARD);
    const held = token.hold('read');
    const reading = view.readCard();
    await held.reached;
    readers.remove();
    held.release();
    expect(await codeOf(() => reading)).toBe('CARD_NOT_DETECTED');
    readers.insert(CARD);
    await view.readCard();
    expect(reads()).toBe(2);
  });

  it('NOT_BUSINESS_CARD for a certificate from a CA not in cardIssuers', async () => {
    const { readers, view } = await world({ cardIssuers: ['MOEACA'] });
    readers.insert(CARD);
    expect(await codeOf(() => view.readCard())).toBe('NOT_BUSINESS_CARD');
  });
});

describe('card.status', () => {
  it('lists each reader with its card and ATR, and the reader service', async () => {
    const { readers, view } = await world();
    expect(view.status()).toEqual({
      readers: [{ name: SIM_READER_NAME, cardPresent: false }],
      readerService: { kind: 'sim', ok: true, detail: 'simulated reader' },
    });
    readers.insert(CARD);
    expect(view.status().readers).toEqual([{ name: SIM_READER_NAME, cardPresent: true, atr: SIM_ATR }]);
  });
});
