// `card.selfcheck` (docs/card-agent.md, "Subjects"): the agent and pcscd, a reader, a card, and
// the card's token answering now. Never asks for or tries a PIN: the token check reads token info
// and the certificate only, so no PIN counter can move.
import { ContractError, type CardData, type Selfcheck } from '../machines/contract/index.ts';
import { situationError } from './errors.ts';
import type { CardReaders, ReaderState } from './readers/reader.ts';

/**
 * Checks the readers; `readNow` reads the card in a reader from the card itself, never from a
 * cached reading (the check is that the card answers now).
 */
export async function selfCheck(
  readers: Pick<CardReaders, 'health' | 'readers'>,
  readNow: (reader: ReaderState) => Promise<{ card: CardData }>,
): Promise<Selfcheck> {
  const health = readers.health();
  const all = readers.readers();
  const withCard = all.find((r) => r.cardPresent);
  const checks: Selfcheck['checks'] = [
    health.ok
      ? { id: 'service', ok: true, detail: `card agent up; ${health.detail}` }
      : { id: 'service', ok: false, detail: health.detail, code: 'READER_NOT_FOUND' },
    all.length > 0
      ? { id: 'reader', ok: true, detail: all.map((r) => r.name).join(', ') }
      : { id: 'reader', ok: false, detail: 'no reader attached', code: 'READER_NOT_FOUND' },
    withCard !== undefined
      ? { id: 'card', ok: true, detail: `card in ${withCard.name}` }
      : { id: 'card', ok: false, detail: 'no card in any reader', code: 'CARD_NOT_DETECTED' },
  ];
  if (withCard === undefined) {
    checks.push({ id: 'token', ok: false, detail: 'not checked: no card', code: 'CARD_NOT_DETECTED' });
  } else {
    try {
      const { card } = await readNow(withCard);
      checks.push({ id: 'token', ok: true, detail: `card ${card.cardNumber} readable` });
    } catch (error) {
      const contract = error instanceof ContractError ? error : situationError('internal-error');
      checks.push({ id: 'token', ok: false, detail: contract.message, code: contract.code });
    }
  }
  return { ok: checks.every((check) => check.ok), checks };
}
