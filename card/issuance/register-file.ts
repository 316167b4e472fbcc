// The issuing side's register file (docs/contract.md, "The register file"): what `npm run cards --
// register` reads, and the checks it makes before anything reaches the registry. A card made by the
// CA's issuing system arrives as its issuance record plus the certificate written on the card and
// the card's SO PIN; the certificate serial and key fingerprint the registry keeps are derived here
// from the certificate, never typed in, and the record must say what the certificate says.
//
// Pure apart from reading files: nothing here makes a token or talks to NATS.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { CardImportRecordSchema, decode, type AdminImportRequest } from '../../machines/contract/index.ts';
import { publicKeySha256 } from '../../platform/card-proofs.ts';
import { certificatePublicKey, normalizeSerial, parseCardCertificate, type CertificateFields } from '../token/certificate.ts';

/** A PEM certificate: generous for an RSA-4096 certificate with long names, small enough to refuse junk. */
const certificatePem = v.pipe(v.string(), v.minLength(1), v.maxLength(16_384));

/** One element of the register file: a card import record, its card's certificate and SO PIN. */
export const RegisterRecordSchema = v.intersect([
  CardImportRecordSchema,
  v.object({
    certificatePem,
    /** The card's SO PIN as the issuing side set it; the registry keeps it sealed, we never print it. */
    soPin: v.pipe(v.string(), v.minLength(4), v.maxLength(255)),
  }),
]);
export type RegisterRecord = v.InferOutput<typeof RegisterRecordSchema>;
/** At most one `ra.admin.import` request's worth: the registry checks a request whole before it writes, so a file is all or nothing. */
export const REGISTER_FILE_MAX_RECORDS = 1000;
export const RegisterFileSchema = v.pipe(v.array(RegisterRecordSchema), v.minLength(1), v.maxLength(REGISTER_FILE_MAX_RECORDS));

export type ImportRecord = AdminImportRequest['records'][number];

/** A register file that cannot be registered as it is: every problem found, none of them secret. */
export class RegisterRefusal extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: nothing registered:\n  ${problems.join('\n  ')}`);
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM text, in order; throws on a block that is not one. */
export function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

/** The issuing CA's certificates named by ISSUING_CA_FILE (a PEM bundle); throws a clear error if there are none. */
export async function readIssuingCas(path: string): Promise<X509Certificate[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`ISSUING_CA_FILE ${path}: not readable (${(error as Error).message})`, { cause: error });
  }
  let certificates: X509Certificate[];
  try {
    certificates = pemCertificates(text);
  } catch (error) {
    throw new Error(`ISSUING_CA_FILE ${path}: a certificate in it cannot be parsed (${(error as Error).message})`, { cause: error });
  }
  if (certificates.length === 0) throw new Error(`ISSUING_CA_FILE ${path}: no PEM certificate in it`);
  return certificates;
}

/** Parses and validates the file; throws a RegisterRefusal naming each field that is wrong (never its value). */
export async function readRegisterFile(path: string): Promise<RegisterRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RegisterRefusal(path, [`not readable (${(error as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RegisterRefusal(path, [`not JSON (${(error as Error).message})`]);
  }
  const decoded = decode(RegisterFileSchema, parsed);
  if (!decoded.ok) throw new RegisterRefusal(path, decoded.problems.map((problem) => `not a register file: ${problem}`));
  return decoded.value;
}

const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);
/** E-mail addresses compare with the domain in any case (RFC 5321 keeps the local part as written). */
function sameEmail(a: string, b: string): boolean {
  const split = (address: string) => {
    const at = address.lastIndexOf('@');
    return at < 0 ? [address, ''] : [address.slice(0, at), address.slice(at + 1).toLowerCase()];
  };
  const [localA, domainA] = split(a);
  const [localB, domainB] = split(b);
  return localA === localB && domainA === domainB;
}

