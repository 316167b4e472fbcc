// The reader interface: what the agent needs to know about readers and the cards in them, with
// two implementations — PC/SC (`pcsc.reader.ts`, real readers through pcscd) and a simulated
// reader (`sim.reader.ts`, the embedded default and tests). Configuration picks one; the agent
// never knows which it has beyond `kind`.
import type { TokenSelector } from '../token/protocol.ts';

export type ReaderEventType = 'reader.attached' | 'reader.detached' | 'card.inserted' | 'card.removed';

export interface ReaderEvent {
  type: ReaderEventType;
  reader: string;
  /** Lower-case hex, on `card.inserted`. */
  atr?: string;
  at: string;
}

export interface ReaderState {
  name: string;
  cardPresent: boolean;
  atr?: string;
  /**
   * Counts insertions into this reader since the agent started: a card taken out and put back
   * (or swapped) is a different insertion, so an operation that spans awaits can tell.
   */
  insertion: number;
  /** Which token the card in this reader is, when the reader itself knows (the simulated one). */
  token?: TokenSelector;
}

/** Whether the reader subsystem itself works: pcscd reachable, or retrying with back-off. */
export interface ReaderHealth {
  ok: boolean;
  detail: string;
}

export interface CardReaders {
  readonly kind: 'sim' | 'pcsc';
  start(): Promise<void>;
  stop(): Promise<void>;
  readers(): ReaderState[];
  health(): ReaderHealth;
  /** Calls `listener` for every event from now on; returns the function that stops it. */
  subscribe(listener: (event: ReaderEvent) => void): () => void;
}

/** Fans events out to subscribers; a throwing subscriber does not stop the others. */
export class ReaderEventHub {
  private readonly listeners = new Set<(event: ReaderEvent) => void>();

  subscribe(listener: (event: ReaderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(type: ReaderEventType, reader: string, atr?: string): void {
    const event: ReaderEvent = { type, reader, ...(atr === undefined ? {} : { atr }), at: new Date().toISOString() };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken subscriber must not starve the engine of card events.
      }
    }
  }
}
