// The card record as stored and the event each change carries (docs/registry.md, "How a change
// and its event are written"): the shapes only; card-record.ts holds the lifecycle that changes
// them and card-facts.ts what identify reads of them.
import type { ActivationPath, CardRecordStatus } from '../../machines/contract/index.ts';
import type { RegistryEventType } from '../../machines/contract/registry.ts';

/** The activation a card is currently bound to (the latest successful verify). */
export interface CurrentActivation {
  /** SHA-256 of the activation id: the id itself is a bearer token and is never stored. */
  readonly ref: string;
  readonly kioskId: string;
  readonly expiresAt: string;
  /**
   * When the registry received the verify that started it. Absent on records written before it
   * was kept; a verify received earlier than this never replaces it (recordVerification).
   */
  readonly startedAt?: string;
  /** PIN grants released to this activation (absent: none). */
  readonly grants?: number;
  readonly lastGrantAt?: string;
  /** The nonce of the latest grant: the card signs it after its new PIN is set (`complete`). */
  readonly proofNonce?: string;
}

/** When and through which activation a one-time step happened. */
export interface Milestone {
  readonly at: string;
  /** The change number of the step (its event is `<cardNumber>-<seq>`). */
  readonly seq: number;
  readonly by: string;
  readonly kioskId: string;
}

export interface CardRecord {
  readonly v: 1;
  readonly cardNumber: string;
  /** Lower-case hex without leading zeros. */
  readonly certSerial: string;
  readonly route: ActivationPath;
  readonly holderName: string;
  /** The certificate's OU (a branch or unit), when the issuance record names one. */
  readonly orgUnit?: string;
  readonly ubn: string;
  readonly email: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** `verified` here means "has an activation"; see effectiveStatus for whether it is still live. */
  readonly status: CardRecordStatus;
  readonly statusBeforeLock?: 'issued' | 'accepted';
  readonly failedAttempts: number;
  /** How many changes (events) this card has had; event n has the message id `<cardNumber>-<n>`. */
  readonly seq: number;
  readonly importedAt: string;
  /** scrypt hash of the user code (self-applied: from issuance; registration-bundled: set at accept). */
  readonly userCodeHash?: string;
  /** HMAC of the responsible person's normalized ID: national, resident or any other 6–20 letters and digits (registration-bundled). */
  readonly responsibleIdMac?: string;
  /** HMAC of the responsible person's birth date, when the issuance record has one. */
  readonly birthDateMac?: string;
  /** The SO credential, encrypted under the registry key. */
  readonly soCredential: string;
  /**
   * SHA-256 of the card certificate's public key (SPKI DER), hex: identify refuses a card whose key
   * differs, complete needs a signature by this key. Absent only on records imported before it existed.
   */
  readonly certificateKeySha256?: string;
  /**
   * A card agent reported a failed SO login on this card (or SO PIN flags that forbid one): no kiosk
   * gets its SO credential again until staff unlock the card. Kept here, so restarts and other kiosks see it.
   */
  readonly soLoginFailed?: { readonly at: string; readonly kioskId: string; readonly problem: string };
  /** The contact e-mail given at acceptance (registration-bundled). */
  readonly contactEmail?: string;
  readonly activation?: CurrentActivation;
  readonly accepted?: Milestone;
  readonly activated?: Milestone;
  readonly lockedAt?: string;
  readonly returned?: ReturnedCard;
  /** When staff unlocked this card within the last day (the per-card unlock limit counts these). */
  readonly unlocks?: readonly string[];
  /**
   * Only on records of the layout before one-write changes (`ra_cards`): the event of the latest
   * change, which the migration (card-migration.ts) stores if its publish was lost.
   */
  readonly lastEvent?: RegistryEvent;
}

/** Who the card goes back to after the CA has it (the manual: returned by registered mail). */
export interface ReturnContact {
  readonly name: string;
  readonly phone: string;
  readonly address: string;
}

export interface ReturnedCard {
  readonly at: string;
  readonly staffId?: string;
  /** The code that sent the card to staff: 27011, CARD_UNREADABLE, … */
  readonly reason?: string;
  readonly contact?: ReturnContact;
}

export { EVENT_TYPES, type RegistryEventType } from '../../machines/contract/registry.ts';

/** One entry of RA_EVENTS. Carries no secret and no activation id (only its hash). */
export interface RegistryEvent {
  /** The Nats-Msg-Id it is published with. */
  readonly id: string;
  readonly type: RegistryEventType;
  readonly cardNumber: string;
  readonly at: string;
  /**
   * The card's activation path, from its record, so that readers of the stream (the office
   * dashboard) can count per path. Absent on events made before it existed.
   */
  readonly route?: ActivationPath;
  readonly from?: CardRecordStatus;
  readonly to?: CardRecordStatus;
  readonly kioskId?: string;
  readonly staffId?: string;
  readonly activation?: string;
  readonly attemptsLeft?: number;
  readonly grant?: number;
  /** so-login-failed: what the card agent reported (no secret). */
  readonly problem?: string;
}

export interface Change {
  readonly record: CardRecord;
  readonly event: RegistryEvent;
}

export function eventId(cardNumber: string, seq: number): string {
  return `${cardNumber}-${seq}`;
}

/** Normalizes a certificate serial so that `00AB12` from one reader equals `ab12` from another. */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}
