// Real SoftHSM2 card tokens for tests: a temp data dir with its own softhsm2.conf, tokens made the
// way the demo cards are (card/demo/card-token.ts), and an independent check of a token from a
// separate process (its own pkcs11js and module instance), so that "the new PIN works" is proven
// by a real user login that shares nothing with the code under test.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CardImportRecord } from '../../machines/contract/index.ts';
import { createCardToken, type CardToken } from '../../card/demo/card-token.ts';
import { loadDemoCa, type DemoCa } from '../../card/demo/demo-ca.ts';
import { softHsmPaths, useSoftHsmDataDir } from '../../card/token/softhsm.ts';
import { acquireTokenClient, DEFAULT_PKCS11_MODULE, releaseTokenClient, type TokenClient } from '../../card/token/token.client.ts';

export interface TestTokens {
  dataDir: string;
  ca: DemoCa;
  client: TokenClient;
  /** A card token, as `npm run cards` makes it (EC unless `keyType` says RSA-2048); `wrongUserLogins` real wrong logins after. */
  make(record: CardImportRecord, options?: Parameters<typeof createCardToken>[3]): Promise<CardToken>;
  stop(): Promise<void>;
}

/** A valid self-applied import record; override what the test is about. */
export function cardRecord(cardNumber: string, overrides: Partial<CardImportRecord> = {}): CardImportRecord {
  return {
    cardNumber,
    route: 'self-applied',
    holderName: '測試公司T',
    ubn: '97969933',
    email: `${cardNumber.toLowerCase()}@example.com.tw`,
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2031-01-01T00:00:00.000Z',
    userCode: 'Test$123',
    status: 'issued',
    ...overrides,
  } as CardImportRecord;
}

export async function startTestTokens(dataDir?: string): Promise<TestTokens> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'kiosk-test-cards-')));
  await useSoftHsmDataDir(dir);
  const ca = await loadDemoCa(dir);
  const client = acquireTokenClient(DEFAULT_PKCS11_MODULE);
  return {
    dataDir: dir,
    ca,
    client,
    make: (record, options = {}) => createCardToken(client, ca, record, options),
    async stop() {
      await releaseTokenClient(client);
      if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TokenCheck {
  found: boolean;
  /** Only when a PIN was given. */
  accepted?: boolean;
  rejectedWith?: string;
  userPinCountLow: boolean;
  userPinInitialized: boolean;
}

// Runs in a child process: its own module instance, C_Initialize'd from scratch. The PIN comes on
// stdin, not on the command line.
const CHECK_SCRIPT = `
const pkcs11js = require(process.argv[1]);
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { label, pin } = JSON.parse(input);
  const lib = new pkcs11js.PKCS11();
  lib.load('${DEFAULT_PKCS11_MODULE}');
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === label);
    if (slot === undefined) { process.stdout.write(JSON.stringify({ found: false })); return; }
    const out = { found: true };
    if (pin !== undefined) {
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        lib.C_Login(session, pkcs11js.CKU_USER, pin);
        out.accepted = true;
        lib.C_Logout(session);
      } catch (error) {
        out.accepted = false;
        out.rejectedWith = error.message;
      } finally {
        lib.C_CloseSession(session);
      }
    }
    const flags = lib.C_GetTokenInfo(slot).flags;
    out.userPinCountLow = (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0;
    out.userPinInitialized = (flags & pkcs11js.CKF_USER_PIN_INITIALIZED) !== 0;
    process.stdout.write(JSON.stringify(out));
  } finally {
    lib.C_Finalize();
  }
});
`;

/** Looks at a token from another process; with `pin`, also tries one real user login with it. */
export async function checkTokenElsewhere(dataDir: string, label: string, pin?: string): Promise<TokenCheck> {
  const pkcs11jsPath = createRequire(import.meta.url).resolve('pkcs11js');
  const child = spawn(process.execPath, ['-e', CHECK_SCRIPT, pkcs11jsPath], {
    env: { ...process.env, SOFTHSM2_CONF: softHsmPaths(dataDir).config },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(JSON.stringify({ label, ...(pin === undefined ? {} : { pin }) }));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`token check failed (exit ${code}): ${err}`);
  return JSON.parse(out) as TokenCheck;
}
