// The card agent's view of its readers and the card in them (docs/card-agent.md): which reader
// holds a card, which token that card is, whether it is still the same insertion, its card number,
// and what it says — read through the PKCS#11 worker once per insertion (insertion-cache.ts).
// No login of any kind happens here: nothing in this file can move a PIN counter.
import type { CardData, CardStatus } from '../machines/contract/index.ts';
import { publicKeySha256 } from '../platform/card-proofs.ts';
import { pinFlagsOf, situationError } from './errors.ts';
import { InsertionCache, type CardReading } from './insertion-cache.ts';
import type { CardReaders, ReaderState } from './readers/reader.ts';
import { certificatePublicKey, chooseCardCertificate, parseCardCertificate } from './token/certificate.ts';
import type { TokenSelector, TokenSummary } from './token/protocol.ts';
import type { TokenClient } from './token/token.client.ts';

/** Our extension of `card.status`: whether the reader subsystem itself (pcscd) is reachable. */
export interface CardStatusReply extends CardStatus {
  readerService: { kind: 'sim' | 'pcsc'; ok: boolean; detail: string };
}

/** The worker calls the agent makes (token.client.ts); a unit test gives a stand-in. */
export type TokenCalls = Pick<TokenClient, 'call'>;

export interface CardReaderViewOptions {
  readers: CardReaders;
  token: TokenCalls;
  /** PC/SC with SoftHSM2 (tests): the label of the token that stands for the card in a reader. */
  tokenLabel?: string | undefined;
  /** Where a token carries its card number: `label` (the demo tokens; default) or `serial`. */
  cardNumberFrom?: 'label' | 'serial' | undefined;
  /** The issuing CAs of business certificates (issuer O or CN); unset: any. */
  cardIssuers?: readonly string[] | undefined;
}

const CARD_NUMBER = /^[A-Z0-9]{4,32}$/;

export class CardReaderView {
  readonly readers: CardReaders;
  /** Once per insertion: later reads of the same insertion cost no worker hop. */
  readonly readings = new InsertionCache();
  readonly #token: TokenCalls;
  readonly #options: CardReaderViewOptions;

  constructor(options: CardReaderViewOptions) {
    this.readers = options.readers;
    this.#token = options.token;
    this.#options = options;
  }

  /** The reader holding a card: READER_NOT_FOUND with no reader, CARD_NOT_DETECTED with no card. */
  cardInReader(): ReaderState {
    const all = this.readers.readers();
    if (all.length === 0) throw situationError('no-reader');
    const withCard = all.find((reader) => reader.cardPresent);
    if (withCard === undefined) throw situationError('no-card');
    return withCard;
  }

  /** Which token is the card in `reader` (docs/card-agent.md, "The reader interface"). */
  selectorFor(reader: ReaderState): TokenSelector {
    if (reader.token !== undefined) return reader.token;
    if (this.#options.tokenLabel !== undefined) return { by: 'label', label: this.#options.tokenLabel };
    return { by: 'slot-description', text: reader.name };
  }

  /** Whether the card of `reader`'s insertion is still in (taken out and put back counts as gone). */
  stillInserted(reader: ReaderState): boolean {
    return this.readers.readers().some((r) => r.name === reader.name && r.cardPresent && r.insertion === reader.insertion);
  }

  /** The card number the token carries (never from configuration). */
  cardNumberOf(summary: TokenSummary): string {
    const value = (this.#options.cardNumberFrom ?? 'label') === 'serial' ? summary.serial : summary.label;
    if (!CARD_NUMBER.test(value)) throw situationError('no-card-number');
    return value;
  }

  /** The reading of the card in `reader`: this insertion's, or read now. */
  readingOf(reader: ReaderState): Promise<CardReading> {
    return this.readings.readingOf(reader, () => this.#readFromCard(reader));
  }

  /** Reads the card in `reader` itself, whatever is cached, and keeps that reading. */
  readAfresh(reader: ReaderState): Promise<CardReading> {
    return this.readings.refresh(reader, () => this.#readFromCard(reader));
  }

  /** Drops every reading: what changed the card under the same insertion (a set-pin) was done. */
  forget(): void {
    this.readings.forget();
  }

  /** `card.read`: the card in the reader, as read at this insertion. */
  async readCard(): Promise<CardData> {
    const reader = this.cardInReader();
    const { card } = await this.readingOf(reader);
    // The card may have gone between the read that filled the cache and now.
    if (!this.stillInserted(reader)) throw situationError('no-card');
    return card;
  }

  /** `card.status`. */
  status(): CardStatusReply {
    const health = this.readers.health();
    return {
      readers: this.readers.readers().map((r) => ({ name: r.name, cardPresent: r.cardPresent, ...(r.atr === undefined ? {} : { atr: r.atr }) })),
      readerService: { kind: this.readers.kind, ...health },
    };
  }

  /** What the card in `reader` says, read through the worker now (no login of any kind). */
  async #readFromCard(reader: ReaderState): Promise<CardReading> {
    const { token: summary, certificates } = await this.#token.call({ op: 'read', token: this.selectorFor(reader) });
    if (!this.stillInserted(reader)) throw situationError('no-card');
    const certificate = chooseCardCertificate(certificates);
    const fields = parseCardCertificate(certificate.der, this.#options.cardIssuers);
    const publicKey = certificatePublicKey(certificate.der);
    const card: CardData = {
      cardNumber: this.cardNumberOf(summary),
      ...fields,
      pinFlags: pinFlagsOf(summary.flags, summary.minPinLength, summary.maxPinLength),
      certificateKeySha256: publicKeySha256(publicKey),
    };
    return { summary, certificate, publicKey, card };
  }
}
