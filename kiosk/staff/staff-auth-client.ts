// The console's side of staff sign-in: asks staff-auth for a ceremony over NATS, runs it in the
// browser with @simplewebauthn/browser (the passkey or security key answers), and sends the
// result back. The origin check is the server's; the console only moves to the right origin first.
import type { NatsConnection } from '@nats-io/nats-core';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import * as v from 'valibot';
import { CeremonyReplySchema, EnrollFinishReplySchema, SignInReplySchema, SignOutReplySchema, STAFF_AUTH_SUBJECTS, type CeremonyReply } from '../../machines/contract/staff.ts';
import { StaffError, staffErrorIn } from '../../machines/contract/staff.ts';
import type { StaffSession } from './staff-session.ts';

export interface StaffAuthClient {
  signIn(staffId?: string): Promise<StaffSession>;
  /** Registers a passkey from a one-time enrollment code; answers who it was for. */
  enroll(code: string): Promise<{ staffId: string; name: string; authenticators: 'any' | 'listed' }>;
  /** Ends this sign-in at the hub: the registry and every kiosk refuse the token from now on. */
  signOut?(token: string): Promise<void>;
}

/** Thrown when the page is not on the origin the passkeys belong to; `origin` says where to go. */
export class WrongOriginError extends Error {
  constructor(readonly origin: string) {
    super(`staff sign-in works only on ${origin}`);
    this.name = 'WrongOriginError';
  }
}

const TIMEOUT_MS = 10_000;

export function natsStaffAuth(nc: NatsConnection, pageOrigin = location.origin): StaffAuthClient {
  const ask = async <S extends v.GenericSchema>(subject: string, body: unknown, schema: S): Promise<v.InferOutput<S>> => {
    let parsed: unknown;
    try {
      parsed = (await nc.request(subject, JSON.stringify(body), { timeout: TIMEOUT_MS })).json();
    } catch {
      throw new StaffError('PASSKEY_REFUSED', 'the staff sign-in service did not answer');
    }
    const failure = staffErrorIn(parsed);
    if (failure) throw failure;
    return v.parse(schema, parsed);
  };
  const checkOrigin = (ceremony: CeremonyReply) => {
    if (ceremony.origin !== pageOrigin) throw new WrongOriginError(ceremony.origin);
  };
  const ceremonyFailed = (error: unknown): never => {
    if (error instanceof StaffError || error instanceof WrongOriginError) throw error;
    // The browser's own refusal (cancelled, no authenticator, timed out): say so plainly.
    throw new StaffError('PASSKEY_REFUSED', error instanceof Error ? `${error.name}: ${error.message}` : 'the passkey did not answer');
  };
  return {
    async signIn(staffId) {
      const ceremony = await ask(STAFF_AUTH_SUBJECTS.signInBegin, staffId ? { staffId } : {}, CeremonyReplySchema);
      checkOrigin(ceremony);
      const response = await startAuthentication({ optionsJSON: ceremony.options as never }).catch(ceremonyFailed);
      return ask(STAFF_AUTH_SUBJECTS.signInFinish, { ceremonyId: ceremony.ceremonyId, response }, SignInReplySchema);
    },
    async signOut(token) {
      await ask(STAFF_AUTH_SUBJECTS.signOut, { token }, SignOutReplySchema);
    },
    async enroll(code) {
      const ceremony = await ask(STAFF_AUTH_SUBJECTS.enrollBegin, { code }, CeremonyReplySchema);
      checkOrigin(ceremony);
      const response = await startRegistration({ optionsJSON: ceremony.options as never }).catch(ceremonyFailed);
      const enrolled = await ask(STAFF_AUTH_SUBJECTS.enrollFinish, { ceremonyId: ceremony.ceremonyId, response }, EnrollFinishReplySchema);
      return { ...enrolled, authenticators: ceremony.authenticators ?? 'any' };
    },
  };
}
