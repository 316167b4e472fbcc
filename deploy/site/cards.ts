// The rehearsal's cards, made the way an issuing side would, with tools this project did not write:
// a SoftHSM2 token initialised with `softhsm2-util`, an RSA-2048 key pair generated on it with
// `pkcs11-tool --keypairgen`, a certificate for that key from a CA made with `openssl` (subject
// C=TW, O=<holder>, OU=<unit>, serialNumber=<UBN>, e-mail in subjectAltName) written back with
// `pkcs11-tool --write-object` (CKA_ID and label shared with the key). What it returns is the
// issuing side's record for `ra.admin.import`, every field derived from the certificate.
//
// One function, `personaliseCard`, so that it can be swapped for the project's own
// `npm run cards -- register` once that exists; nothing else here knows how a card is made.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeSerial } from '../../card/token/certificate.ts';
import { run } from './host.ts';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface IssuingCa {
  dir: string;
}

/** The issuing CA (not the site CA): an RSA CA made with openssl. */
export async function makeIssuingCa(dir: string): Promise<IssuingCa> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-utf8', '-subj', '/C=TW/O=Rehearsal Issuing CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
  return { dir };
}

export interface CardHolder {
  cardNumber: string;
  holderName: string;
  orgUnit?: string;
  ubn: string;
  email: string;
}

export type IssuedRecord = Record<string, unknown> & { cardNumber: string; certSerial: string; soCredential: string; certificateKeySha256: string };

/**
 * Personalises one card token in the SoftHSM2 store named by `softhsmConf` and returns its import
 * record (with `extra`: route, userCode or responsibleId/birthDate, status).
 */
export async function personaliseCard(
  ca: IssuingCa,
  softhsmConf: string,
  workDir: string,
  holder: CardHolder,
  extra: Record<string, unknown>,
): Promise<IssuedRecord> {
  const dir = join(workDir, holder.cardNumber);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const env = { ...process.env, SOFTHSM2_CONF: softhsmConf };
  const soPin = randomBytes(12).toString('base64url');
  const initialPin = randomBytes(9).toString('base64url');
  const tool = (args: string[]) => runWith('pkcs11-tool', ['--module', SOFTHSM_MODULE, ...args], env);
  await runWith('softhsm2-util', ['--init-token', '--free', '--label', holder.cardNumber, '--so-pin', soPin, '--pin', initialPin], env);
  const token = ['--token-label', holder.cardNumber];
  await tool([...token, '--login', '--pin', initialPin, '--keypairgen', '--key-type', 'rsa:2048', '--id', '01', '--label', holder.cardNumber]);
  await tool([...token, '--read-object', '--type', 'pubkey', '--id', '01', '--output-file', join(dir, 'key.pub.der')]);
  await run('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', join(dir, 'key.pub.der'), '-out', join(dir, 'key.pub.pem')]);
  // The request is only a carrier for the subject: -force_pubkey puts the card's key in the certificate.
  const subject = `/C=TW/O=${holder.holderName}${holder.orgUnit === undefined ? '' : `/OU=${holder.orgUnit}`}/serialNumber=${holder.ubn}`;
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-utf8', '-subj', subject, '-keyout', join(dir, 'carrier.key'), '-out', join(dir, 'card.csr')]);
  await writeFile(join(dir, 'card.ext'), `subjectAltName=email:${holder.email}\nkeyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n`);
  await run('openssl', ['x509', '-req', '-in', join(dir, 'card.csr'), '-CA', join(ca.dir, 'ca.crt'), '-CAkey', join(ca.dir, 'ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-force_pubkey', join(dir, 'key.pub.pem'), '-days', '1825', '-extfile', join(dir, 'card.ext'), '-out', join(dir, 'card.crt')]);
  await run('openssl', ['x509', '-in', join(dir, 'card.crt'), '-outform', 'DER', '-out', join(dir, 'card.der')]);
  await tool([...token, '--login', '--pin', initialPin, '--write-object', join(dir, 'card.der'), '--type', 'cert', '--id', '01', '--label', holder.cardNumber]);

  // Every field of the record from the certificate itself.
  const serial = (await run('openssl', ['x509', '-in', join(dir, 'card.crt'), '-noout', '-serial'])).trim().replace(/^serial=/, '');
  const dates = await run('openssl', ['x509', '-in', join(dir, 'card.crt'), '-noout', '-startdate', '-enddate']);
  const date = (key: string) => new Date(/=(.*)$/m.exec(dates.split('\n').find((line) => line.startsWith(key)) ?? '')?.[1] ?? '').toISOString();
  const spki = await readFile(join(dir, 'key.pub.der'));
  return {
    cardNumber: holder.cardNumber,
    holderName: holder.holderName,
    ...(holder.orgUnit === undefined ? {} : { orgUnit: holder.orgUnit }),
    ubn: holder.ubn,
    email: holder.email,
    validFrom: date('notBefore'),
    validTo: date('notAfter'),
    status: 'issued',
    ...extra,
    certSerial: normalizeSerial(serial),
    soCredential: soPin,
    certificateKeySha256: createHash('sha256').update(spki).digest('hex'),
  };
}

async function runWith(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(command, args, { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed (arguments not shown: they hold PINs): ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
