// What staff do over NATS: send a staff event to a kiosk, and look up, unlock and take in a card
// at the registry. Each registry call carries the signed-in staff token (the registry takes the
// staff id from it and audits the call); every reply is checked against the registry's schema. A
// failure arrives as a ContractError, or a StaffError for the staff-only codes (a refused token
// also signs the console out).
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type * as v from 'valibot';
import { StaffError, staffErrorIn } from '../../machines/contract/staff.ts';
import { ContractError } from '../../machines/contract/errors.ts';
import { decode, StaffEventSchema, type StaffEvent } from '../../machines/contract/messages.ts';
import { REGISTRY_SUBJECTS } from '../../machines/contract/subjects.ts';
import { encodeJson, readReply } from '../../machines/contract/wire.ts';
import { StaffCardReplySchema, StaffCardSummarySchema, type StaffCardReply, type StaffCardSummary } from '../../machines/contract/staff.ts';
import { kioskSubjects } from '../../machines/contract/subjects.ts';
import type { StaffEventType } from '../consoles/kiosk-status.ts';

export type { StaffCardReply, StaffCardSummary };

/** What the console's elements call; the NATS implementation is below, tests may use it too. */
export interface StaffBackend {
  sendStaffEvent(kioskId: string, type: StaffEventType, staffId: string): Promise<void>;
  lookupCard(cardNumber: string, staffId: string): Promise<StaffCardReply>;
  unlockCard(cardNumber: string, staffId: string): Promise<StaffCardSummary>;
  returnCard(cardNumber: string, staffId: string, details?: ReturnDetails): Promise<StaffCardSummary>;
}

/** Why the card is taken in and whom the CA returns it to (the return slip shows both). */
export interface ReturnDetails {
  reason: string;
  contact: { name: string; phone: string; address: string };
}

/** The signed-in session as the backend needs it: the token, and what to do when it is refused. */
export interface StaffCredentials {
  token(): string | undefined;
  /** The registry refused the token (expired, invalid, missing): the console signs out. */
  lost(error: StaffError): void;
}

const REGISTRY_TIMEOUT_MS = 5000;
const TOKEN_ERRORS = new Set(['STAFF_SIGN_IN_REQUIRED', 'STAFF_TOKEN_INVALID', 'STAFF_TOKEN_EXPIRED']);

export function natsStaffBackend(nc: NatsConnection, credentials?: StaffCredentials): StaffBackend {
  const registry = async <S extends typeof StaffCardReplySchema | typeof StaffCardSummarySchema>(
    subject: string,
    body: Record<string, unknown>,
    schema: S,
  ): Promise<v.InferOutput<S>> => {
    const token = credentials?.token();
    let msg: Msg;
    try {
      msg = await nc.request(subject, encodeJson({ ...body, ...(token ? { token } : {}) }), { timeout: REGISTRY_TIMEOUT_MS });
    } catch (cause) {
      throw new ContractError('3125', `${subject}: no answer`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = msg.json();
    } catch {
      parsed = undefined;
    }
    const refused = staffErrorIn(parsed);
    if (refused) {
      if (TOKEN_ERRORS.has(refused.code)) credentials?.lost(refused);
      throw refused;
    }
    return readReply(msg, schema, subject);
  };

  return {
    async sendStaffEvent(kioskId, type, staffId) {
      // The engine acts only on a valid staff token and takes the staff id from it.
      const token = credentials?.token();
      const checked = decode(StaffEventSchema, { type, staffId, ...(token ? { token } : {}) });
      if (!checked.ok) throw new ContractError('BAD_REQUEST', checked.problems.join('; '));
      const event: StaffEvent = checked.value;
      nc.publish(kioskSubjects(kioskId).staff, encodeJson(event));
      // Sent means it reached the server, not merely left this tab.
      await nc.flush();
    },
    lookupCard: (cardNumber, staffId) => registry(REGISTRY_SUBJECTS.staffCard, { cardNumber, staffId }, StaffCardReplySchema),
    unlockCard: (cardNumber, staffId) => registry(REGISTRY_SUBJECTS.staffUnlock, { cardNumber, staffId }, StaffCardSummarySchema),
    returnCard: (cardNumber, staffId, details) =>
      registry(REGISTRY_SUBJECTS.staffReturn, { cardNumber, staffId, ...(details ?? {}) }, StaffCardSummarySchema),
  };
}
