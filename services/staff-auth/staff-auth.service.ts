// The staff-auth service: enrolls staff passkeys from one-time codes an operator makes, runs the
// WebAuthn sign-in ceremony (@simplewebauthn/server) and issues the short-lived staff token the
// registry checks. Staff records and passkeys are in the KV bucket `ra_staff`; codes and open
// ceremonies in `ra_staff_pending` (they age out). Codes are stored only as SHA-256 hashes, and
// every ceremony and code is used at most once (deleted by compare-and-set before it counts).
import { createHash, randomBytes } from 'node:crypto';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as v from 'valibot';
import {
  AdminEnrollSchema,
  AdminRemoveSchema,
  CeremonyFinishSchema,
  EnrollBeginSchema,
  SignInBeginSchema,
  SignOutSchema,
  STAFF_AUTH_QUEUE,
  STAFF_AUTH_SUBJECTS,
  STAFF_BUCKET,
  STAFF_PENDING_BUCKET,
  StaffError,
} from '../../machines/contract/staff.ts';
import { UnreadRequestSchema } from '../../machines/contract/messages.ts';
import { endpoint, type Endpoint } from '../../platform/endpoint.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { PartRuntime, type NatsConnection } from '../../platform/nats-runtime.ts';
import { signStaffToken, verifyStaffToken, type StaffTokenKeys } from './staff-token.ts';
import { signedOutKey } from './staff-directory.ts';
import { attestationFor, checkAuthenticator, describePolicy, type AuthenticatorPolicy } from './authenticator-policy.ts';
import { CeremonyLimiter, DEFAULT_CEREMONY_LIMITS, type CeremonyLimits } from './ceremony-limit.ts';

/** An enrollment code is good for a day: long enough to reach the desk, short enough to matter little if lost. */
const ENROLL_CODE_TTL_MS = 24 * 3_600_000;
const CEREMONY_TTL_MS = 5 * 60_000;
const PENDING_MAX_BYTES = 64 * 1024 ** 2;
const RP_NAME = '工商憑證IC卡開卡 櫃檯服務台';

interface Passkey {
  readonly id: string;
  /** COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports?: string[];
  readonly addedAt: string;
}

interface StaffRecord {
  readonly staffId: string;
  readonly name: string;
  readonly enrolledAt: string;
  readonly passkeys: Passkey[];
  /** Tokens issued before this ISO time are refused (`npm run staff -- revoke`). */
  readonly revokedBefore?: string;
}

interface Ceremony {
  readonly kind: 'signin' | 'enroll';
  readonly challenge: string;
  readonly expiresAt: string;
  readonly staffId?: string;
  readonly name?: string;
}

export interface StaffAuthOptions {
  nc: NatsConnection;
  keys: StaffTokenKeys;
  /** The staff console's origin (scheme, host, port); its host is the WebAuthn RP ID. */
  origin: string;
  now?: () => Date;
  replicas?: number;
  /** Where its lines go (platform/log.ts); none by default. */
  log?: Logger;
  /** Which authenticators may enroll; any when left out (the embedded stack, tests). */
  authenticators?: AuthenticatorPolicy;
  /** Open ceremonies allowed (tests lower them). */
  ceremonyLimits?: CeremonyLimits;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const staffKey = (staffId: string) => `staff.${staffId}`;
const passkeyKey = (credentialId: string) => `passkey.${sha256(credentialId)}`;

export async function startStaffAuth(options: StaffAuthOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, keys } = options;
  const clock = options.now ?? (() => new Date());
  const log = options.log ?? createLogger('staff-auth', () => undefined);
  const origin = new URL(options.origin).origin;
  const rpID = new URL(origin).hostname;
  const kvm = new Kvm(nc);
  const jsm = await jetstreamManager(nc);
  const replicas = options.replicas ?? 1;
  const staff = await kvm.create(STAFF_BUCKET, { history: 5, storage: StorageType.File, replicas });
  // Bounded: codes, open ceremonies and sign-outs are small; a full bucket refuses new ones.
  const pending = await kvm.create(STAFF_PENDING_BUCKET, { history: 1, ttl: ENROLL_CODE_TTL_MS, storage: StorageType.File, replicas, max_bytes: PENDING_MAX_BYTES });
  const authenticators = options.authenticators ?? { kind: 'any' };
  const limiter = new CeremonyLimiter(options.ceremonyLimits ?? DEFAULT_CEREMONY_LIMITS, () => clock().getTime());

