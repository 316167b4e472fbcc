// Staff tokens for tests that call `ra.staff.*` directly: signed with the key pair the registry
// under test reads from its DATA_DIR, exactly as the staff-auth service signs them after a
// verified passkey (the browser test proves that part end to end). A token speaks only for an
// enrolled staff member (staff-directory.ts): enrollTestStaff writes the staff records the
// staff-auth service writes after an enrollment ceremony, without the passkey.
import type { NatsConnection } from '@nats-io/nats-core';
import { StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { STAFF_BUCKET, STAFF_PENDING_BUCKET } from '../../machines/contract/staff.ts';
import { loadStaffTokenKeys, signStaffToken } from '../../services/staff-auth/staff-token.ts';
import { staffRecordKey } from '../../services/staff-auth/staff-directory.ts';

export async function staffTokenFor(dataDir: string, staffId: string, now = new Date(), ttlSeconds?: number): Promise<string> {
  const keys = await loadStaffTokenKeys(dataDir, {});
  return (await signStaffToken(keys.privateKey, { staffId, name: `測試 ${staffId}` }, now, ttlSeconds)).token;
}

/** Enrolls staff members as staff-auth would (the buckets as it makes them), so their tokens stand. */
export async function enrollTestStaff(nc: NatsConnection, staffIds: readonly string[], enrolledAt = new Date(0)): Promise<void> {
  const kvm = new Kvm(nc);
  const staff = await kvm.create(STAFF_BUCKET, { history: 5, storage: StorageType.File });
  await kvm.create(STAFF_PENDING_BUCKET, { history: 1, ttl: 24 * 3_600_000, storage: StorageType.File });
  for (const staffId of staffIds) {
    await staff.put(staffRecordKey(staffId), JSON.stringify({ staffId, name: `測試 ${staffId}`, enrolledAt: enrolledAt.toISOString(), passkeys: [] }));
  }
}

/** A token for a staff member enrolled first (on `nc`'s server): what a signed-in console holds. */
export async function enrolledStaffToken(nc: NatsConnection, dataDir: string, staffId: string, now = new Date(), ttlSeconds?: number): Promise<string> {
  await enrollTestStaff(nc, [staffId]);
  return staffTokenFor(dataDir, staffId, now, ttlSeconds);
}
