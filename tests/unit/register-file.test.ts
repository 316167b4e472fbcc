// The register file's checks (card/issuance/register-file.ts) on certificates an openssl CA issued
// (deploy/issuing-side): what is derived from the certificate, each field a record can disagree
// on, the issuing CA check, and all-or-nothing for a file. The command itself, on real cards, is
// tests/integration/issuing-side.test.ts.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRegisterFile, checkRegisterRecord, RegisterRefusal, type RegisterRecord } from '../../card/issuance/register-file.ts';
import { createIssuingCa, issueCertificate, type IssuingCa } from '../../deploy/issuing-side/issuing-side.ts';

const HOLDER = { holderName: '登記測試公司', orgUnit: '登記測試分公司', ubn: '12345675', email: 'Register.Test@example.com.tw' };
const SO_PIN = 'So-Canary-4711';
const USER_CODE = 'Uc$Canary9';

let dir: string;
let ca: IssuingCa;
let otherCa: IssuingCa;
let certificatePem: string;
let publicKeyDer: Buffer;
let ecCertificatePem: string;

async function certify(issuer: IssuingCa, keyType: 'rsa' | 'ec', name: string): Promise<{ pem: string; spki: Buffer }> {
  const { publicKey } = keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(dir, `${name}.pub.pem`);
  await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const out = join(dir, `${name}.pem`);
  await issueCertificate(HOLDER, keyFile, { ca: issuer, validDays: 365, work: dir, out });
  return { pem: await readFile(out, 'utf8'), spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

function record(overrides: Partial<RegisterRecord> = {}): RegisterRecord {
  const certificate = new X509Certificate(certificatePem);
  return {
    cardNumber: 'TR00000000000001',
    route: 'self-applied',
    ...HOLDER,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    status: 'issued',
    userCode: USER_CODE,
    certificatePem,
    soPin: SO_PIN,
    ...overrides,
  } as RegisterRecord;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'register-file-'));
  ca = await createIssuingCa(join(dir, 'ca'));
  otherCa = await createIssuingCa(join(dir, 'other'), 'Another CA');
  const rsa = await certify(ca, 'rsa', 'card');
  certificatePem = rsa.pem;
  publicKeyDer = rsa.spki;
  ecCertificatePem = (await certify(ca, 'ec', 'ec-card')).pem;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a register record that agrees with its certificate', () => {
  it("becomes the registry's import record: serial and key fingerprint from the certificate, the SO PIN as its credential", async () => {
    const check = checkRegisterRecord(record());
    if (!check.ok) throw new Error(check.problems.join('; '));
    const { stdout } = await promisify(execFile)('openssl', ['x509', '-in', join(dir, 'card.pem'), '-noout', '-serial']);
    expect(check.record.certSerial).toBe(stdout.trim().replace(/^serial=/, '').replace(/^(?:00)+/, ''));
    expect(check.record.certificateKeySha256).toBe(createHash('sha256').update(publicKeyDer).digest('hex'));
    expect(check.record.soCredential).toBe(SO_PIN);
    expect(check.record).not.toHaveProperty('certificatePem');
    expect(check.record).not.toHaveProperty('soPin');
  });

  it('takes an EC key as well as an RSA one, and an e-mail whose domain is written in another case', () => {
    const ecCertificate = new X509Certificate(ecCertificatePem);
    expect(ecCertificate.publicKey.asymmetricKeyType).toBe('ec');
    const validity = { validFrom: new Date(ecCertificate.validFrom).toISOString(), validTo: new Date(ecCertificate.validTo).toISOString() };
    expect(checkRegisterRecord(record({ certificatePem: ecCertificatePem, ...validity })).ok).toBe(true);
    expect(checkRegisterRecord(record({ email: 'Register.Test@EXAMPLE.com.tw' })).ok).toBe(true);
  });
});