  const readJson = async <T>(kv: KV, key: string): Promise<{ value: T; revision: number } | undefined> => {
    const entry = await kv.get(key);
    return entry && entry.operation === 'PUT' ? { value: entry.json<T>(), revision: entry.revision } : undefined;
  };

  /** Takes a pending entry once: the delete is conditional on the revision that was read. */
  const takeOnce = async <T>(key: string, refusal: StaffError): Promise<T> => {
    const found = await readJson<T & { expiresAt: string }>(pending, key);
    if (!found || Date.parse(found.value.expiresAt) <= clock().getTime()) throw refusal;
    try {
      await pending.delete(key, { previousSeq: found.revision });
    } catch {
      throw refusal;
    }
    return found.value;
  };

  const newCeremony = async (ceremony: Ceremony): Promise<string> => {
    if (!limiter.admit(ceremony.staffId)) throw new StaffError('SIGN_IN_BUSY', 'too many sign-in ceremonies open: wait a moment');
    const id = randomBytes(18).toString('base64url');
    await pending.create(`ceremony.${id}`, JSON.stringify(ceremony));
    return id;
  };
  const ceremonyExpiry = () => new Date(clock().getTime() + CEREMONY_TTL_MS).toISOString();
  const passkeyRefused = (why: string) => new StaffError('PASSKEY_REFUSED', why);

