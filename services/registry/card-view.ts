// Each instance's local view of the card records: an ordered consumer follows every card's change
// subject on RA_EVENTS (card-stream.ts) and keeps the latest sealed record of every card in
// memory, and the instance's own writes go in as they succeed. It spares the hot paths a read:
// identify answers from it, and accept / complete start their compare-and-set from it.
//
// The view may lag the stream by the consumer's delivery time (well under a millisecond on one
// server). That is safe where it is used: a compare-and-set that starts from a stale revision
// fails and re-reads; a refusal decided on the view is decided again on a fresh read before it is
// answered; and identify is a hint the later steps check again. Decisions that release a secret
// (PIN grants) or compare one (verify) always read the stream.
//
// Memory: one sealed record (≈ 1.5 KB, one flat string) per card, opened on every lookup but
// identify's (an AES-GCM open and a JSON parse, ≈ 10 µs). Keeping parsed records instead made the
// heap hold tens of objects per card, and every major GC of the registry process marked them all:
// stalls of 30–40 ms under load, visible in accept's p99. What identify needs (CardFacts: a
// handful of fields, no secret) comes in clear with each change message (card-stream.ts); it is
// kept as the message's JSON text and parsed, once, when identify first asks for that card.
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { CardFacts } from './card-facts.ts';
import { ALL_CARD_SUBJECTS, cardOfSubject, findCard, type SealedCard } from './card-stream.ts';

/** A card as the view holds it: its latest sealed record and identify's facts (parsed once asked for). */
type Slot = SealedCard;

export class CardView {
  readonly #slots = new Map<string, Slot>();
  #messages: ConsumerMessages | undefined;
  #following: Promise<void> = Promise.resolve();
  #stopped = false;

  /**
   * Starts following every card's change subject; lookups work at once and fill in as the
   * latest messages arrive. If the consumer fails, the view empties itself for good (every lookup
   * then reads the stream) and `onFailure` says why.
   */
  static async follow(js: JetStreamClient, onFailure: (error: unknown) => void): Promise<CardView> {
    const view = new CardView();
    const consumer = await js.consumers.get(JETSTREAM.registryEventsStream, {
      filter_subjects: ALL_CARD_SUBJECTS,
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    const messages = await consumer.consume();
    view.#messages = messages;
    view.#following = (async () => {
      for await (const msg of messages) {
        // Only the registry writes change subjects; anything else there is skipped, not trusted.
        const cardNumber = cardOfSubject(msg.subject);
        // This instance's own writes come back here too, mostly after it has kept them: those
        // are not decoded again (a 1.5 KB body per change).
        if (cardNumber === undefined || view.#knows(cardNumber, msg.seq)) continue;
        const found = findCard(msg.data);
        if (found !== undefined) view.remember(cardNumber, { revision: msg.seq, ...found });
      }
    })().catch((error: unknown) => {
      view.#stop();
      onFailure(error);
    });
    return view;
  }

  /** The latest sealed record this instance has seen (with its facts, if kept), or undefined if it has seen none. */
  get(cardNumber: string): Slot | undefined {
    return this.#stopped ? undefined : this.#slots.get(cardNumber);
  }

  /** Records a message read or written by this instance; an older revision never replaces a newer one. */
  remember(cardNumber: string, found: SealedCard): void {
    if (this.#stopped) return;
    const slot = this.#slots.get(cardNumber);
    if (slot && slot.revision >= found.revision) return;
    this.#slots.set(cardNumber, found);
  }

  /** Whether the view holds this card at `revision` or later. */
  #knows(cardNumber: string, revision: number): boolean {
    return (this.#slots.get(cardNumber)?.revision ?? 0) >= revision;
  }

  /** Keeps identify's facts (parsed) of the record at `revision`, unless a newer record came meanwhile. */
  keepFacts(cardNumber: string, revision: number, facts: CardFacts): void {
    const slot = this.#slots.get(cardNumber);
    if (slot?.revision === revision) this.#slots.set(cardNumber, { revision, sealed: slot.sealed, facts });
  }

  async close(): Promise<void> {
    await this.#messages?.close();
    await this.#following;
    this.#stop();
  }

  #stop(): void {
    this.#stopped = true;
    this.#slots.clear();
  }
}
