// The staff audit trail: one RA_AUDIT message per staff request, look-ups included, refused ones
// too (who asked what about which card, and the outcome; never a token or a contact). The stream
// denies delete and purge, so a staff member cannot erase their own look-ups.
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import type { StaffAuditEvent } from '../../machines/contract/staff.ts';

export const STAFF_AUDIT_STREAM = 'RA_AUDIT';
export const staffAuditSubject = (action: StaffAuditEvent['action']) => `ra.audit.staff.${action}`;
/** Kept for years: who looked at a card is asked about long after. */
const AUDIT_MAX_AGE_NS = 5 * 365 * 24 * 3_600 * 1e9;

export async function ensureStaffAuditStream(jsm: JetStreamManager, replicas: number): Promise<void> {
  const config = {
    name: STAFF_AUDIT_STREAM,
    subjects: ['ra.audit.staff.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: AUDIT_MAX_AGE_NS,
    deny_delete: true,
    deny_purge: true,
  };
  try {
    await jsm.streams.info(STAFF_AUDIT_STREAM);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  // Adding a stream that another instance just added with the same config succeeds.
  await jsm.streams.add(config);
}

export async function publishStaffAudit(js: JetStreamClient, event: StaffAuditEvent): Promise<void> {
  await js.publish(staffAuditSubject(event.action), JSON.stringify(event), { msgID: randomUUID() });
}