  const endpoints = [
    endpoint(STAFF_AUTH_SUBJECTS.adminEnroll, AdminEnrollSchema, async (request) => {
      const code = randomBytes(24).toString('base64url');
      const expiresAt = new Date(clock().getTime() + ENROLL_CODE_TTL_MS).toISOString();
      await pending.put(`enroll.${sha256(code)}`, JSON.stringify({ staffId: request.staffId, name: request.name, expiresAt }));
      log.info('enrollment code made', { staff: request.staffId });
      return { staffId: request.staffId, name: request.name, code, link: `${origin}/staff#enroll=${code}`, expiresAt };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.adminList, UnreadRequestSchema, async () => {
      const list = (await currentStaff(jsm)).map((record) => ({ staffId: record.staffId, name: record.name, passkeys: record.passkeys.length, enrolledAt: record.enrolledAt }));
      return { staff: list.sort((a, b) => a.staffId.localeCompare(b.staffId)) };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.adminRevoke, AdminRemoveSchema, async ({ staffId }) => {
      // Every token issued before this instant is refused by the registry (and, through it, by
      // every kiosk): staff-directory.ts reads the record on each check. A new sign-in works again.
      const revokedBefore = clock().toISOString();
      for (let round = 0; round < 16; round++) {
        const found = await readJson<StaffRecord>(staff, staffKey(staffId));
        if (!found) throw new StaffError('UNKNOWN_STAFF', 'no staff member with this id is enrolled');
        try {
          await staff.update(staffKey(staffId), JSON.stringify({ ...found.value, revokedBefore }), found.revision);
          log.info('staff sign-ins revoked', { staff: staffId, before: revokedBefore });
          return { staffId, revokedBefore };
        } catch {
          // Another change to the record came first (a sign-in's counter): read it again.
        }
      }
      throw new StaffError('PASSKEY_REFUSED', 'the staff record kept changing: try again');
    }),
    endpoint(STAFF_AUTH_SUBJECTS.adminRemove, AdminRemoveSchema, async ({ staffId }) => {
      const record = (await readJson<StaffRecord>(staff, staffKey(staffId)))?.value;
      if (!record) return { removed: false };
      for (const passkey of record.passkeys) await staff.delete(passkeyKey(passkey.id));
      await staff.delete(staffKey(staffId));
      log.info('staff removed', { staff: staffId });
      return { removed: true };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.enrollBegin, EnrollBeginSchema, async ({ code }) => {
      const invalid = new StaffError('ENROLL_CODE_INVALID', 'unknown, used or expired enrollment code');
      // The code is spent here: a second browser with the same link gets nothing.
      const enrollment = await takeOnce<{ staffId: string; name: string }>(`enroll.${sha256(code)}`, invalid);
      const existing = (await readJson<StaffRecord>(staff, staffKey(enrollment.staffId)))?.value;
      const options = await generateRegistrationOptions({
        rpName: RP_NAME,
        rpID,
        userName: enrollment.staffId,
        userDisplayName: enrollment.name,
        userID: new TextEncoder().encode(enrollment.staffId),
        attestationType: attestationFor(authenticators),
        excludeCredentials: (existing?.passkeys ?? []).map((p) => ({ id: p.id })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      });
      const ceremonyId = await newCeremony({ kind: 'enroll', challenge: options.challenge, staffId: enrollment.staffId, name: enrollment.name, expiresAt: ceremonyExpiry() });
      return { ceremonyId, origin, options, staffId: enrollment.staffId, name: enrollment.name, authenticators: describePolicy(authenticators) };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.enrollFinish, CeremonyFinishSchema, async (request) => {
      const ceremony = await takeOnce<Ceremony>(`ceremony.${request.ceremonyId}`, passkeyRefused('unknown, used or expired ceremony'));
      if (ceremony.kind !== 'enroll' || !ceremony.staffId || !ceremony.name) throw passkeyRefused('not an enrollment ceremony');
      const verified = await verifyRegistrationResponse({
        response: request.response as unknown as RegistrationResponseJSON,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
      }).catch((error: unknown) => {
        throw passkeyRefused(`the new passkey does not verify: ${error instanceof Error ? error.message : 'error'}`);
      });
      if (!verified.verified) throw passkeyRefused('the new passkey does not verify');
      checkAuthenticator(authenticators, verified.registrationInfo);
      const { credential } = verified.registrationInfo;
      const passkey: Passkey = {
        id: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        ...(credential.transports ? { transports: credential.transports } : {}),
        addedAt: clock().toISOString(),
      };
      const { staffId, name } = ceremony;
      const current = await readJson<StaffRecord>(staff, staffKey(staffId));
      const record: StaffRecord = {
        staffId,
        name,
        enrolledAt: current?.value.enrolledAt ?? clock().toISOString(),
        passkeys: [...(current?.value.passkeys ?? []), passkey],
      };
      if (current) await staff.update(staffKey(staffId), JSON.stringify(record), current.revision);
      else await staff.create(staffKey(staffId), JSON.stringify(record));
      await staff.put(passkeyKey(passkey.id), JSON.stringify({ staffId }));
      log.info('passkey enrolled', { staff: staffId });
      return { staffId, name };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.signOut, SignOutSchema, async ({ token }) => {
      // Only a token this service signed, for its own jti; an expired one needs nothing.
      const identity = await verifyStaffToken(keys.publicKey, token, clock()).catch((error: unknown) => {
        if (error instanceof StaffError && error.code === 'STAFF_TOKEN_EXPIRED') return undefined;
        throw error;
      });
      if (identity) {
        await pending.put(signedOutKey(identity.tokenId), JSON.stringify({ staffId: identity.staffId, expiresAt: identity.expiresAt }));
        log.info('signed out', { staff: identity.staffId });
      }
      return { signedOut: true };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.signInBegin, SignInBeginSchema, async (request) => {
      // With a staff id, the browser is told which passkeys may answer (security keys without a
      // stored account need that); without, any discoverable passkey of this site may.
      const record = request.staffId ? (await readJson<StaffRecord>(staff, staffKey(request.staffId)))?.value : undefined;
      if (request.staffId && !record) throw new StaffError('UNKNOWN_STAFF', 'no staff member with this id is enrolled');
      const options = await generateAuthenticationOptions({
        rpID,
        userVerification: 'required',
        ...(record ? { allowCredentials: record.passkeys.map((p) => ({ id: p.id, ...(p.transports ? { transports: p.transports as never } : {}) })) } : {}),
      });
      const ceremonyId = await newCeremony({ kind: 'signin', challenge: options.challenge, expiresAt: ceremonyExpiry(), ...(record ? { staffId: record.staffId } : {}) });
      return { ceremonyId, origin, options };
    }),
    endpoint(STAFF_AUTH_SUBJECTS.signInFinish, CeremonyFinishSchema, async (request) => {
      const ceremony = await takeOnce<Ceremony>(`ceremony.${request.ceremonyId}`, passkeyRefused('unknown, used or expired ceremony'));
      if (ceremony.kind !== 'signin') throw passkeyRefused('not a sign-in ceremony');
      const response = request.response as unknown as AuthenticationResponseJSON;
      const owner = (await readJson<{ staffId: string }>(staff, passkeyKey(response.id)))?.value;
      const found = owner ? await readJson<StaffRecord>(staff, staffKey(owner.staffId)) : undefined;
      const passkey = found?.value.passkeys.find((p) => p.id === response.id);
      if (!found || !passkey) throw new StaffError('UNKNOWN_STAFF', 'this passkey is not enrolled');
      if (ceremony.staffId !== undefined && ceremony.staffId !== found.value.staffId) throw passkeyRefused('the passkey belongs to another staff member');
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: passkey.id, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter },
        requireUserVerification: true,
      }).catch((error: unknown) => {
        throw passkeyRefused(`the assertion does not verify: ${error instanceof Error ? error.message : 'error'}`);
      });
      if (!verified.verified) throw passkeyRefused('the assertion does not verify');
      const { newCounter } = verified.authenticationInfo;
      if (newCounter !== passkey.counter) {
        const passkeys = found.value.passkeys.map((p) => (p.id === passkey.id ? { ...p, counter: newCounter } : p));
        // A lost race here means another sign-in with the same key just stored a counter: refuse.
        await staff.update(staffKey(found.value.staffId), JSON.stringify({ ...found.value, passkeys }), found.revision).catch(() => {
          throw passkeyRefused('the passkey was used twice at once');
        });
      }
      const { staffId, name } = found.value;
      const issued = await signStaffToken(keys.privateKey, { staffId, name }, clock());
      log.info('signed in', { staff: staffId, until: issued.expiresAt });
      return { token: issued.token, staffId, name, expiresAt: issued.expiresAt };
    }),
  ];

  // Plain queue subscriptions, not a NATS service: instances share the load in STAFF_AUTH_QUEUE.
  const part = await PartRuntime.open({
    nc,
    log,
    queue: STAFF_AUTH_QUEUE,
    answering: {
      logEveryRequest: true,
      badRequest: (_name, problems) => new StaffError('STAFF_BAD_REQUEST', problems.join('; ').slice(0, 300)),
      unexpected: () => new StaffError('PASSKEY_REFUSED', 'the staff service could not complete the request'),
    },
  });
  // Each endpoint's name is its subject.
  for (const answered of endpoints) part.serve(answered.name, answered as Endpoint<v.GenericSchema>);

  await part.ready();
  log.info('ready', { origin, rpID });
  return { stop: () => part.stop() };
}

/**
 * Every enrolled staff member, read message by message with direct gets (`next_by_subj`), not
 * with a consumer: staff-auth's login may read its bucket but not make consumers on it.
 */
async function currentStaff(jsm: JetStreamManager): Promise<StaffRecord[]> {
  const latest = new Map<string, StaffRecord | undefined>();
  const subjects = `$KV.${STAFF_BUCKET}.staff.>`;
  for (let seq = 1; ; ) {
    const msg = await jsm.direct.getMessage(`KV_${STAFF_BUCKET}`, { seq, next_by_subj: subjects });
    if (msg === null) break;
    const operation = msg.header.get('KV-Operation');
    latest.set(msg.subject, operation === 'DEL' || operation === 'PURGE' || msg.data.length === 0 ? undefined : msg.json<StaffRecord>());
    seq = msg.seq + 1;
  }
  return [...latest.values()].filter((record): record is StaffRecord => record !== undefined);
}
