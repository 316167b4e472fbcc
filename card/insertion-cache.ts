// What the card agent learned from the card in a reader, kept for that insertion only: the token's
// info and certificates as read through the PKCS#11 worker, the certificate parsed, its public key
// extracted and hashed. The engine reads a card when it goes in and again at set-pin; each read
// after the first is answered from here, without a worker hop, an X.509 parse or a hash
// (docs/card-agent.md, "Reading once per insertion").
//
// An entry belongs to one reader's insertion (ReaderState.insertion): a card taken out, put back or
// swapped is a new insertion and is read afresh. `forget()` drops everything, for what changes a
// card under the same insertion (a set-pin, tried or done: its PIN flags change).
import type { CardData } from '../machines/contract/index.ts';
import type { ReaderState } from './readers/reader.ts';
import type { TokenCertificate, TokenSummary } from './token/protocol.ts';

/** One read of a card, with everything derived from it. */
export interface CardReading {
  summary: TokenSummary;
  /** The card's own certificate (chooseCardCertificate). */
  certificate: TokenCertificate;
  /** Its public key (SubjectPublicKeyInfo, DER): the proof of possession's `publicKey`. */
  publicKey: Uint8Array;
  /** What `card.read` answers. */
  card: CardData;
}

interface Entry {
  insertion: number;
  generation: number;
  reading: Promise<CardReading>;
}

export class InsertionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by forget(): a read that started before it is never kept. */
  private generation = 0;
  /** Reads answered from the cache and reads that went to the card, since start (tests, bench). */
  readonly counts = { hits: 0, misses: 0 };

  /**
   * The reading of the card now in `reader`: the cached one for this insertion, else `read()`'s,
   * kept if it succeeds. Two callers at once for the same insertion share one read.
   */
  readingOf(reader: ReaderState, read: () => Promise<CardReading>): Promise<CardReading> {
    const cached = this.entries.get(reader.name);
    if (cached !== undefined && cached.insertion === reader.insertion && cached.generation === this.generation) {
      this.counts.hits++;
      return cached.reading;
    }
    this.counts.misses++;
    const entry: Entry = { insertion: reader.insertion, generation: this.generation, reading: read() };
    this.entries.set(reader.name, entry);
    entry.reading.catch(() => {
      // A failed read is not an answer to keep: the next call reads again.
      if (this.entries.get(reader.name) === entry) this.entries.delete(reader.name);
    });
    return entry.reading;
  }

  /** Reads `reader` afresh whatever is cached, and keeps that reading (the self-check). */
  refresh(reader: ReaderState, read: () => Promise<CardReading>): Promise<CardReading> {
    this.forget();
    return this.readingOf(reader, read);
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
  }
}
