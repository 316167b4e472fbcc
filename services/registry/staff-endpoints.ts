// What every `ra.staff.*` request goes through before the registry acts: the staff token is
// verified (the staff id is the token's, never the body's), and the request, its staff id and its
// outcome go to the audit stream, whether it was answered or refused.
import type { CryptoKey } from 'jose';
import type { JetStreamClient } from '@nats-io/jetstream';
import { ContractError } from '../../machines/contract/index.ts';
import { StaffError } from '../../machines/contract/staff.ts';
import { verifyStaffToken } from '../staff-auth/staff-token.ts';
import { UnlockLimitError } from './card-record.ts';
import type { StaffAuditEvent, StaffRequest } from '../../machines/contract/staff.ts';
import type { RequestContext } from './card-ledger.ts';
import { publishStaffAudit } from './staff-audit.ts';

export interface StaffGate {
  readonly publicKey: CryptoKey;
  readonly js: JetStreamClient;
  readonly clock: () => Date;
}

/** Wraps a staff operation: authenticate, run, audit. */
export function staffEndpoint<R extends StaffRequest>(
  gate: StaffGate,
  action: StaffAuditEvent['action'],
  run: (request: R, staffId: string, context: RequestContext) => Promise<unknown>,
): (request: R, context: RequestContext) => Promise<unknown> {
  return async (request, context) => {
    let staffId: string | undefined;
    let outcome = 'ok';
    try {
      const staff = await verifyStaffToken(gate.publicKey, request.token, gate.clock());
      if (request.staffId !== undefined && request.staffId !== staff.staffId) {
        throw new StaffError('STAFF_MISMATCH', 'the request names another staff member than the signed-in one');
      }
      staffId = staff.staffId;
      return await run(request, staff.staffId, context);
    } catch (error) {
      const failure = error instanceof UnlockLimitError ? new StaffError('UNLOCK_LIMIT', error.message) : error;
      outcome = failure instanceof StaffError || failure instanceof ContractError ? failure.code : 'failed';
      throw failure;
    } finally {
      // Written before the reply: a look-up nobody could see in the audit did not happen.
      await publishStaffAudit(gate.js, {
        at: gate.clock().toISOString(),
        action,
        cardNumber: request.cardNumber,
        ...(staffId === undefined ? {} : { staffId }),
        outcome,
      });
    }
  };
}
