// Cards like real ones: personalised by the issuing side with softhsm2-util, pkcs11-tool and openssl
// (RSA-2048 keys, an openssl CA; deploy/issuing-side), registered with the real
// `npm run cards -- register` process, then activated on the embedded stack (real registry, card
// agent, engine) on path A and path B; the new PIN opens the token for `pkcs11-tool --login`.
// Every refusal of `register` is shown on the real command, with the registry left unchanged.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { View } from '../../machines/contract/index.ts';
import { listCards } from '../../platform/registry-admin-client.ts';
import { useSoftHsmDataDir } from '../../card/token/softhsm.ts';
import type { RegisterRecord } from '../../card/issuance/register-file.ts';
import {
  createIssuingCa,
  personaliseCard,
  registerRecord,
  SOFTHSM2_MODULE,
  type CardHolder,
  type IssuingCa,
  type PersonalisedCard,
} from '../../deploy/issuing-side/issuing-side.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);
const USER_CODE = 'Rs$Issued7';
const NEW_USER_CODE = 'Nw#Issued8';
const RESPONSIBLE_ID = 'F131104093';
const PIN = 'Rs!9pin4';

const HOLDERS = {
  pathA: { cardNumber: 'TI00000000000001', holderName: '發卡測試公司A', orgUnit: '發卡測試分公司A', ubn: '12345675', email: 'issued-a@example.com.tw' },
  pathB: { cardNumber: 'TI00000000000002', holderName: '發卡測試公司B', ubn: '97969933', email: 'issued-b@example.com.tw' },
  /** Its certificate is shown with records that disagree with it, one field each. */
  mismatched: { cardNumber: 'TI00000000000003', holderName: '發卡測試公司M', orgUnit: '發卡測試分公司M', ubn: '12345681', email: 'issued-m@example.com.tw' },
  /** Certified by another CA than the one ISSUING_CA_FILE names. */
  foreign: { cardNumber: 'TI00000000000004', holderName: '發卡測試公司F', ubn: '12345686', email: 'issued-f@example.com.tw' },
} satisfies Record<string, CardHolder>;

const onScreen = (screen: View['screen']) => (view: View) => view.screen === screen;