/** What the record says against what its certificate says, field by field, as the kiosk reads the certificate. */
function disagreements(record: RegisterRecord, fields: CertificateFields): string[] {
  const shown = (value: string | undefined) => (value === undefined ? '(none)' : JSON.stringify(value));
  const problems: string[] = [];
  if (record.holderName !== fields.holderName) problems.push(`holderName ${shown(record.holderName)} differs from the certificate's O ${shown(fields.holderName)}`);
  if (record.orgUnit !== fields.orgUnit) problems.push(`orgUnit ${shown(record.orgUnit)} differs from the certificate's OU ${shown(fields.orgUnit)}`);
  if (record.ubn !== fields.ubn) problems.push(`ubn ${shown(record.ubn)} differs from the certificate's serialNumber (UBN) ${shown(fields.ubn)}`);
  if (!sameEmail(record.email, fields.email)) problems.push(`email ${shown(record.email)} differs from the certificate's subjectAltName e-mail ${shown(fields.email || undefined)}`);
  if (!sameInstant(record.validFrom, fields.validFrom)) problems.push(`validFrom ${record.validFrom} differs from the certificate's notBefore ${fields.validFrom}`);
  if (!sameInstant(record.validTo, fields.validTo)) problems.push(`validTo ${record.validTo} differs from the certificate's notAfter ${fields.validTo}`);
  if (record.certSerial !== undefined && normalizeSerial(record.certSerial) !== fields.certSerial) {
    problems.push(`certSerial ${record.certSerial} differs from the certificate's serial ${fields.certSerial}`);
  }
  return problems;
}

/** Whether one of the issuing CA's certificates issued and signed `certificate`. */
function signedByOneOf(certificate: X509Certificate, issuingCas: readonly X509Certificate[]): boolean {
  return issuingCas.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
}

export type RecordCheck = { ok: true; record: ImportRecord } | { ok: false; problems: string[] };

/**
 * One record against its certificate (and, when given, the issuing CA's certificates): the
 * registry's import record, or every problem found. Messages name the field and show only what a
 * certificate shows anyway; the SO PIN, user code, national ID and birth date are never shown.
 */
export function checkRegisterRecord(record: RegisterRecord, issuingCas?: readonly X509Certificate[]): RecordCheck {
  let certificates: X509Certificate[];
  try {
    certificates = pemCertificates(record.certificatePem);
  } catch {
    return { ok: false, problems: ['certificatePem: not a parseable X.509 certificate'] };
  }
  const [certificate] = certificates;
  if (certificate === undefined || certificates.length !== 1) {
    return { ok: false, problems: [`certificatePem: expected exactly one PEM certificate, found ${certificates.length}`] };
  }
  const der = new Uint8Array(certificate.raw);
  let fields: CertificateFields;
  try {
    fields = parseCardCertificate(der);
  } catch {
    return { ok: false, problems: ['certificatePem: not a business certificate (its subject has no O or no UBN)'] };
  }
  const problems = disagreements(record, fields);
  if (issuingCas !== undefined && !signedByOneOf(certificate, issuingCas)) {
    problems.push(`certificatePem: not signed by a certificate in ISSUING_CA_FILE (its issuer is ${certificate.issuer.replaceAll('\n', ', ')})`);
  }
  const certificateKeySha256 = publicKeySha256(certificatePublicKey(der));
  if (record.certificateKeySha256 !== undefined && record.certificateKeySha256.toLowerCase() !== certificateKeySha256) {
    problems.push(`certificateKeySha256 differs from the SHA-256 of the certificate's public key ${certificateKeySha256}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const { certificatePem: _certificate, soPin, ...importFields } = record;
  return { ok: true, record: { ...importFields, certSerial: fields.certSerial, certificateKeySha256, soCredential: soPin } };
}

/** Every record of a file checked; the import records only if none has a problem (all or nothing). */
export function checkRegisterFile(file: string, records: readonly RegisterRecord[], issuingCas?: readonly X509Certificate[]): ImportRecord[] {
  const problems: string[] = [];
  const accepted: ImportRecord[] = [];
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const where = `[${index}] card ${record.cardNumber}`;
    if (seen.has(record.cardNumber)) problems.push(`${where}: cardNumber appears twice in the file`);
    seen.add(record.cardNumber);
    const check = checkRegisterRecord(record, issuingCas);
    if (check.ok) accepted.push(check.record);
    else problems.push(...check.problems.map((problem) => `${where}: ${problem}`));
  });
  if (problems.length > 0) throw new RegisterRefusal(file, problems);
  return accepted;
}
