// Where card records live (docs/registry.md, "How a change and its event are written"): each
// card's changes are the messages of its own subject on RA_EVENTS, `ra.events.<cardNumber>.change`.
// A change is ONE publish: the body is the event (the shape every reader of RA_EVENTS knows) with
// two more fields, last: `cardFacts`, what identify needs of the record in clear (card-facts.ts:
// no secret), and `sealedRecord`, the record as it is after the change, sealed under the registry
// key. (In a header it cost nats-server about twice the time per message: it scans a message's
// headers once per JetStream header it looks for; docs/benchmarks.md.)
// `Nats-Expected-Last-Subject-Sequence` makes the publish a compare-and-set on the card's subject,
// so the current record is that subject's last message (a direct get), and a record can never be
// changed without its event, nor an event stored without its record.
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { JETSTREAM } from '../../machines/contract/index.ts';
import type { AckedPublisher } from '../../platform/acked-publisher.ts';
import { factsOf, type CardFacts } from './card-facts.ts';
import type { CardRecord, Change, RegistryEvent } from './card-record-shape.ts';
import type { RegistrySecrets } from './registry-secrets.ts';
import { isRevisionConflict, type Versioned } from './registry-store.ts';

/** The body's last field: the sealed record. Readers of events ignore it (or drop it: eventOf). */
export const SEALED_FIELD = 'sealedRecord';
const SEALED_MARKER = `,"${SEALED_FIELD}":"`;
/** The field before it: identify's facts of the record, in clear (absent on messages written before it was). */
export const FACTS_FIELD = 'cardFacts';
const FACTS_MARKER = `,"${FACTS_FIELD}":`;
const decoder = new TextDecoder();
const MSG_ID_HEADER = 'Nats-Msg-Id';
/** The change subjects of every card, for a consumer that follows them all. */
export const ALL_CARD_SUBJECTS = JETSTREAM.registryCardSubject('*');

/** A card's change message as stored: its stream sequence (the record's revision) and sealed record. */
export interface SealedCard {
  readonly revision: number;
  readonly sealed: string;
  /**
   * identify's facts of the record: as written (an object), or as found in a stored message (their
   * JSON, parsed only if identify asks: card-facts.ts parseFacts). Absent on messages written
   * before the facts were; then identify opens the record once.
   */
  readonly facts?: CardFacts | string;
}

/**
 * The card's change number a published change message announces: its Nats-Msg-Id is its event's
 * id, `<cardNumber>-<seq>` (eventId), or undefined when it carries none that reads so.
 */
