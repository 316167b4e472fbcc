// The registry's card ledger: how every operation reads a card record and writes a change of it
// together with its event, as ONE publish on the card's own subject of RA_EVENTS (card-stream.ts;
// docs/registry.md, "How a change and its event are written"), for the activation operations
// (activation-operations.ts) and the office's (office-operations.ts).
import { ContractError, JETSTREAM } from '../../machines/contract/index.ts';
import { factsOf, parseFacts, type CardFacts } from './card-facts.ts';
import type { CardRecord, Change, RegistryEvent } from './card-record-shape.ts';
import { ALL_CARD_SUBJECTS, cardOfSubject, CardStream, eventOf, openSealed, sealedOf, type SealedCard } from './card-stream.ts';
import type { CardView } from './card-view.ts';
import type { RegistrySecrets } from './registry-secrets.ts';
import { readAll, type RegistryStore, type Versioned } from './registry-store.ts';

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

/** What a decision on a card returns: the change to write (absent: none) and the caller's result. */
export interface CardStep<T> {
  readonly write?: Change;
  readonly result: T;
}

/** Compare-and-set rounds before giving up (each round re-reads; conflicts are rare per card). */
const MAX_CAS_ROUNDS = 64;

export class CardLedger {
  readonly stream: CardStream;

  constructor(
    readonly store: RegistryStore,
    /** This instance's view of the card records: fast reads, never the ground for a refusal (onCard). */
    readonly view: CardView,
    readonly clock: () => Date,
    private readonly secrets: RegistrySecrets,
  ) {
    this.stream = new CardStream(store.jsm, store.publisher, secrets);
  }

  /** The card as stored now (and the view learns it). */
  async readCard(cardNumber: string): Promise<Versioned<CardRecord> | null> {
    const ticket = this.view.ticket();
    const found = await this.stream.readSealed(cardNumber);
    if (!found) return null;
    this.view.remember(cardNumber, found, ticket);
    return this.stream.open(cardNumber, found);
  }

  /** The card as this instance's view has it, if it has seen it. */
  viewed(cardNumber: string): Versioned<CardRecord> | undefined {
    const found = this.view.get(cardNumber);
    return found && this.stream.open(cardNumber, found);
  }

  /** identify's facts of the card as the view has it, if it has seen it. */
  viewedFacts(cardNumber: string): CardFacts | undefined {
    const slot = this.view.get(cardNumber);
    return slot && this.#factsOf(cardNumber, slot);
  }

  /** identify's facts of the card as stored now (and the view learns it), or undefined if there is no such card. */
  async readFacts(cardNumber: string): Promise<CardFacts | undefined> {
    const ticket = this.view.ticket();
    const found = await this.stream.readSealed(cardNumber);
    if (!found) return undefined;
    this.view.remember(cardNumber, found, ticket);
    return this.#factsOf(cardNumber, found);
  }

  /**
   * The facts of a change message: as written, or parsed from its facts in clear (once: the view
   * keeps them parsed), or, for a message written before they were, by opening its record once.
   */
  #factsOf(cardNumber: string, found: SealedCard): CardFacts {
    if (typeof found.facts === 'object') return found.facts;
    const facts = (found.facts === undefined ? undefined : parseFacts(found.facts)) ?? factsOf(this.stream.open(cardNumber, found).value);
    this.view.keepFacts(cardNumber, found.revision, facts);
    return facts;
  }

  /**
   * Runs `decide` on the card as the view has it, and if that refuses, once more on the card as
   * stored now: a refusal is only ever answered from a fresh read.
   */
  async onCard<T>(cardNumber: string, decide: (found: Versioned<CardRecord> | null) => Promise<T>): Promise<T> {
    const viewed = this.viewed(cardNumber);
    if (viewed) {
      try {
        return await decide(viewed);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
      }
    }
    return decide(await this.readCard(cardNumber));
  }

  /**
   * Lets `decide` choose from the card's record and writes its change (record and event, one
   * publish) with compare-and-set on the revision it decided on. On a conflict it reads again and
   * asks `decide` again, so a decision is always made on the latest record and two writers can
   * never both succeed from the same revision. `decide` may throw to refuse. `known` is the record
   * the caller has just read, to save the first read.
   */
  async changeCard<T>(cardNumber: string, known: Versioned<CardRecord> | undefined, decide: (current: CardRecord) => CardStep<T>): Promise<T> {
    let current = known === undefined ? await this.readCard(cardNumber) : known;
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      if (current === null) throw new ContractError('UNKNOWN_CARD', 'no such card');
      const step = decide(current.value);
      if (step.write === undefined) return step.result;
      const written = await this.#write(cardNumber, step.write, current.revision);
      if (written) return step.result;
      current = await this.readCard(cardNumber);
    }
    throw new Error(`compare-and-set on card ${cardNumber} kept conflicting`);
  }

  /** Writes a new card's first change; if the card exists already, writes nothing and returns it. */
  async createCard(change: Change): Promise<{ created: boolean; record: CardRecord }> {
    const { cardNumber } = change.record;
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      if (await this.#write(cardNumber, change, 0)) return { created: true, record: change.record };
      const existing = await this.readCard(cardNumber);
      if (existing) return { created: false, record: existing.value };
    }
    throw new Error(`creating card ${cardNumber} kept conflicting`);
  }

  /** Every card's current record, in stream order (the last change message of each card). */
  async listCards(): Promise<CardRecord[]> {
    const messages = await readAll(this.store.js, JETSTREAM.registryEventsStream, ALL_CARD_SUBJECTS, true);
    const records: CardRecord[] = [];
    for (const msg of messages) {
      const cardNumber = cardOfSubject(msg.subject);
      if (cardNumber !== undefined) records.push(openSealed(this.secrets, cardNumber, sealedOf(cardNumber, msg.data)));
    }
    return records;
  }

  /** The card's events, oldest first (both layouts), without the sealed records. */
  async history(cardNumber: string): Promise<RegistryEvent[]> {
    const messages = await readAll(this.store.js, JETSTREAM.registryEventsStream, JETSTREAM.registryEventsSubject(cardNumber, '>'));
    return messages.map((msg) => eventOf(msg.data));
  }

  /** One publish; false when another change came first. */
  async #write(cardNumber: string, change: Change, expected: number): Promise<boolean> {
    const ticket = this.view.ticket();
    const written = await this.stream.write(change, expected);
    if (written === null) return false;
    this.view.remember(cardNumber, written, ticket);
    return true;
  }
}
