// Pieces of the chart more than one phase file uses: reading a self-check's answer the same way at
// start-up (reader.states.ts) and at the start of a session (card.states.ts), and keeping the card
// a read answered (card.states.ts, interruptions.states.ts).
import type { CardData, Selfcheck } from '../contract/index.ts';

/** Keeps the card a read answered (the first read of a session, or the read of a card put back). */
export const storeReadCard = {
  type: 'storeCardData' as const,
  params: ({ event }: { event: { output: CardData } }) => ({ card: event.output }),
};

/** The params of a guard or action that reads a self-check's answer. */
export const selfcheckAnswer = ({ event }: { event: { output: Selfcheck } }) => ({ selfcheck: event.output });

/**
 * Where a self-check's answer leads, at start-up and at the start of a session alike: no usable
 * reader (or no card agent) is outOfService, a card ready to read is read; anything else is
 * `otherwise` (waiting for a card, or the failure the check stands for).
 */
export function afterSelfcheck<const Otherwise extends object>(otherwise: Otherwise, onCardReady: { actions?: 'noteCardIn' } = {}) {
  return [
    {
      guard: { type: 'isReaderDown' as const, params: selfcheckAnswer },
      target: '#kioskSession.outOfService',
    },
    {
      guard: { type: 'isCardReady' as const, params: selfcheckAnswer },
      target: '#session.readingCard',
      ...onCardReady,
    },
    otherwise,
  ] as const;
}