export function announcedChangeOf(header: MsgHdrs | undefined): number | undefined {
  const id = header?.get(MSG_ID_HEADER) ?? '';
  const seq = Number(id.slice(id.lastIndexOf('-') + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/** The card's change number of a stored record: its sealed form starts with it (sealRecord). */
export function changeOf({ sealed }: Pick<SealedCard, 'sealed'>): number {
  return Number(sealed.slice(0, sealed.indexOf(':')));
}

/** The card number of a change subject, or undefined for any other subject. */
export function cardOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts.length === 4 && parts[0] === 'ra' && parts[1] === 'events' && parts[3] === 'change' ? parts[2] : undefined;
}

/**
 * The sealed record of a change message's body, found without parsing the event: it is the last
 * field, and its value (digits, `:`, `.`, base64url) needs no escaping. A quote inside an event's
 * string values is escaped in JSON, so the marker cannot occur before it.
 */
export function sealedOf(cardNumber: string, data: Uint8Array): string {
  const found = findCard(data);
  if (found === undefined) throw noRecord(cardNumber);
  return found.sealed;
}

function noRecord(cardNumber: string): Error {
  return new Error(`the change message of card ${cardNumber} carries no record`);
}

/**
 * The sealed record of a body and the JSON of its facts (if it has them), or undefined if it
 * carries no record. The facts are the field just before the sealed record, and their values
 * (hex, an enum, a number, a timestamp) need no escaping either.
 */
export function findCard(data: Uint8Array): { sealed: string; facts?: string } | undefined {
  const text = decoder.decode(data);
  const at = text.lastIndexOf(SEALED_MARKER);
  if (at < 0 || !text.endsWith('"}')) return undefined;
  const sealed = text.slice(at + SEALED_MARKER.length, -2);
  const factsAt = text.lastIndexOf(FACTS_MARKER, at);
  return factsAt < 0 ? { sealed } : { sealed, facts: text.slice(factsAt + FACTS_MARKER.length, at) };
}

/** The event of a stored message, without the facts and sealed record of a change message. */
export function eventOf(data: Uint8Array): RegistryEvent {
  const { [SEALED_FIELD]: _sealed, [FACTS_FIELD]: _facts, ...event } = JSON.parse(decoder.decode(data)) as RegistryEvent & {
    [SEALED_FIELD]?: string;
    [FACTS_FIELD]?: CardFacts;
  };
  return event;
}

/** The body of a change message: the event's JSON, then the record's facts and the sealed record as its last fields. */
function bodyOf(event: RegistryEvent, facts: CardFacts, sealed: string): string {
  return `${JSON.stringify(event).slice(0, -1)}${FACTS_MARKER}${JSON.stringify(facts)}${SEALED_MARKER}${sealed}"}`;
}

export class CardStream {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly publisher: AckedPublisher,
    private readonly secrets: RegistrySecrets,
  ) {}

  /** The card's latest change message, or null if the card has none. */
  async readSealed(cardNumber: string): Promise<SealedCard | null> {
    const msg = await this.jsm.direct.getMessage(JETSTREAM.registryEventsStream, { last_by_subj: JETSTREAM.registryCardSubject(cardNumber) });
    if (msg === null) return null;
    const found = findCard(msg.data);
    if (found === undefined) throw noRecord(cardNumber);
    return { revision: msg.seq, ...found };
  }

  open(cardNumber: string, { revision, sealed }: SealedCard): Versioned<CardRecord> {
    return { value: openSealed(this.secrets, cardNumber, sealed), revision };
  }

  /**
   * Writes `change` as the card's next message if the card's last message is still `expected`
   * (0: the card has none yet). Resolves with the new message's sealed form, or null when another
   * change came first: JetStream error 10071, or a duplicate of the event's id (the Nats-Msg-Id),
   * which only another instance's change from the same revision can have made, as a write is
   * never repeated.
   */
  async write(change: Change, expected: number): Promise<SealedCard | null> {
    const { record, event } = change;
    const sealed = sealRecord(this.secrets, record);
    const facts = factsOf(record);
    const header = headers();
    header.set('Nats-Expected-Last-Subject-Sequence', String(expected));
    header.set(MSG_ID_HEADER, event.id);
    let ack;
    try {
      ack = await this.publisher.publish(JETSTREAM.registryCardSubject(record.cardNumber), bodyOf(event, facts, sealed), header);
    } catch (error) {
      if (isRevisionConflict(error)) return null;
      throw error;
    }
    return ack.duplicate ? null : { revision: ack.seq, sealed, facts };
  }
}

/**
 * The sealed form: `<seq>:` and the sealed JSON, the change number bound into the seal so that a
 * record cannot be replayed as another change of its card.
 */
export function sealRecord(secrets: RegistrySecrets, record: CardRecord): string {
  return `${record.seq}:${secrets.sealRecord(record.cardNumber, record.seq, JSON.stringify(record))}`;
}

/** Opens a sealed record (the form sealRecord makes). */
export function openSealed(secrets: RegistrySecrets, cardNumber: string, sealed: string): CardRecord {
  const colon = sealed.indexOf(':');
  const seq = Number(sealed.slice(0, colon));
  return JSON.parse(secrets.openRecord(cardNumber, seq, sealed.slice(colon + 1))) as CardRecord;
}
