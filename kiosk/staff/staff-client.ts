// What staff do over NATS: send a staff event to a kiosk, and look up, unlock and take in a card
// at the registry. Each registry call carries the staff id for the registry's audit trail; every
// reply is checked against the registry's schema, and a failure arrives as a ContractError.
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError } from '../../machines/contract/errors.ts';
import { decode, StaffEventSchema, type StaffEvent } from '../../machines/contract/messages.ts';
import { REGISTRY_SUBJECTS } from '../../machines/contract/subjects.ts';
import { encodeJson, requestJson } from '../../services/shared/nats-json.ts';
import {
  StaffCardReplySchema,
  StaffCardSummarySchema,
  type StaffCardReply,
  type StaffCardSummary,
} from '../../services/registry/registry-messages.ts';
import { kioskSubjects } from '../../machines/contract/subjects.ts';
import type { StaffEventType } from './kiosk-status.ts';

export type { StaffCardReply, StaffCardSummary };

/** What the console's elements call; the NATS implementation is below, tests may use it too. */
export interface StaffBackend {
  sendStaffEvent(kioskId: string, type: StaffEventType, staffId: string): Promise<void>;
  lookupCard(cardNumber: string, staffId: string): Promise<StaffCardReply>;
  unlockCard(cardNumber: string, staffId: string): Promise<StaffCardSummary>;
  returnCard(cardNumber: string, staffId: string): Promise<StaffCardSummary>;
}

const REGISTRY_TIMEOUT_MS = 5000;

export function natsStaffBackend(nc: NatsConnection): StaffBackend {
  const registry = <S extends typeof StaffCardReplySchema | typeof StaffCardSummarySchema>(
    subject: string,
    cardNumber: string,
    staffId: string,
    schema: S,
  ) => requestJson(nc, subject, { cardNumber, staffId }, schema, { timeout: REGISTRY_TIMEOUT_MS, unreachable: '3125' });

  return {
    async sendStaffEvent(kioskId, type, staffId) {
      const checked = decode(StaffEventSchema, { type, staffId });
      if (!checked.ok) throw new ContractError('BAD_REQUEST', checked.problems.join('; '));
      const event: StaffEvent = checked.value;
      nc.publish(kioskSubjects(kioskId).staff, encodeJson(event));
      // Sent means it reached the server, not merely left this tab.
      await nc.flush();
    },
    lookupCard: (cardNumber, staffId) => registry(REGISTRY_SUBJECTS.staffCard, cardNumber, staffId, StaffCardReplySchema),
    unlockCard: (cardNumber, staffId) => registry(REGISTRY_SUBJECTS.staffUnlock, cardNumber, staffId, StaffCardSummarySchema),
    returnCard: (cardNumber, staffId) => registry(REGISTRY_SUBJECTS.staffReturn, cardNumber, staffId, StaffCardSummarySchema),
  };
}
