// Each instance's local view of `ra_cards`: a KV watcher keeps the latest revision of every card
// record in memory, and the instance's own writes go in as they succeed. It spares the hot paths
// a KV read: identify answers from it, and accept / complete start their compare-and-set from it.
//
// The view may lag the bucket by the watcher's delivery time (well under a millisecond on one
// server). That is safe where it is used: a compare-and-set that starts from a stale revision
// fails and re-reads; a refusal decided on the view is decided again on a fresh read before it is
// answered; and identify is a hint the later steps check again. Decisions that release a secret
// (PIN grants) or compare one (verify) always read KV.
//
// Memory: one record as UTF-8 JSON (≈ 1 KB, outside the JS heap) per card, parsed on every lookup
// (≈ 5 µs). Keeping parsed records instead made the heap hold tens of objects per card, and every
// major GC of the registry process marked them all: stalls of 30–40 ms under load, visible in
// accept's p99.
import { KvWatchInclude, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';
import type { CardRecord } from './card-record.ts';
import type { Versioned } from './registry-store.ts';

// Card numbers are upper-case letters and digits; anything else in the bucket is not a card.
const CARD_KEY = /^[A-Z0-9]{4,32}$/;

interface Slot {
  readonly revision: number;
  /** The record as UTF-8 JSON, outside the JS heap; null once deleted. */
  readonly json: Uint8Array | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class CardView {
  readonly #slots = new Map<string, Slot>();
  #watcher: QueuedIterator<KvWatchEntry> | undefined;
  #following: Promise<void> = Promise.resolve();

  #stopped = false;

  /**
   * Starts following `kv`; lookups work at once and fill in as the initial values arrive. If the
   * watcher fails, the view empties itself for good (every lookup then reads KV) and `onFailure`
   * says why.
   */
  static async follow(kv: KV, onFailure: (error: unknown) => void): Promise<CardView> {
    const view = new CardView();
    const watcher = await kv.watch({ include: KvWatchInclude.LastValue });
    view.#watcher = watcher;
    view.#following = (async () => {
      for await (const entry of watcher) view.#apply(entry);
    })().catch((error: unknown) => {
      view.#stop();
      onFailure(error);
    });
    return view;
  }

  /** The latest record this instance has seen, or undefined if it has seen none. */
  get(cardNumber: string): Versioned<CardRecord> | undefined {
    if (this.#stopped) return undefined;
    const slot = this.#slots.get(cardNumber);
    if (!slot || slot.json === null) return undefined;
    return { value: JSON.parse(decoder.decode(slot.json)) as CardRecord, revision: slot.revision };
  }

  /** Records a value read or written by this instance; an older revision never replaces a newer one. */
  remember(cardNumber: string, found: Versioned<CardRecord>, json = JSON.stringify(found.value)): void {
    if (this.#stopped) return;
    const slot = this.#slots.get(cardNumber);
    if (slot && slot.revision >= found.revision) return;
    this.#slots.set(cardNumber, { revision: found.revision, json: encoder.encode(json) });
  }

  async close(): Promise<void> {
    this.#watcher?.stop();
    await this.#following;
    this.#stop();
  }

  #stop(): void {
    this.#stopped = true;
    this.#slots.clear();
  }

  #apply(entry: KvWatchEntry): void {
    if (!CARD_KEY.test(entry.key)) return;
    const slot = this.#slots.get(entry.key);
    if (slot && slot.revision >= entry.revision) return;
    // A copy: the entry's bytes are a view into the connection's read buffer.
    this.#slots.set(entry.key, { revision: entry.revision, json: entry.operation === 'PUT' ? entry.value.slice() : null });
  }
}
