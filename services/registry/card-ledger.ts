// The registry's card ledger: how every operation reads a card record and writes a change of it
// with its one RA_EVENTS event (docs/registry.md, "How a change and its event are written"), for
// the activation operations (activation-operations.ts) and the office's (office-operations.ts).
import { ContractError } from '../../machines/contract/index.ts';
import type { CardRecord, RegistryEvent } from './card-record.ts';
import type { CardView } from './card-view.ts';
import {
  cardUpdater,
  compareAndSet,
  ensureEventStored,
  publishEvent,
  readVersioned,
  type RegistryStore,
  type Step,
  type Versioned,
} from './registry-store.ts';

export interface RequestContext {
  /** The kiosk id from a `.<kiosk>` subject, if the request came that way. */
  readonly kiosk: string | undefined;
  /** Names the card in the request log. */
  card(cardNumber: string): void;
  /** Adds a non-secret field to the request log. */
  note(field: string, value: string | number): void;
}

/** A kiosk's enrolled card-agent key, in `ra_cards` under `_agent_key.<kiosk>` (no card number is like it). */
export interface AgentKeyRecord {
  readonly v: 1;
  readonly kioskId: string;
  /** Raw Ed25519 public key, base64url. */
  readonly publicKey: string;
  readonly enrolledAt: string;
}

export function agentKeyKey(kioskId: string): string {
  return `_agent_key.${kioskId}`;
}

export class CardLedger {
  private readonly updateCard: (key: string, data: string, revision: number) => Promise<number>;
  private readonly storedEvents = new StoredEvents();

  constructor(
    readonly store: RegistryStore,
    /** This instance's view of ra_cards: fast reads, never the ground for a refusal (onCard). */
    readonly view: CardView,
    readonly clock: () => Date,
  ) {
    this.updateCard = cardUpdater(store);
  }

  /** The card as stored now (and the view learns it). */
  async readCard(cardNumber: string): Promise<Versioned<CardRecord> | null> {
    const found = await readVersioned<CardRecord>(this.store.cards, cardNumber);
    if (found) this.view.remember(cardNumber, found);
    return found;
  }

  /**
   * Runs `decide` on the card as the view has it, and if that refuses, once more on the card as
   * stored now: a refusal is only ever answered from a fresh read.
   */
  async onCard<T>(cardNumber: string, decide: (found: Versioned<CardRecord> | null) => Promise<T>): Promise<T> {
    const viewed = this.view.get(cardNumber);
    if (viewed) {
      try {
        return await decide(viewed);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
      }
    }
    return decide(await this.readCard(cardNumber));
  }

  /** compareAndSet on a card that must exist, starting from `known` when the caller has just read it. */
  async changeCard<T>(
    cardNumber: string,
    known: Versioned<CardRecord> | undefined,
    decide: (current: CardRecord) => Step<CardRecord, T>,
  ): Promise<T> {
    const { result, written } = await compareAndSet<CardRecord, T>(
      this.store.cards,
      cardNumber,
      (current) => {
        if (current === null) throw new ContractError('UNKNOWN_CARD', 'no such card');
        return decide(current.value);
      },
      known,
      this.updateCard,
      // The change replaces the record's latest change: its event must be stored first.
      (current) => this.ensureLastEvent(current.value),
    );
    if (written) this.view.remember(cardNumber, written, written.json);
    return result;
  }

  /** Publishes a card's change event and remembers that it is stored. */
  async publish(event: RegistryEvent): Promise<void> {
    await publishEvent(this.store.publisher, event);
    this.storedEvents.note(event.cardNumber, event.id);
  }

  /**
   * Makes sure the event of the record's latest change is on RA_EVENTS (it is not if its publish
   * failed after the record was written). Free when this instance published or checked it itself;
   * otherwise one publish, deduplicated by its id.
   */
  async ensureLastEvent(record: CardRecord): Promise<void> {
    const last = record.lastEvent;
    if (last === undefined || this.storedEvents.has(record.cardNumber, last.id)) return;
    await ensureEventStored(this.store, last, this.clock());
    this.storedEvents.note(record.cardNumber, last.id);
  }
}

/**
 * The id of each card's latest event this instance knows to be on RA_EVENTS (it published it, or
 * checked it), so its own next change needs no check. Bounded: the oldest entries go first, and a
 * card that is not here is simply checked once.
 */
class StoredEvents {
  readonly #ids = new Map<string, string>();

  constructor(readonly capacity = 50_000) {}

  has(cardNumber: string, id: string): boolean {
    return this.#ids.get(cardNumber) === id;
  }

  note(cardNumber: string, id: string): void {
    this.#ids.delete(cardNumber);
    this.#ids.set(cardNumber, id);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.keys().next().value as string);
  }
}
