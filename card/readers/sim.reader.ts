// The simulated reader: one reader that is always attached, into which `card.sim.insert
// {cardNumber}` puts a card and `card.sim.remove` takes it out. The card is the SoftHSM2 token
// labelled with that card number; a number with no token behaves like a card that is not a
// MOEACA card (`card.read` → UNKNOWN_CARD). Enabled only by configuration (`reader: 'sim'`).
import { ReaderEventHub, type CardReaders, type ReaderEvent, type ReaderHealth, type ReaderState } from './reader.ts';

export const SIM_READER_NAME = 'Simulated Reader 0';
/** A fixed, well-formed ATR (T=0/T=1, historical bytes "DEMOCARD"): demo data, not a real card's. */
export const SIM_ATR = '3b88800144454d4f434152441e';

export class SimulatedReaders implements CardReaders {
  readonly kind = 'sim' as const;
  private readonly hub = new ReaderEventHub();
  private card: string | undefined;
  private insertion = 0;
  private running = false;

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.hub.emit('reader.attached', SIM_READER_NAME);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.remove();
    this.running = false;
    this.hub.emit('reader.detached', SIM_READER_NAME);
  }

  /** Puts a card in; a card already in is taken out first, as a hand would. */
  insert(cardNumber: string): void {
    if (!this.running) return;
    this.remove();
    this.card = cardNumber;
    this.insertion++;
    this.hub.emit('card.inserted', SIM_READER_NAME, SIM_ATR);
  }

  /** Takes the card out; false when the reader was empty. */
  remove(): boolean {
    if (this.card === undefined) return false;
    this.card = undefined;
    this.hub.emit('card.removed', SIM_READER_NAME);
    return true;
  }

  readers(): ReaderState[] {
    if (!this.running) return [];
    const card = this.card;
    return [
      {
        name: SIM_READER_NAME,
        cardPresent: card !== undefined,
        insertion: this.insertion,
        ...(card === undefined ? {} : { atr: SIM_ATR, token: { by: 'label', label: card } }),
      },
    ];
  }

  health(): ReaderHealth {
    return this.running ? { ok: true, detail: 'simulated reader' } : { ok: false, detail: 'simulated reader stopped' };
  }

  subscribe(listener: (event: ReaderEvent) => void): () => void {
    return this.hub.subscribe(listener);
  }
}