describe('cards made by the issuing side with softhsm2-util, pkcs11-tool and openssl', () => {
  let stack: TestStack;
  let softHsmConfig: string;
  let ca: IssuingCa;
  const cards = new Map<string, PersonalisedCard>();
  let cliDataDir: string;

  /** `npm run cards -- register FILE` as its own process, on the stack's nats-server. */
  async function register(records: unknown, env: Record<string, string> = {}, raw?: string) {
    const file = join(stack.dataDir, `register-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, raw ?? JSON.stringify(records, null, 2));
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'services/registry/cards-cli.ts', 'register', file], {
        env: { ...process.env, NATS_URL: stack.nats.server.url, DATA_DIR: cliDataDir, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  const registered = async () => new Set((await listCards(stack.nc)).map((card) => card.cardNumber));

  beforeAll(async () => {
    stack = await startTestStack({ kioskId: 'kiosk-issued' });
    cliDataDir = join(stack.dataDir, 'cards-cli');
    softHsmConfig = await useSoftHsmDataDir(stack.dataDir);
    ca = await createIssuingCa(join(stack.dataDir, 'issuing-ca'));
    const otherCa = await createIssuingCa(join(stack.dataDir, 'other-ca'), 'Some other CA');
    for (const holder of [HOLDERS.pathA, HOLDERS.pathB, HOLDERS.mismatched]) {
      cards.set(holder.cardNumber, await personaliseCard(holder, { ca, softHsmConfig }));
    }
    cards.set(HOLDERS.foreign.cardNumber, await personaliseCard(HOLDERS.foreign, { ca: otherCa, softHsmConfig }));
    await stack.startEngine();
    await stack.waitForView(onScreen('insertCard'), 'idle kiosk');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const card = (holder: CardHolder) => cards.get(holder.cardNumber)!;
  const recordA = () => registerRecord(HOLDERS.pathA, card(HOLDERS.pathA), { route: 'self-applied', userCode: USER_CODE });
  const recordB = () => registerRecord(HOLDERS.pathB, card(HOLDERS.pathB), { route: 'registration-bundled', responsibleId: RESPONSIBLE_ID, birthDate: '1968-03-21' });

  it('made the token with OpenSC and SoftHSM2 alone: an RSA-2048 key and its certificate under one CKA_ID and label', async () => {
    const { stdout } = await run('pkcs11-tool', ['--module', SOFTHSM2_MODULE, '--token-label', HOLDERS.pathA.cardNumber, '--list-objects'], {
      env: { ...process.env, SOFTHSM2_CONF: softHsmConfig },
    });
    expect(stdout).toMatch(/Public Key Object; RSA 2048 bits\s+label:\s+MOEACA business certificate\s+ID:\s+01/);
    expect(stdout).toMatch(/Certificate Object; type = X.509 cert\s+label:\s+MOEACA business certificate[\s\S]*?ID:\s+01/);
    const pem = join(stack.dataDir, 'card-a.pem');
    await writeFile(pem, card(HOLDERS.pathA).certificatePem);
    const { stdout: text } = await run('openssl', ['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus', '-ext', 'subjectAltName']);
    expect(text).toContain('subject=C=TW,O=發卡測試公司A,OU=發卡測試分公司A,serialNumber=12345675');
    expect(text).toContain('email:issued-a@example.com.tw');
  });

  it("with tokenOwner, the token's files belong to that user, as a site's card agent under its own user needs", async () => {
    const nobody = { uid: 65534, gid: 65534 };
    const dir = await mkdtemp(join(tmpdir(), 'issuing-owner-'));
    try {
      await chmod(dir, 0o755);
      const tokenDir = join(dir, 'tokens');
      await mkdir(tokenDir);
      await chown(tokenDir, nobody.uid, nobody.gid);
      const config = join(dir, 'softhsm2.conf');
      await writeFile(config, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\n`, { mode: 0o644 });
      await personaliseCard({ ...HOLDERS.pathA, cardNumber: 'TI00000000000009' }, { ca, softHsmConfig: config, tokenOwner: nobody });
      const entries = await readdir(tokenDir, { recursive: true, withFileTypes: true });
      const owners = await Promise.all(entries.map(async (entry) => (await stat(join(entry.parentPath, entry.name))).uid));
      expect(entries.filter((entry) => entry.isFile()).length).toBeGreaterThan(0);
      expect(new Set(owners)).toEqual(new Set([nobody.uid]));
      // That user alone reads the card back.
      const { stdout } = await run('pkcs11-tool', ['--module', SOFTHSM2_MODULE, '--token-label', 'TI00000000000009', '--list-objects', '--type', 'cert'], {
        env: { ...process.env, SOFTHSM2_CONF: config },
        ...nobody,
      });
      expect(stdout).toContain('Certificate Object; type = X.509 cert');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file whose records disagree with their certificates, naming each field, and registers none of it', async () => {
    const base = registerRecord(HOLDERS.mismatched, card(HOLDERS.mismatched), { route: 'self-applied', userCode: USER_CODE });
    const variant = (suffix: string, change: Partial<RegisterRecord>) => ({ ...base, cardNumber: `TI000000000001${suffix}`, ...change });
    const laterDay = (iso: string) => new Date(Date.parse(iso) + 86_400_000).toISOString();
    const { orgUnit: _unit, ...withoutUnit } = base;
    const records = [
      recordA(),
      variant('01', { holderName: '別的公司' }),
      { ...withoutUnit, cardNumber: 'TI00000000000102' },
      variant('03', { orgUnit: '別的分公司' }),
      variant('04', { ubn: '12345692' }),
      variant('05', { email: 'someone-else@example.com.tw' }),
      variant('06', { validFrom: laterDay(base.validFrom) }),
      variant('07', { validTo: laterDay(base.validTo) }),
    ];
    const result = await register(records);
    expect(result.code).toBe(1);
    const expected: Array<[string, RegExp]> = [
      ['TI00000000000101', /holderName "別的公司" differs from the certificate's O "發卡測試公司M"/],
      ['TI00000000000102', /orgUnit \(none\) differs from the certificate's OU "發卡測試分公司M"/],
      ['TI00000000000103', /orgUnit "別的分公司" differs from the certificate's OU/],
      ['TI00000000000104', /ubn "12345692" differs from the certificate's serialNumber \(UBN\) "12345681"/],
      ['TI00000000000105', /email "someone-else@example.com.tw" differs from the certificate's subjectAltName e-mail "issued-m@example.com.tw"/],
      ['TI00000000000106', /validFrom \S+ differs from the certificate's notBefore/],
      ['TI00000000000107', /validTo \S+ differs from the certificate's notAfter/],
    ];
    const lines = result.stderr.split('\n');
    for (const [cardNumber, message] of expected) {
      const about = lines.filter((line) => line.includes(`card ${cardNumber}:`));
      expect(about, cardNumber).toHaveLength(1);
      expect(about[0], cardNumber).toMatch(message);
    }
    expect(result.stderr).toContain('nothing registered');
    expect(result.stderr).not.toContain(HOLDERS.pathA.cardNumber);
    for (const secret of [base.soPin, recordA().soPin, USER_CODE]) expect(result.stderr + result.stdout).not.toContain(secret);
    expect(await registered()).toEqual(new Set());
  });

  it('with ISSUING_CA_FILE, refuses a card certified by another CA, and registers none of the file', async () => {
    const foreign = registerRecord(HOLDERS.foreign, card(HOLDERS.foreign), { route: 'self-applied', userCode: USER_CODE });
    const result = await register([recordA(), foreign], { ISSUING_CA_FILE: ca.certificatePath });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/card TI00000000000004: certificatePem: not signed by a certificate in ISSUING_CA_FILE \(its issuer is C=TW, O=Some other CA, CN=Some other CA\)/);
    expect(result.stderr).not.toContain(`card ${HOLDERS.pathA.cardNumber}:`);
    expect(await registered()).toEqual(new Set());
    // Without ISSUING_CA_FILE nobody asked who signed it: the same file would pass this check.
    expect(ca.certificatePem).not.toBe(foreign.certificatePem);
  });

  it('refuses what is not a register file: bad JSON, a missing SO PIN, a certificate that is not one, an unreadable CA file', async () => {
    const badJson = await register(undefined, {}, '[{"cardNumber": "TI00000000000001",');
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/register-\w+\.json: nothing registered:\n {2}not JSON \(/);

    const { soPin: _pin, ...withoutPin } = recordA();
    const noPin = await register([withoutPin]);
    expect(noPin.code).toBe(1);
    expect(noPin.stderr).toMatch(/not a register file: 0\.soPin: expected/);

    const notACertificate = await register([{ ...recordA(), certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }]);
    expect(notACertificate.code).toBe(1);
    expect(notACertificate.stderr).toContain('certificatePem: not a parseable X.509 certificate');

    const twoCertificates = await register([{ ...recordA(), certificatePem: recordA().certificatePem + card(HOLDERS.pathB).certificatePem }]);
    expect(twoCertificates.stderr).toContain('certificatePem: expected exactly one PEM certificate, found 2');

    const noCaFile = await register([recordA()], { ISSUING_CA_FILE: join(stack.dataDir, 'no-such-ca.pem') });
    expect(noCaFile.code).toBe(1);
    expect(noCaFile.stderr).toMatch(/ISSUING_CA_FILE .*no-such-ca\.pem: not readable/);
    expect(await registered()).toEqual(new Set());
  });

  it('registers the issued cards with their serial and key fingerprint taken from the certificates', async () => {
    const result = await register([recordA(), recordB()], { ISSUING_CA_FILE: ca.certificatePath });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${HOLDERS.pathA.cardNumber}\\s+self-applied\\s+issued\\s+created\\s+serial ${card(HOLDERS.pathA).certSerial}$`));
    expect(lines[1]).toMatch(new RegExp(`^${HOLDERS.pathB.cardNumber}\\s+registration-bundled\\s+issued\\s+created\\s+serial ${card(HOLDERS.pathB).certSerial}$`));
    expect(lines[2]).toContain(`2 card(s) registered with ${stack.nats.server.url}; signed by ${ca.certificatePath}`);
    expect(await registered()).toEqual(new Set([HOLDERS.pathA.cardNumber, HOLDERS.pathB.cardNumber]));
    // Registering the same file again changes nothing.
    const again = await register([recordA(), recordB()], { ISSUING_CA_FILE: ca.certificatePath });
    expect(again.stdout).toMatch(/issued\s+unchanged/);
    // Another card's certificate under a registered number passes the file's own checks; the
    // registry refuses it and keeps the record (path A below still activates with the first one).
    const swapped = registerRecord({ ...HOLDERS.mismatched, cardNumber: HOLDERS.pathA.cardNumber }, card(HOLDERS.mismatched), { route: 'self-applied', userCode: USER_CODE });
    const refused = await register([swapped]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`card ${HOLDERS.pathA.cardNumber} is already registered with another certificate serial`);
  });

  async function insertAndChoose(cardNumber: string, path: 'self-applied' | 'registration-bundled') {
    await stack.insert(cardNumber);
    await stack.waitForView((v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, 'choose path');
    stack.send({ type: 'user.choosePath', path });
  }

  async function finishWithPin() {
    await stack.waitForView(onScreen('enterPin'), 'PIN screen');
    stack.send({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN });
    await stack.waitForView(onScreen('activated'), 'activated');
  }

  /** `pkcs11-tool --login` in its own process: does `pin` open the token and show its RSA private key? */
  async function loginWithPkcs11Tool(cardNumber: string, pin: string): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout } = await run('pkcs11-tool', ['--module', SOFTHSM2_MODULE, '--token-label', cardNumber, '--login', '--pin', 'env:CARD_PIN', '--list-objects', '--type', 'privkey'], {
        env: { ...process.env, SOFTHSM2_CONF: softHsmConfig, CARD_PIN: pin },
      });
      return { ok: true, output: stdout };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  it('path A: the issued card shows its certificate, takes its user code, and its new PIN opens it for pkcs11-tool --login', async () => {
    await insertAndChoose(HOLDERS.pathA.cardNumber, 'self-applied');
    await stack.waitForView(onScreen('enterUserCode'), 'user code screen');
    stack.send({ type: 'user.submitUserCode', userCode: USER_CODE });
    const data = await stack.waitForView(onScreen('confirmCardData'), 'card data');
    expect(data.card).toMatchObject({
      cardNumber: HOLDERS.pathA.cardNumber,
      holderName: HOLDERS.pathA.holderName,
      orgUnit: HOLDERS.pathA.orgUnit,
      ubn: HOLDERS.pathA.ubn,
      email: HOLDERS.pathA.email,
      certSerial: card(HOLDERS.pathA).certSerial,
      validTo: card(HOLDERS.pathA).validTo,
    });
    stack.send({ type: 'user.confirmCardData' });
    await finishWithPin();

    const opened = await loginWithPkcs11Tool(HOLDERS.pathA.cardNumber, PIN);
    expect(opened.ok, opened.output).toBe(true);
    expect(opened.output).toMatch(/Private Key Object; RSA\s+label:\s+MOEACA business certificate\s+ID:\s+01/);
    const refused = await loginWithPkcs11Tool(HOLDERS.pathA.cardNumber, 'Not!thePin1');
    expect(refused).toMatchObject({ ok: false });
    expect(refused.output).toContain('CKR_PIN_INCORRECT');
    await stack.remove();
    await stack.waitForView(onScreen('insertCard'), 'session ended');
  });

  it('path B: national ID and birth date, contact, PIN; the new PIN opens it for pkcs11-tool --login', async () => {
    await insertAndChoose(HOLDERS.pathB.cardNumber, 'registration-bundled');
    await stack.waitForView(onScreen('enterResponsibleId'), 'ID screen');
    stack.send({ type: 'user.submitResponsibleId', responsibleId: RESPONSIBLE_ID, birthDate: '57/3/21' });
    const data = await stack.waitForView(onScreen('confirmCardData'), 'card data');
    expect(data.card).toMatchObject({ cardNumber: HOLDERS.pathB.cardNumber, holderName: HOLDERS.pathB.holderName, certSerial: card(HOLDERS.pathB).certSerial });
    stack.send({ type: 'user.confirmCardData' });
    await stack.waitForView(onScreen('enterContact'), 'contact');
    stack.send({ type: 'user.submitContact', email: 'new-b@example.com.tw', userCode: NEW_USER_CODE, userCodeConfirm: NEW_USER_CODE });
    await finishWithPin();
    const opened = await loginWithPkcs11Tool(HOLDERS.pathB.cardNumber, PIN);
    expect(opened.ok, opened.output).toBe(true);
    expect(opened.output).toContain('Private Key Object; RSA');
    await stack.remove();
  });
});
