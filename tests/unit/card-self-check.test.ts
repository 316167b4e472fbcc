// card.selfcheck (card/self-check.ts): each check and the contract code a failing one carries.
// Real simulated readers; `readNow` is the test's (it stands for reading the card through the
// worker, tested in card-reader-view.test.ts), and a plain object stands for pcscd down.
import { describe, expect, it } from 'vitest';
import type { CardReaders } from '../../card/readers/reader.ts';
import { SIM_READER_NAME, SimulatedReaders } from '../../card/readers/sim.reader.ts';
import { selfCheck } from '../../card/self-check.ts';
import { ContractError, type CardData } from '../../machines/contract/index.ts';

const readable = async () => ({ card: { cardNumber: 'TT00000000000051' } as CardData });
const never = async (): Promise<{ card: CardData }> => {
  throw new Error('readNow must not be called without a card');
};

describe('card.selfcheck', () => {
  it('all four checks pass with a reader, a card and a token that answers', async () => {
    const readers = new SimulatedReaders();
    await readers.start();
    readers.insert('TT00000000000051');
    const read: string[] = [];
    const result = await selfCheck(readers, async (reader) => {
      read.push(reader.name);
      return readable();
    });
    expect(result).toEqual({
      ok: true,
      checks: [
        { id: 'service', ok: true, detail: 'card agent up; simulated reader' },
        { id: 'reader', ok: true, detail: SIM_READER_NAME },
        { id: 'card', ok: true, detail: `card in ${SIM_READER_NAME}` },
        { id: 'token', ok: true, detail: 'card TT00000000000051 readable' },
      ],
    });
    expect(read).toEqual([SIM_READER_NAME]);
  });

  it('an empty reader: the card and token checks fail with CARD_NOT_DETECTED and the card is not read', async () => {
    const readers = new SimulatedReaders();
    await readers.start();
    const result = await selfCheck(readers, never);
    expect(result.ok).toBe(false);
    expect(result.checks.map((check) => [check.id, check.ok, check.code])).toEqual([
      ['service', true, undefined],
      ['reader', true, undefined],
      ['card', false, 'CARD_NOT_DETECTED'],
      ['token', false, 'CARD_NOT_DETECTED'],
    ]);
  });

  it('pcscd down and no reader: READER_NOT_FOUND for the service and the reader', async () => {
    const down: Pick<CardReaders, 'health' | 'readers'> = {
      health: () => ({ ok: false, detail: 'pcscd not reachable; next try in 500 ms' }),
      readers: () => [],
    };
    const result = await selfCheck(down, never);
    expect(result.checks.slice(0, 2)).toEqual([
      { id: 'service', ok: false, detail: 'pcscd not reachable; next try in 500 ms', code: 'READER_NOT_FOUND' },
      { id: 'reader', ok: false, detail: 'no reader attached', code: 'READER_NOT_FOUND' },
    ]);
  });

  it("a token that does not answer: the token check carries the read's code; a fault is CARD_UNREADABLE without detail", async () => {
    const readers = new SimulatedReaders();
    await readers.start();
    readers.insert('TT00000000000091');
    const unknown = await selfCheck(readers, async () => {
      throw new ContractError('UNKNOWN_CARD', 'no token for the card in the reader');
    });
    expect(unknown.ok).toBe(false);
    expect(unknown.checks[3]).toEqual({ id: 'token', ok: false, detail: 'no token for the card in the reader', code: 'UNKNOWN_CARD' });
    const fault = await selfCheck(readers, async () => {
      throw new TypeError('secret internals');
    });
    expect(fault.checks[3]).toMatchObject({ id: 'token', ok: false, code: 'CARD_UNREADABLE' });
    expect(JSON.stringify(fault)).not.toContain('secret internals');
  });
});
