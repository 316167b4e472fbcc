// The CA's issuing side, played with tools this project did not write, so that a card the kiosk
// activates is made the way a real one is (docs/operations.md, "The issuing side registers cards"):
//   - an issuing CA made with `openssl req -x509` (RSA-2048, SHA-256);
//   - per card, a SoftHSM2 token made with `softhsm2-util --init-token`, an RSA-2048 key pair
//     generated on it with `pkcs11-tool --keypairgen`, its public key read back, a certificate for
//     that key from the CA (`openssl req -utf8` for the subject, `openssl x509 -req -force_pubkey`
//     to certify the card's key), written back with `pkcs11-tool --write-object --type cert`
//     under the CKA_ID and label the key has;
//   - the card's entry of the register file `npm run cards -- register` reads.
// Used by the tests (tests/integration/issuing-side.test.ts) and by the site rehearsal. Nothing of
// ours touches the token: what the card agent then reads was written by OpenSC and SoftHSM2.
//
// Secrets: the SO PIN goes to softhsm2-util as an argument (the tool takes it no other way) and is
// returned for the register file; the user PIN is random, reaches pkcs11-tool through its
// environment (`--pin env:NAME`) and is forgotten, as a card's transport PIN would be.
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import type { RegisterRecord } from '../../card/issuance/register-file.ts';

const run = promisify(execFile);

/** SoftHSM2's PKCS#11 module on Debian; another module with the same tools works as well. */
export const SOFTHSM2_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
/** The CKA_ID and CKA_LABEL a card's key and certificate share, as card middleware expects. */
export const CARD_OBJECT_ID = '01';
export const CARD_OBJECT_LABEL = 'MOEACA business certificate';

export interface IssuingCa {
  /** The CA's certificate (PEM): what ISSUING_CA_FILE names. */
  certificatePath: string;
  certificatePem: string;
  /** The CA's private key (PEM, 0600, unencrypted: a rehearsal's CA signs nothing anyone trusts). */
  keyPath: string;
}

/** The holder fields the certificate carries; the rest of the issuance record is the issuing side's business. */
export type CardHolder = Pick<CardImportRecord, 'cardNumber' | 'holderName' | 'orgUnit' | 'ubn' | 'email'>;

export interface PersonaliseOptions {
  ca: IssuingCa;
  /** SOFTHSM2_CONF for the tools: which token directory the card goes into (the kiosk's reader sees that one). */
  softHsmConfig: string;
  modulePath?: string;
  /** Days the certificate is valid from now (default 1826: five years, as a business certificate). */
  validDays?: number;
  /**
   * Runs softhsm2-util and pkcs11-tool as this user, so that the token's files belong to the card
   * agent's OS user (a site where each part has its own user); default: the caller.
   */
  tokenOwner?: { uid: number; gid: number };
}

export interface PersonalisedCard {
  cardNumber: string;
  certificatePem: string;
  /** The token's SO PIN: for the register file only. */
  soPin: string;
  /** Upper-case hex, as the kiosk shows it. */
  certSerial: string;
  /** The certificate's validity (ISO 8601): `openssl x509 -days` starts it now. */
  validFrom: string;
  validTo: string;
}

async function tool(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, as?: { uid: number; gid: number }): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { env: { ...process.env, ...env }, maxBuffer: 4 * 1024 * 1024, ...as });
    return stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: unknown };
    // The arguments are not shown: softhsm2-util's carry the SO PIN.
    throw new Error(`${command} ${args[0] ?? ''} failed (exit ${String(code)}): ${(stderr ?? '').trim()}`, { cause: error });
  }
}

/** A value for `openssl -subj`, where `/`, `+`, `=` and `\` would otherwise end or split the attribute. */
function subjectValue(value: string): string {
  return value.replace(/[\\/+=]/g, (character) => `\\${character}`);
}

/** The subject the manual shows (C=TW, O=<holder>, OU=<unit>, serialNumber=<UBN>), in openssl's `-subj` form. */
export function cardSubject(holder: Pick<CardHolder, 'holderName' | 'orgUnit' | 'ubn'>): string {
  const parts = [['C', 'TW'], ['O', holder.holderName], ...(holder.orgUnit === undefined ? [] : [['OU', holder.orgUnit]]), ['serialNumber', holder.ubn]];
  return parts.map(([name, value]) => `/${name}=${subjectValue(value ?? '')}`).join('');
}

