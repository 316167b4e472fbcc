// What every `ra.staff.*` request goes through before the registry acts: the staff token is
// verified as a signature and as claims, and its staff member must still stand (enrolled, not
// revoked, not signed out); the staff id is the token's, never the body's. A request without such
// a token is refused before anything is stored: it is counted, and logged at most once per
// interval, so a flood of them fills neither the audit nor the log.
//
// An authenticated request is audited in two RA_AUDIT entries: `requested` before the registry
// acts, and the outcome after. The first is the precondition: when it cannot be written the
// request is refused with AUDIT_UNAVAILABLE and nothing is done. So a staff change is either done
// and audited, or refused and not done; never done and reported as failed. (When only the outcome
// entry cannot be written, the change stands, its request is in the audit and its RA_EVENTS event
// names the staff member; the reply says it was done, and the log says the outcome is missing.)
import type { CryptoKey } from 'jose';
import { ContractError } from '../../machines/contract/index.ts';
import { StaffError, type StaffErrorCode } from '../../machines/contract/staff.ts';
import { verifyStaffToken, type StaffIdentity } from '../staff-auth/staff-token.ts';
import type { StaffDirectory } from '../staff-auth/staff-directory.ts';
import { describeError } from '../../platform/endpoint.ts';
import type { Logger } from '../../platform/log.ts';
import { UnlockLimitError } from './card-record.ts';
import type { StaffAuditEvent, StaffRequest } from '../../machines/contract/staff.ts';
import type { RequestContext } from './card-ledger.ts';
import type { AuditTrail } from './staff-audit.ts';

/** The refusals that mean "no valid sign-in": answered, counted, never stored. */
export const UNAUTHENTICATED: ReadonlySet<string> = new Set<StaffErrorCode>(['STAFF_SIGN_IN_REQUIRED', 'STAFF_TOKEN_INVALID', 'STAFF_TOKEN_EXPIRED', 'STAFF_TOKEN_REVOKED']);
/** At most one log line per this interval for unauthenticated refusals, with the count since the last. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export interface StaffGate {
  readonly publicKey: CryptoKey;
  readonly directory: StaffDirectory;
  readonly audit: AuditTrail;
  readonly clock: () => Date;
  readonly refusals: RefusalCounter;
}

/** Counts unauthenticated staff requests by code; logs a summary line at most once per interval. */
export class RefusalCounter {
  readonly #total = new Map<string, number>();
  #sinceLine = 0;
  #lastLineAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  count(code: string): void {
    this.#total.set(code, (this.#total.get(code) ?? 0) + 1);
    this.#sinceLine++;
    if (this.now() - this.#lastLineAt >= REFUSAL_LOG_INTERVAL_MS) {
      this.log.warn('staff requests refused without a valid sign-in', { refused: this.#sinceLine, ...Object.fromEntries(this.#total) });
      this.#sinceLine = 0;
      this.#lastLineAt = this.now();
    }
  }

  /** `{code: count}` since the registry started. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#total);
  }
}

/** The staff member behind a request's token, fully checked; a StaffError when there is none. */
export async function authenticateStaff(gate: Pick<StaffGate, 'publicKey' | 'directory' | 'clock'>, token: string | undefined): Promise<StaffIdentity> {
  const staff = await verifyStaffToken(gate.publicKey, token, gate.clock());
  await gate.directory.check(staff);
  return staff;
}

/** Wraps a staff operation: authenticate, audit the request, run, audit the outcome. */
export function staffEndpoint<R extends StaffRequest>(
  gate: StaffGate,
  action: StaffAuditEvent['action'],
  run: (request: R, staffId: string, context: RequestContext) => Promise<unknown>,
  log: Logger,
): (request: R, context: RequestContext) => Promise<unknown> {
  return async (request, context) => {
    let staff: StaffIdentity;
    try {
      staff = await authenticateStaff(gate, request.token);
    } catch (error) {
      if (error instanceof StaffError) gate.refusals.count(error.code);
      throw error;
    }
    const entry = (outcome: string): StaffAuditEvent => ({ at: gate.clock().toISOString(), action, cardNumber: request.cardNumber, staffId: staff.staffId, outcome });
    if (request.staffId !== undefined && request.staffId !== staff.staffId) {
      // Refused either way; the audit keeps the attempt when it can.
      await gate.audit.append(entry('STAFF_MISMATCH')).catch((error: unknown) => log.error('audit entry not written', { error: describeError(error) }));
      throw new StaffError('STAFF_MISMATCH', 'the request names another staff member than the signed-in one');
    }
    try {
      await gate.audit.append(entry('requested'));
    } catch (error) {
      log.error('audit entry not written: staff request refused', { action, error: describeError(error) });
      throw new StaffError('AUDIT_UNAVAILABLE', 'the audit trail cannot be written: nothing was done, try again');
    }
    let outcome = 'ok';
    try {
      return await run(request, staff.staffId, context);
    } catch (error) {
      const failure = error instanceof UnlockLimitError ? new StaffError('UNLOCK_LIMIT', error.message) : error;
      outcome = failure instanceof StaffError || failure instanceof ContractError ? failure.code : 'failed';
      throw failure;
    } finally {
      await gate.audit.append(entry(outcome)).catch((error: unknown) => {
        log.error('audit outcome not written (its request is)', { action, outcome, error: describeError(error) });
      });
    }
  };
}
