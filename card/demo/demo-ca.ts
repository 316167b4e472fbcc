// The demo CA that signs the demo cards' certificates: made on first use under
// `<DATA_DIR>/demo-ca/`, reused after. Its key sits on disk in the clear (0600): it is demo data
// and signs nothing that anyone trusts.
//
// Card certificates follow what the kiosk reads (token/certificate.ts): subject C=TW, O=<holder>,
// serialNumber=<UBN>, CN=<holder>; e-mail as an rfc822Name in subjectAltName; validity and serial
// from the import record.
import './demo-worker.ts';
import { createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { normalizeSerial, type CertificateFields } from '../token/certificate.ts';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_PKCS1_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export interface DemoCa {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
  /** Where the CA certificate (PEM) is, for `openssl verify -CAfile`. */
  certificatePath: string;
}

interface StoredCa {
  certificatePem: string;
  privateKeyPkcs8: string;
}

async function createCa(): Promise<StoredCa> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = new Date();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: new x509.Name([
      { '2.5.4.6': [{ printableString: 'TW' }] },
      { '2.5.4.10': [{ utf8String: 'Demo MOEACA (not a real CA)' }] },
      { '2.5.4.3': [{ utf8String: 'Demo Business Certificate CA' }] },
    ]),
    notBefore: new Date(Date.UTC(now.getUTCFullYear() - 30, 0, 1)),
    notAfter: new Date(Date.UTC(now.getUTCFullYear() + 30, 0, 1)),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certificatePem: certificate.toString('pem'), privateKeyPkcs8: pkcs8.toString('base64') };
}

/**
 * Two processes may ask at once (`npm start` and `npm run cards`): each writes a candidate and
 * hard-links it into place, which only one of them can do; the other adopts the winner's.
 */
async function storedCa(dir: string): Promise<StoredCa> {
  const file = join(dir, 'ca.json');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return JSON.parse(existing) as StoredCa;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const candidate = join(dir, `ca.json.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(candidate, JSON.stringify(await createCa()), { mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(candidate);
  }
  return JSON.parse(await readFile(file, 'utf8')) as StoredCa;
}

export async function loadDemoCa(dataDir: string): Promise<DemoCa> {
  const dir = join(dataDir, 'demo-ca');
  const stored = await storedCa(dir);
  const certificatePath = join(dir, 'ca.crt');
  const current = await readFile(certificatePath, 'utf8').catch(() => undefined);
  if (current !== stored.certificatePem) await writeFile(certificatePath, stored.certificatePem);
  return {
    certificate: new x509.X509Certificate(stored.certificatePem),
    privateKey: await webcrypto.subtle.importKey('pkcs8', Buffer.from(stored.privateKeyPkcs8, 'base64'), ECDSA_P256, false, ['sign']),
    certificatePath,
  };
}

/** A random certificate serial: 16 bytes, high bit clear so that it never needs a sign byte. */
export function randomCertSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

/** DER INTEGER of a serial given as hex (CKA_SERIAL_NUMBER wants the encoded form). */
export function serialNumberDer(hex: string): Uint8Array {
  let value = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  if (value.length === 0 || ((value[0] ?? 0) & 0x80) !== 0) value = Buffer.concat([Buffer.from([0]), value]);
  if (value.length > 127) throw new Error('serial too long');
  return new Uint8Array(Buffer.concat([Buffer.from([0x02, value.length]), value]));
}

/** What goes into a card's certificate, the fields the agent reads back (the OU as in the manual's C=TW,O=測試公司1,OU=測試分公司1), and the key it certifies. */
export interface CardCertificateRequest extends CertificateFields {
  /** The card key's SubjectPublicKeyInfo (DER): EC P-256 or RSA, as the token made it. */
  publicKey: Uint8Array;
}

export interface IssuedCertificate {
  der: Uint8Array;
  subject: Uint8Array;
  issuer: Uint8Array;
  serialNumber: Uint8Array;
  /** As `card.read` will report it. */
  certSerial: string;
}

export async function issueCardCertificate(ca: DemoCa, request: CardCertificateRequest): Promise<IssuedCertificate> {
  const spki = new Uint8Array(request.publicKey);
  // WebCrypto wants the key's algorithm named; the certificate only records the key itself.
  const algorithm = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa' ? RSA_PKCS1_SHA256 : ECDSA_P256;
  const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
  const serial = normalizeSerial(request.certSerial);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: new x509.Name([
      { '2.5.4.6': [{ printableString: 'TW' }] },
      { '2.5.4.10': [{ utf8String: request.holderName }] },
      ...(request.orgUnit === undefined ? [] : [{ '2.5.4.11': [{ utf8String: request.orgUnit }] }]),
      { '2.5.4.5': [{ printableString: request.ubn }] },
      { '2.5.4.3': [{ utf8String: request.holderName }] },
    ]),
    issuer: ca.certificate.subjectName,
    notBefore: new Date(request.validFrom),
    notAfter: new Date(request.validTo),
    signingAlgorithm: SIGNING,
    publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'email', value: request.email }]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return {
    der: new Uint8Array(certificate.rawData),
    subject: new Uint8Array(certificate.subjectName.toArrayBuffer()),
    issuer: new Uint8Array(certificate.issuerName.toArrayBuffer()),
    serialNumber: serialNumberDer(serial),
    certSerial: normalizeSerial(certificate.serialNumber),
  };
}