describe('a register record that disagrees with its certificate is refused, naming the field', () => {
  const shifted = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
  it.each<[string, () => Partial<RegisterRecord>, RegExp]>([
    ['holder name (O)', () => ({ holderName: '別的公司' }), /^holderName "別的公司" differs from the certificate's O "登記測試公司"$/],
    ['unit (OU) missing', () => ({ orgUnit: undefined }), /^orgUnit \(none\) differs from the certificate's OU "登記測試分公司"$/],
    ['unit (OU) another', () => ({ orgUnit: '別的分公司' }), /^orgUnit "別的分公司" differs/],
    ['UBN', () => ({ ubn: '97969933' }), /^ubn "97969933" differs from the certificate's serialNumber \(UBN\) "12345675"$/],
    ['e-mail local part in another case', () => ({ email: 'register.test@example.com.tw' }), /^email "register.test@example.com.tw" differs/],
    ['valid from, one second later', () => ({ validFrom: shifted(record().validFrom, 1) }), /^validFrom \S+ differs from the certificate's notBefore/],
    ['valid to, one second earlier', () => ({ validTo: shifted(record().validTo, -1) }), /^validTo \S+ differs from the certificate's notAfter/],
    ['a certSerial of another certificate', () => ({ certSerial: 'ABCDEF' }), /^certSerial ABCDEF differs from the certificate's serial/],
    ['a certificateKeySha256 of another key', () => ({ certificateKeySha256: 'a'.repeat(64) }), /^certificateKeySha256 differs from the SHA-256 of the certificate's public key/],
  ])('%s', (_what, change, message) => {
    const changed = { ...record(), ...change() } as RegisterRecord;
    if (changed.orgUnit === undefined) delete changed.orgUnit;
    const check = checkRegisterRecord(changed);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatch(message);
    expect(check.problems.join('\n')).not.toContain(SO_PIN);
    expect(check.problems.join('\n')).not.toContain(USER_CODE);
  });

  it('refuses a certificate that is not a business certificate, is not one certificate, or is not parseable', async () => {
    const other = await certify(ca, 'rsa', 'second');
    const two = checkRegisterRecord(record({ certificatePem: certificatePem + other.pem }));
    expect(two).toEqual({ ok: false, problems: ['certificatePem: expected exactly one PEM certificate, found 2'] });
    expect(checkRegisterRecord(record({ certificatePem: ca.certificatePem }))).toEqual({
      ok: false,
      problems: ['certificatePem: not a business certificate (its subject has no O or no UBN)'],
    });
    expect(checkRegisterRecord(record({ certificatePem: 'no certificate here' }))).toMatchObject({ ok: false, problems: ['certificatePem: expected exactly one PEM certificate, found 0'] });
  });
});

describe('the issuing CA', () => {
  it("accepts a certificate one of ISSUING_CA_FILE's certificates signed, and refuses one that none did", () => {
    const ours = new X509Certificate(ca.certificatePem);
    const theirs = new X509Certificate(otherCa.certificatePem);
    expect(checkRegisterRecord(record(), [theirs, ours]).ok).toBe(true);
    const refused = checkRegisterRecord(record(), [theirs]);
    expect(refused).toMatchObject({ ok: false });
    if (!refused.ok) {
      expect(refused.problems).toEqual([
        'certificatePem: not signed by a certificate in ISSUING_CA_FILE (its issuer is C=TW, O=Rehearsal issuing CA - not a real CA, CN=Rehearsal issuing CA - not a real CA)',
      ]);
    }
  });

  it('refuses a CA certificate with the same name but another key (the signature is what counts)', async () => {
    const impostor = await createIssuingCa(join(dir, 'impostor'));
    expect(new X509Certificate(impostor.certificatePem).subject).toBe(new X509Certificate(ca.certificatePem).subject);
    expect(checkRegisterRecord(record(), [new X509Certificate(impostor.certificatePem)]).ok).toBe(false);
  });
});

describe('a register file', () => {
  it('is registered all or nothing: one refused record, or one card twice, and none of it passes', () => {
    expect(checkRegisterFile('f.json', [record(), record({ cardNumber: 'TR00000000000002' })])).toHaveLength(2);
    const refuse = (records: RegisterRecord[]) => {
      try {
        checkRegisterFile('f.json', records);
      } catch (error) {
        if (error instanceof RegisterRefusal) return error.problems;
        throw error;
      }
      return [];
    };
    expect(refuse([record(), record({ cardNumber: 'TR00000000000002', ubn: '97969933' })])).toEqual([
      expect.stringMatching(/^\[1\] card TR00000000000002: ubn "97969933" differs/),
    ]);
    expect(refuse([record(), record()])).toEqual(['[1] card TR00000000000001: cardNumber appears twice in the file']);
  });
});
