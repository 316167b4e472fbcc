// `npm run cards`: the shipped demo cards provisioned alone (the command starts and stops its own
// nats-server and registry) and beside a running registry, idempotently; the tokens are usable
// with pkcs11-tool and their certificates verify against the demo CA with openssl.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import { listCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { freePort } from '../../platform/nats-server.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';

const run = promisify(execFile);
const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const DEMO = 'deploy/demo/cards.json';
const UNREGISTERED = 'deploy/demo/unregistered-cards.json';

let dataDir: string;
let natsPort: number;
let records: CardImportRecord[];

async function cards(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'services/registry/cards-cli.ts', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, NATS_PORT: String(natsPort), ...env },
  });
  return stdout.trimEnd().split('\n');
}

async function pkcs11Tool(args: string[]): Promise<string> {
  const { stdout } = await run('pkcs11-tool', ['--module', MODULE, ...args], {
    env: { ...process.env, SOFTHSM2_CONF: join(dataDir, 'softhsm', 'softhsm2.conf') },
  });
  return stdout;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiosk-test-provision-'));
  // Nothing listens here: the command must start its own server.
  natsPort = await freePort();
  records = JSON.parse(await readFile(DEMO, 'utf8')) as CardImportRecord[];
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm run cards, alone', () => {
  it('provisions every demo card, one line each with the secrets the file carries', async () => {
    const lines = await cards(['import', DEMO]);
    expect(lines).toHaveLength(records.length + 1);
    records.forEach((record, index) => {
      const line = lines[index] ?? '';
      expect(line.startsWith(record.cardNumber)).toBe(true);
      expect(line).toContain('token created');
      expect(line).toContain('registry created');
      expect(line).toContain(record.route === 'self-applied' ? record.userCode : record.responsibleId);
    });
  });

  it('is idempotent per card number', async () => {
    const lines = await cards(['import', DEMO]);
    for (const line of lines.slice(0, records.length)) {
      expect(line).toContain('token existing');
      expect(line).toContain('registry unchanged');
    }
  });

  it('lists the registered cards with their status, and token-only cards apart', async () => {
    const tokenOnly = await cards(['import', '--token-only', UNREGISTERED]);
    expect(tokenOnly[0]).toContain('registry not-registered');
    const lines = await cards(['list']);
    for (const record of records) {
      const line = lines.find((l) => l.startsWith(record.cardNumber)) ?? '';
      expect(line).toContain(record.route);
      expect(line).toContain(record.status);
      expect(line).toContain('token here');
    }
    expect(lines.some((l) => l.startsWith('TT00000000000091') && l.includes('unknown to the registry'))).toBe(true);
  });

  it('makes tokens pkcs11-tool can use: labelled with the card number, key and certificate with one id', async () => {
    const slots = await pkcs11Tool(['--list-token-slots']);
    for (const record of records) expect(slots).toContain(`token label        : ${record.cardNumber}`);
    const objects = await pkcs11Tool(['--token-label', 'TT00000000000051', '--list-objects']);
    expect(objects).toMatch(/Certificate Object; type = X\.509 cert[\s\S]*ID:\s+01/);
    expect(objects).toMatch(/Public Key Object; EC/);
  });

  it('gives the used-before-activation card a real wrong login (COUNT_LOW), the others none', async () => {
    const slots = await pkcs11Tool(['--list-token-slots']);
    const flagsOf = (label: string) => slots.split('Slot ').find((block) => block.includes(`token label        : ${label}`)) ?? '';
    expect(flagsOf('TT00000000000058')).toContain('user PIN count low');
    expect(flagsOf('TT00000000000051')).not.toContain('user PIN count low');
  });

  it('writes certificates that verify against the demo CA, with the holder name, UBN and e-mail', async () => {
    const der = join(dataDir, 'card51.der');
    await pkcs11Tool(['--token-label', 'TT00000000000051', '--read-object', '--type', 'cert', '--id', '01', '-o', der]);
    // Node's X509Certificate is OpenSSL's parser: independent of the library that made the certificate.
    const card = new X509Certificate(await readFile(der));
    const ca = new X509Certificate(await readFile(join(dataDir, 'demo-ca', 'ca.crt')));
    expect(card.verify(ca.publicKey)).toBe(true);
    expect(card.checkIssued(ca)).toBe(true);
    expect(card.subject.split('\n')).toEqual(expect.arrayContaining(['C=TW', 'O=測試公司1', 'serialNumber=97969933']));
    expect(card.subjectAltName).toBe('email:test1@example.com.tw');
  });
});

describe('npm run cards, beside a running registry', () => {
  let nats: TestNats;
  let registry: RunningRegistry;

  beforeAll(async () => {
    nats = await startTestNats();
    registry = await startRegistry({ nc: await nats.connect('registry'), dataDir: nats.dataDir, secretKey: Buffer.alloc(32, 3), scryptCost: { N: 1024, r: 8, p: 1 } });
  });

  afterAll(async () => {
    await registry?.stop();
    await nats?.stop();
  });

  it('registers with that registry, and makes again a token the registry never knew', async () => {
    const lines = await cards(['import', UNREGISTERED], { NATS_URL: nats.server.url });
    expect(lines[0]).toContain('token recreated');
    expect(lines[0]).toContain('registry created');
    const known = await listCards(await nats.connect('check'));
    expect(known.map((card) => card.cardNumber)).toEqual(['TT00000000000091']);
  });
});