/** Makes the issuing CA in `dir` (created 0700), or returns the one already there. */
export async function createIssuingCa(dir: string, name = 'Rehearsal issuing CA - not a real CA'): Promise<IssuingCa> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certificatePath = join(dir, 'issuing-ca.crt');
  const keyPath = join(dir, 'issuing-ca.key');
  const existing = await readFile(certificatePath, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    await tool('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-nodes', '-utf8',
      '-keyout', keyPath, '-out', certificatePath, '-days', '7300',
      '-subj', `/C=TW/O=${subjectValue(name)}/CN=${subjectValue(name)}`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  return { certificatePath, keyPath, certificatePem: await readFile(certificatePath, 'utf8') };
}

/** A random certificate serial: 16 bytes, first bit clear (a positive INTEGER) and first byte non-zero. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

/**
 * The CA's certificate for a card's public key (PEM file `publicKeyPath`), written to `out` (PEM):
 * subject from `openssl req -utf8`, the card's key put in by `openssl x509 -req -force_pubkey`
 * (the request's own key is a throwaway: the card's private key never leaves the card).
 */
export async function issueCertificate(
  holder: Pick<CardHolder, 'holderName' | 'orgUnit' | 'ubn' | 'email'>,
  publicKeyPath: string,
  options: { ca: IssuingCa; validDays: number; work: string; out: string },
): Promise<void> {
  const file = (name: string) => join(options.work, name);
  await tool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('request.key')]);
  await tool('openssl', ['req', '-new', '-utf8', '-key', file('request.key'), '-subj', cardSubject(holder), '-out', file('card.csr')]);
  await writeFile(
    file('card.ext'),
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, nonRepudiation',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      'subjectAltName = @names',
      '[names]',
      `email.1 = ${holder.email}`,
      '',
    ].join('\n'),
  );
  await tool('openssl', [
    'x509', '-req', '-in', file('card.csr'), '-force_pubkey', publicKeyPath,
    '-CA', options.ca.certificatePath, '-CAkey', options.ca.keyPath, '-sha256',
    '-set_serial', `0x${randomSerial()}`, '-days', String(options.validDays),
    '-extfile', file('card.ext'), '-out', options.out,
  ]);
}

/** Personalises one card as the issuing side would; returns what its register record needs. */
export async function personaliseCard(holder: CardHolder, options: PersonaliseOptions): Promise<PersonalisedCard> {
  const module = options.modulePath ?? SOFTHSM2_MODULE;
  const env = { SOFTHSM2_CONF: options.softHsmConfig };
  const soPin = randomBytes(18).toString('base64url');
  const userPin = randomBytes(12).toString('base64url');
  const work = await mkdtemp(join(tmpdir(), 'issuing-side-'));
  const file = (name: string) => join(work, name);
  const onToken = ['--module', module, '--token-label', holder.cardNumber];
  const asUser = ['--login', '--pin', 'env:ISSUING_SIDE_USER_PIN'];
  const userEnv = { ...env, ISSUING_SIDE_USER_PIN: userPin };
  const object = ['--id', CARD_OBJECT_ID, '--label', CARD_OBJECT_LABEL];
  const owner = options.tokenOwner;
  try {
    // The token tools write the public key into the work dir and read the certificate from it.
    if (owner !== undefined) await chown(work, owner.uid, owner.gid);
    await tool('softhsm2-util', ['--init-token', '--free', '--label', holder.cardNumber, '--so-pin', soPin, '--pin', userPin], env, owner);
    await tool('pkcs11-tool', [...onToken, ...asUser, '--keypairgen', '--key-type', 'rsa:2048', ...object], userEnv, owner);
    await tool('pkcs11-tool', [...onToken, '--read-object', '--type', 'pubkey', '--id', CARD_OBJECT_ID, '--output-file', file('card-key.der')], env, owner);
    await tool('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', file('card-key.der'), '-out', file('card-key.pem')]);
    await issueCertificate(holder, file('card-key.pem'), { ca: options.ca, validDays: options.validDays ?? 1826, work, out: file('card.pem') });
    await tool('openssl', ['x509', '-in', file('card.pem'), '-outform', 'DER', '-out', file('card.der')]);
    await tool('pkcs11-tool', [...onToken, ...asUser, '--write-object', file('card.der'), '--type', 'cert', ...object], userEnv, owner);
    const certificatePem = await readFile(file('card.pem'), 'utf8');
    const certificate = new X509Certificate(certificatePem);
    return {
      cardNumber: holder.cardNumber,
      certificatePem,
      soPin,
      certSerial: certificate.serialNumber.replace(/^(?:00)+(?=.)/, '').toUpperCase(),
      validFrom: new Date(certificate.validFrom).toISOString(),
      validTo: new Date(certificate.validTo).toISOString(),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The route and its secrets, as the issuing side records them (the holder fields come from the card). */
export type IssuanceDetails =
  | { route: 'self-applied'; userCode: string; status?: CardImportRecord['status'] }
  | { route: 'registration-bundled'; responsibleId: string; birthDate?: string; status?: CardImportRecord['status'] };

/** The card's entry in the register file: its holder and validity as certified, its certificate and SO PIN. */
export function registerRecord(holder: CardHolder, card: PersonalisedCard, details: IssuanceDetails): RegisterRecord {
  return {
    cardNumber: holder.cardNumber,
    holderName: holder.holderName,
    ...(holder.orgUnit === undefined ? {} : { orgUnit: holder.orgUnit }),
    ubn: holder.ubn,
    email: holder.email,
    validFrom: card.validFrom,
    validTo: card.validTo,
    status: 'issued',
    ...details,
    certificatePem: card.certificatePem,
    soPin: card.soPin,
  } as RegisterRecord;
}
