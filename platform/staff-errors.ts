// Answering with a staff error (the codes and their reading live in the contract,
// machines/contract/staff.ts): the same wire form as every contract error.
import type { Msg } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { STAFF_ERRORS, type StaffError } from '../machines/contract/staff.ts';

/** Answers `msg` with a staff error in the contract's error form. */
export function respondWithStaffError(msg: Msg, error: StaffError): void {
  const h = natsHeaders();
  h.set('Nats-Service-Error-Code', String(STAFF_ERRORS[error.code].status));
  h.set('Nats-Service-Error', error.code);
  msg.respond(new TextEncoder().encode(JSON.stringify({ error: { code: error.code, message: error.message, retryable: false } })), { headers: h });
}
