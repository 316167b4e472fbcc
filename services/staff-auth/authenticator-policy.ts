// Which authenticators may enroll is the site's decision (docs/security.md, "Staff sign-in (WebAuthn)"):
// STAFF_AUTHENTICATORS=any takes any passkey (the embedded demo; a rehearsal's virtual
// authenticator), or a comma-separated list of AAGUIDs (the authenticator models the site bought)
// takes only those, proven by a full attestation whose certificate chains to one of the vendors'
// roots in STAFF_ATTESTATION_ROOTS (a PEM file). Without STAFF_AUTHENTICATORS a site whose staff
// console is not on localhost refuses to start: the choice must be made, not defaulted.
import { readFileSync } from 'node:fs';
import { SettingsService } from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { StaffError } from '../../machines/contract/staff.ts';
import type { StackConfig } from '../../platform/config.ts';

export type AuthenticatorPolicy = { readonly kind: 'any' } | { readonly kind: 'listed'; readonly aaguids: ReadonlySet<string> };

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The attestation formats whose certificate chains the library checks against our roots. */
const CHAINED_FORMATS = ['packed', 'fido-u2f', 'tpm', 'android-key', 'apple'] as const;

export function authenticatorPolicyOf(config: Pick<StackConfig, 'staffAuthenticators' | 'staffAttestationRoots'>, origin: string): AuthenticatorPolicy {
  const given = config.staffAuthenticators?.trim();
  if (given === undefined || given === '') {
    if (new URL(origin).hostname === 'localhost') return { kind: 'any' };
    throw new Error('STAFF_AUTHENTICATORS must say which authenticators may enroll: "any", or the accepted AAGUIDs, comma-separated');
  }
  if (given === 'any') return { kind: 'any' };
  const aaguids = given.split(',').map((id) => id.trim().toLowerCase());
  const bad = aaguids.find((id) => !AAGUID.test(id));
  if (bad !== undefined) throw new Error(`STAFF_AUTHENTICATORS: not an AAGUID: ${JSON.stringify(bad)}`);
  const roots = config.staffAttestationRoots;
  if (!roots) throw new Error('STAFF_AUTHENTICATORS lists AAGUIDs: STAFF_ATTESTATION_ROOTS must name the PEM file of the vendors\' attestation roots');
  useAttestationRoots(readFileSync(roots, 'utf8'));
  return { kind: 'listed', aaguids: new Set(aaguids) };
}

/** Makes the library check every attestation chain against these roots (and no others). */
export function useAttestationRoots(pem: string): void {
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0) throw new Error('STAFF_ATTESTATION_ROOTS holds no PEM certificate');
  for (const identifier of CHAINED_FORMATS) SettingsService.setRootCertificates({ identifier, certificates });
}

/** What the enrollment ceremony asks the browser for. */
export function attestationFor(policy: AuthenticatorPolicy): 'none' | 'direct' {
  return policy.kind === 'any' ? 'none' : 'direct';
}

/**
 * After the library verified the registration (signature, and the chain to our roots when there
 * is one): a listed policy also needs a full attestation (a certificate, not self-attestation) of a
 * listed model.
 */
export function checkAuthenticator(policy: AuthenticatorPolicy, info: { aaguid: string; fmt: string; attestationObject: Uint8Array }): void {
  if (policy.kind === 'any') return;
  const refused = (why: string) => new StaffError('PASSKEY_REFUSED', `this authenticator may not enroll here: ${why}`);
  if (info.fmt === 'none') throw refused('it gave no attestation');
  const x5c = decodeAttestationObject(new Uint8Array(info.attestationObject)).get('attStmt').get('x5c');
  if (!x5c || x5c.length === 0) throw refused('self-attestation proves no model');
  if (!policy.aaguids.has(info.aaguid.toLowerCase())) throw refused(`model ${info.aaguid} is not on the site's list`);
}

/** The words the console shows at enrollment. */
export function describePolicy(policy: AuthenticatorPolicy): 'any' | 'listed' {
  return policy.kind;
}
