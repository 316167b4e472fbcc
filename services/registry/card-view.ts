// Each instance's local view of the card records: the latest sealed record of every card it has
// read or written, in memory. It spares the hot paths a read: identify answers from it, and
// accept / complete start their compare-and-set from it.
//
// How it stays true (docs/registry.md, "Where records live": "The view"): the view does not follow the
// stream's contents. It holds only what this instance itself read from the stream or wrote to it,
// and a plain subscription on every card's change subject tells it that a card MAY have changed:
// every change is published on `ra.events.<card>.change`, so every instance hears every other's
// publish (a refused compare-and-set included) as it reaches nats-server. An announcement names the
// card's change number (its Nats-Msg-Id is `<card>-<seq>`): it drops the card from the view unless
// the view already holds that change or a later one, and the view remembers the highest change
// announced: a read that returns an earlier one (the stream, or the replica that answers, may not
// have stored the announced one yet) is answered but not kept. Announcements from different
// instances may arrive in either order across a cluster's routes; the highest number wins. The next request of a dropped card
// reads it by direct get. A JetStream consumer used to deliver every change back to every instance
// instead: about 60 µs of CPU per change and instance, a quarter of an accept (docs/benchmarks.md).
// Announcements missed while the connection was down cannot be known, so a disconnect and a
// reconnect each empty the view, and a read or write begun before that is not kept.
//
// The view may lag the stream by an announcement's delivery time (well under a millisecond on one
// server). That is safe where it is used: a compare-and-set that starts from a stale revision
// fails and re-reads; a refusal decided on the view is decided again on a fresh read before it is
// answered; and identify is a hint the later steps check again. Decisions that release a secret
// (PIN grants) or compare one (verify) always read the stream. An announcement carries no data
// the view keeps: a forged one can only cost reads (of that card, on that instance, until it
// restarts).
//
// Memory: one sealed record (≈ 1.5 KB, one flat string) per card, opened on every lookup but
// identify's (an AES-GCM open and a JSON parse, ≈ 10 µs). Keeping parsed records instead made the
// heap hold tens of objects per card, and every major GC of the registry process marked them all:
// stalls of 30–40 ms under load, visible in accept's p99. What identify needs (CardFacts: a
// handful of fields, no secret) comes in clear with each change message (card-stream.ts); it is
// kept as the message's JSON text and parsed, once, when identify first asks for that card. At
// start the view loads every card's latest message once, so a restarted instance answers identify
// without a read per card.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { CardFacts } from './card-facts.ts';
import { readAll } from './registry-store.ts';
import { ALL_CARD_SUBJECTS, announcedChangeOf, cardOfSubject, changeOf, findCard, type SealedCard } from './card-stream.ts';

/** When a read or write began, as `ticket()` gives it: what it returns is kept only if no disconnect came since. */
export type ViewTicket = number;

export interface CardViewEvents {
  /** The announcements stopped (their subscription was refused or failed): the view is empty for good. */
  stopped(error: unknown): void;
  /** Loading the cards at start failed: the view fills from reads and writes instead. */
  loadFailed(error: unknown): void;
}

export class CardView {
  readonly #slots = new Map<string, SealedCard>();
  /** Cards announced changed beyond what this instance has read or written: card → the highest change number announced. */
  readonly #awaited = new Map<string, number>();
  #epoch = 0;
  #stopped = false;
  #subscription: Subscription | undefined;
  #loading: Promise<void> = Promise.resolve();

  /**
   * Subscribes to the announcements (the server has the subscription before this resolves, so no
   * change can fall between it and anything read after), then loads every card's latest message
   * in the background. Lookups work at once.
   */
  static async follow(nc: NatsConnection, js: JetStreamClient, events: CardViewEvents): Promise<CardView> {
    const view = new CardView();
    const fail = (error: unknown) => {
      if (view.#stopped) return;
      view.#stop();
      events.stopped(error);
    };
    const subscription = nc.subscribe(ALL_CARD_SUBJECTS, { callback: (error, msg) => (error ? fail(error) : view.#announced(msg)) });
    view.#subscription = subscription;
    void subscription.closed.then((error) => error && fail(error));
    void (async () => {
      for await (const status of nc.status()) {
        if (view.#stopped) return;
        if (status.type === 'disconnect' || status.type === 'reconnect') view.#forgetAll();
      }
    })().catch(fail);
    await nc.flush();
    view.#loading = view.#load(js).catch((error: unknown) => {
      if (!view.#stopped) events.loadFailed(error);
    });
    return view;
  }

  /** Take one before a read or write; pass it to `remember` with what that returned. */
  ticket(): ViewTicket {
    return this.#epoch;
  }

  /** The latest sealed record this instance has kept (with its facts, if kept), or undefined. */
  get(cardNumber: string): SealedCard | undefined {
    return this.#slots.get(cardNumber);
  }

  /**
   * Keeps a message this instance read or wrote, unless the connection dropped since `ticket`, a
   * later change of the card was announced, or the view holds a newer revision.
   */
  remember(cardNumber: string, found: SealedCard, ticket: ViewTicket): void {
    if (this.#stopped || ticket !== this.#epoch) return;
    const awaited = this.#awaited.get(cardNumber);
    if (awaited !== undefined) {
      if (changeOf(found) < awaited) return;
      this.#awaited.delete(cardNumber);
    }
    const slot = this.#slots.get(cardNumber);
    if (slot && slot.revision >= found.revision) return;
    this.#slots.set(cardNumber, found);
  }

  /** Keeps identify's facts (parsed) of the record at `revision`, unless the card changed meanwhile. */
  keepFacts(cardNumber: string, revision: number, facts: CardFacts): void {
    const slot = this.#slots.get(cardNumber);
    if (slot?.revision === revision) this.#slots.set(cardNumber, { ...slot, facts });
  }

  async close(): Promise<void> {
    this.#stop();
    await this.#loading;
  }

  /** A change of the card reached nats-server: drop the card unless the view holds that change or a later one. */
  #announced(msg: Msg): void {
    // Only the registry publishes on change subjects; whatever comes there can only cost reads.
    const cardNumber = cardOfSubject(msg.subject);
    if (cardNumber === undefined) return;
    const change = announcedChangeOf(msg.headers);
    const slot = this.#slots.get(cardNumber);
    if (change !== undefined && slot !== undefined && changeOf(slot) >= change) return;
    this.#slots.delete(cardNumber);
    // One without a change number (none the registry writes) only drops the card.
    if (change !== undefined && change > (this.#awaited.get(cardNumber) ?? 0)) this.#awaited.set(cardNumber, change);
  }

  /** Every card's latest message, read once (readAll: an ordered consumer, deleted when done). */
  async #load(js: JetStreamClient): Promise<void> {
    const ticket = this.ticket();
    for (const msg of await readAll(js, JETSTREAM.registryEventsStream, ALL_CARD_SUBJECTS, true)) {
      const cardNumber = cardOfSubject(msg.subject);
      const found = cardNumber === undefined ? undefined : findCard(msg.data);
      if (cardNumber !== undefined && found !== undefined) this.remember(cardNumber, { revision: msg.seq, ...found }, ticket);
    }
  }

  /** Announcements may have been missed: nothing kept can be trusted, nor any read begun before. */
  #forgetAll(): void {
    this.#epoch++;
    this.#slots.clear();
  }

  #stop(): void {
    this.#stopped = true;
    this.#epoch++;
    this.#slots.clear();
    this.#awaited.clear();
    this.#subscription?.unsubscribe();
  }
}
