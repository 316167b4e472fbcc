// Reads what the kiosk shows from a card's X.509 certificate (docs/card-agent.md, "Certificates"): serial,
// holder name, UBN (統一編號), e-mail and validity. Pure: DER in, fields out.
//
// Where a MOEACA business certificate keeps each field (docs/card-agent.md, "Certificates"):
// holder name as the subject's O; the UBN as the subject's serialNumber (X.520 2.5.4.5), the
// attribute X.509 profiles use for a registration number — also accepted from an
// organizationIdentifier (2.5.4.97, e.g. `NTRTW-12345678`) or an OU of 8 digits; the e-mail as an
// rfc822Name in subjectAltName, else the subject's emailAddress.
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateHolder } from '../../platform/certificate-holder.ts';
import { situationError } from '../errors.ts';
import type { TokenCertificate } from './protocol.ts';

/** The holder fields, with `orgUnit` the subject's OU that names a branch or unit (an OU of 8 digits is a UBN, not a unit). */
export interface CertificateFields extends CertificateHolder {
  /** Upper-case hex of the serial's value, without leading zero bytes (how the manual writes it). */
  certSerial: string;
}

const OID = {
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  organizationalUnit: '2.5.4.11',
  serialNumber: '2.5.4.5',
  organizationIdentifier: '2.5.4.97',
  emailAddress: '1.2.840.113549.1.9.1',
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
} as const;

const UBN = /^\d{8}$/;

/** The hex the manual shows for a serial: upper case, no leading zero bytes. */
export function normalizeSerial(hex: string): string {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return even.replace(/^(?:00)+(?=[0-9a-fA-F]{2})/, '').toUpperCase();
}

function ubnOf(subject: x509.Name): string | undefined {
  const fromSerial = subject.getField(OID.serialNumber).find((value) => UBN.test(value));
  if (fromSerial !== undefined) return fromSerial;
  const fromIdentifier = subject
    .getField(OID.organizationIdentifier)
    .map((value) => /(\d{8})$/.exec(value)?.[1])
    .find((value) => value !== undefined);
  if (fromIdentifier !== undefined) return fromIdentifier;
  return subject.getField(OID.organizationalUnit).find((value) => UBN.test(value));
}

function emailOf(certificate: x509.X509Certificate): string {
  const san = certificate.getExtension<x509.SubjectAlternativeNameExtension>(OID.subjectAltName);
  const fromSan = san?.names.items.find((name) => name.type === 'email')?.value;
  return fromSan ?? certificate.subjectName.getField(OID.emailAddress)[0] ?? '';
}

/**
 * Whether `certificate` was issued by one of `issuers` (the issuer's O or CN, exactly). No list
 * accepts every issuer: the demo and the tests, whose CA is made on first use.
 */
function isFromIssuers(certificate: x509.X509Certificate, issuers: readonly string[] | undefined): boolean {
  if (issuers === undefined || issuers.length === 0) return true;
  const names = [...certificate.issuerName.getField(OID.organization), ...certificate.issuerName.getField(OID.commonName)];
  return names.some((name) => issuers.includes(name));
}

/**
 * The holder fields of a business certificate. `issuers`: the names (O or CN) of the CAs whose
 * certificates are business certificates; a certificate from any other is not one.
 */
export function parseCardCertificate(der: Uint8Array, issuers?: readonly string[]): CertificateFields {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(new Uint8Array(der));
  } catch {
    throw situationError('certificate-unparseable');
  }
  if (!isFromIssuers(certificate, issuers)) throw situationError('not-a-business-certificate');
  const subject = certificate.subjectName;
  const holderName = subject.getField(OID.organization)[0];
  const ubn = ubnOf(subject);
  if (holderName === undefined || holderName === '' || ubn === undefined) {
    throw situationError('not-a-business-certificate');
  }
  const orgUnit = subject.getField(OID.organizationalUnit).find((value) => value !== '' && !UBN.test(value));
  return {
    certSerial: normalizeSerial(certificate.serialNumber),
    holderName,
    ...(orgUnit === undefined ? {} : { orgUnit }),
    ubn,
    email: emailOf(certificate),
    validFrom: certificate.notBefore.toISOString(),
    validTo: certificate.notAfter.toISOString(),
  };
}

/** The certificate's SubjectPublicKeyInfo (DER): what the registry's fingerprint and proof check use. */
export function certificatePublicKey(der: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(new x509.X509Certificate(new Uint8Array(der)).publicKey.rawData);
  } catch {
    throw situationError('certificate-unparseable');
  }
}

function isSigningCertificate(der: Uint8Array): boolean {
  try {
    const usage = new x509.X509Certificate(new Uint8Array(der)).getExtension<x509.KeyUsagesExtension>(OID.keyUsage);
    return usage !== null && (usage.usages & x509.KeyUsageFlags.digitalSignature) !== 0;
  } catch {
    return false;
  }
}

/**
 * A MOEACA card carries a signing and an encryption certificate with the same subject and serial
 * pattern; the kiosk shows the signing one. A card with one certificate shows that one.
 */
export function chooseCardCertificate(certificates: readonly TokenCertificate[]): TokenCertificate {
  const chosen = certificates.find((c) => isSigningCertificate(c.der)) ?? certificates[0];
  if (chosen === undefined) throw situationError('no-certificate');
  return chosen;
}
