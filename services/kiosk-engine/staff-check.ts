// Whether a staff event's token stands. The engine checks the signature and claims itself
// (`verifyStaffToken`, against the session's clock); whether the staff member is still enrolled
// and the token not revoked or signed out only the hub knows, so the registry is asked too
// (`ra.activation.staff-check.<kiosk>`). The token goes no further than this check: not into the
// machine, its snapshots or inspection.
import type { NatsConnection } from '@nats-io/nats-core';
import { registrySubjectFor } from '../../machines/contract/index.ts';
import { StaffError, staffErrorIn } from '../../machines/contract/staff.ts';
import type { Logger } from '../../platform/log.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { loadStaffTokenPublicKey, verifyStaffToken, type StaffIdentity, type StaffTokenKeys } from '../staff-auth/staff-token.ts';

export type StaffTokenKey = StaffTokenKeys['publicKey'];

/** Resolves with the staff member a token speaks for; rejects with a StaffError when it does not stand. */
export type StaffCheck = (token: string | undefined) => Promise<StaffIdentity>;

/** Staff token checks at the registry: long enough for a hub round trip, short enough for a person waiting. */
export const STAFF_CHECK_TIMEOUT_MS = 3_000;

export interface StaffCheckOptions {
  nc: NatsConnection;
  kioskId: string;
  log: Logger;
  /** The key staff tokens verify with; else the one `dataDir` holds; with neither, every token is refused. */
  key?: StaffTokenKey;
  dataDir?: string;
  /** What "now" is for a token's expiry (the session's clock). */
  now: () => Date;
  registryTimeoutMs?: number;
}

export interface OpenedStaffCheck {
  check: StaffCheck;
  /** Where the key came from, for the start-up log line ('none': every staff event is refused). */
  keySource: string;
}

export async function openStaffCheck(options: StaffCheckOptions): Promise<OpenedStaffCheck> {
  const { log } = options;
  const found =
    options.key !== undefined
      ? { publicKey: options.key, source: 'given' }
      : options.dataDir === undefined
        ? undefined
        : await loadStaffTokenPublicKey(options.dataDir);
  if (found?.source === 'made in DATA_DIR') {
    // Fails closed (no staff token made elsewhere verifies), but say why before staff find out.
    log.warn('no staff token key was configured: made one in DATA_DIR, so only a staff-auth part on this DATA_DIR can sign staff tokens this kiosk accepts (a production kiosk needs STAFF_TOKEN_PUBLIC_KEY: npm run staff -- public-key on a hub node)');
  }
  const key = found?.publicKey;
  const check: StaffCheck = async (token) => {
    if (key === undefined) throw new StaffError('STAFF_TOKEN_INVALID', 'this engine has no staff token key');
    const staff = await verifyStaffToken(key, token, options.now());
    return staffStillStands(options, token, staff);
  };
  return { check, keySource: found?.source ?? 'none' };
}

/**
 * The registry's refusal refuses. When no registry answers, the signature and claims decide (a
 * token lives 15 minutes at most), with a warning: staff must still be able to end a session while
 * the registry is down, and a staff console reaches a production kiosk only through the hub anyway.
 */
async function staffStillStands(options: StaffCheckOptions, token: string | undefined, staff: StaffIdentity): Promise<StaffIdentity> {
  let reply: unknown;
  try {
    const subject = registrySubjectFor('staffCheck', options.kioskId);
    reply = (await options.nc.request(subject, encodeJson({ token }), { timeout: options.registryTimeoutMs ?? STAFF_CHECK_TIMEOUT_MS })).json();
  } catch {
    options.log.warn('staff token checked without the registry: it does not answer', { staffId: staff.staffId });
    return staff;
  }
  const refused = staffErrorIn(reply);
  if (refused) throw refused;
  if ((reply as { staffId?: unknown }).staffId !== staff.staffId) throw new StaffError('STAFF_TOKEN_INVALID', 'the registry did not confirm the staff token');
  return staff;
}
