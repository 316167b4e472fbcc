// Whether a staff token whose signature and claims verify still speaks for someone: the staff
// member is enrolled (their record is in `ra_staff`), was not revoked after the token was issued
// (`revokedBefore` on the record, `npm run staff -- revoke`), and did not sign out with this very
// token (`signedout.<jti>` in `ra_staff_pending`, which outlives any token). Read on every check,
// never cached: a revocation holds on the next request, on every node that reads the bucket. The
// registry checks here for itself and for the kiosks' engines (`ra.activation.staff-check.<kiosk>`).
import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { STAFF_BUCKET, STAFF_PENDING_BUCKET, StaffError } from '../../machines/contract/staff.ts';
import type { StaffIdentity } from './staff-token.ts';

export const staffRecordKey = (staffId: string) => `staff.${staffId}`;
export const signedOutKey = (tokenId: string) => `signedout.${tokenId}`;

/** The fields of a staff record this check reads (staff-auth.service.ts writes the record). */
export interface StaffStanding {
  readonly staffId: string;
  /** ISO time: tokens issued before it are refused. */
  readonly revokedBefore?: string;
}

export class StaffDirectory {
  #buckets: Promise<{ staff: KV; pending: KV }> | undefined;

  constructor(private readonly nc: NatsConnection) {}

  /** Resolves when the token's staff member stands; throws STAFF_TOKEN_REVOKED when not. */
  async check(identity: Pick<StaffIdentity, 'staffId' | 'issuedAt' | 'tokenId'>): Promise<void> {
    // Binding reads nothing; the gets below find out whether staff-auth has made the buckets yet.
    this.#buckets ??= (async () => {
      const kvm = new Kvm(this.nc);
      return { staff: await kvm.open(STAFF_BUCKET), pending: await kvm.open(STAFF_PENDING_BUCKET) };
    })();
    const { staff, pending } = await this.#buckets;
    const [record, signedOut] = await Promise.all([staff.get(staffRecordKey(identity.staffId)), pending.get(signedOutKey(identity.tokenId))]).catch((error: unknown) => {
      // No bucket yet: nobody is enrolled. Anything else is the directory being unreachable.
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return [null, null] as const;
      throw error;
    });
    if (!record || record.operation !== 'PUT') throw new StaffError('STAFF_TOKEN_REVOKED', 'this staff member is not enrolled');
    const { revokedBefore } = record.json<StaffStanding>();
    if (revokedBefore !== undefined && identity.issuedAt * 1000 < Date.parse(revokedBefore)) {
      throw new StaffError('STAFF_TOKEN_REVOKED', 'this staff member\'s sign-ins were revoked');
    }
    if (signedOut && signedOut.operation === 'PUT') throw new StaffError('STAFF_TOKEN_REVOKED', 'this sign-in has ended');
  }
}
