// A card of the wrong kind through the real parts: a SoftHSM2 token that holds an ordinary X.509
// certificate made with openssl (a person's, like a 自然人憑證: no organisation, no UBN), and one
// that holds no certificate at all. The real card agent (simulated reader) reads them, the real
// engine shows the failure: NOT_BUSINESS_CARD, whose remedy is "take the card back" (nothing
// mailed, no staff), not UNKNOWN_CARD with the mail-in procedure.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDataSchema, ContractError, ERRORS, kioskSubjects, type View } from '../../machines/contract/index.ts';
import { softHsmPaths } from '../../card/token/softhsm.ts';
import { DEFAULT_PKCS11_MODULE } from '../../card/token/token.client.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);

const CITIZEN_CARD = 'TW00000000000042';
const EMPTY_CARD = 'TW00000000000043';

/** A token labelled `label` (the card number), with `certificateDer` on it when given. */
async function makeToken(dataDir: string, label: string, certificateDer?: string): Promise<void> {
  const env = { ...process.env, SOFTHSM2_CONF: softHsmPaths(dataDir).config };
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '12345678', '--pin', '87654321'], { env });
  if (certificateDer === undefined) return;
  await run(
    'pkcs11-tool',
    ['--module', DEFAULT_PKCS11_MODULE, '--token-label', label, '--login', '--pin', '87654321',
      '--write-object', certificateDer, '--type', 'cert', '--id', '01', '--label', 'citizen'],
    { env },
  );
}

describe('a card that is not a business-certificate card', () => {
  let stack: TestStack;
  let work: string;

  beforeAll(async () => {
    stack = await startTestStack();
    work = await mkdtemp(join(tmpdir(), 'kiosk-wrong-kind-'));
    // A person's certificate, the way a 自然人憑證 names its holder: C=TW, CN and a serial number that is no UBN.
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-utf8',
      '-subj', '/C=TW/CN=王小明/serialNumber=0000000112831644',
      '-keyout', join(work, 'citizen.key'), '-outform', 'DER', '-out', join(work, 'citizen.der'),
    ]);
    await makeToken(stack.dataDir, CITIZEN_CARD, join(work, 'citizen.der'));
    await makeToken(stack.dataDir, EMPTY_CARD);
    await stack.startEngine();
    await stack.waitForView((view) => view.screen === 'insertCard', 'idle kiosk');
  });

  afterAll(async () => {
    await stack?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('the card agent calls the token with a citizen certificate NOT_BUSINESS_CARD', async () => {
    await stack.insert(CITIZEN_CARD);
    const read = requestJson(stack.nc, kioskSubjects(stack.kioskId).cardRead, { reason: 'inserted' }, CardDataSchema, {
      unreachable: '3125',
      timeout: 30_000,
    });
    await expect(read).rejects.toBeInstanceOf(ContractError);
    await expect(read).rejects.toMatchObject({ code: 'NOT_BUSINESS_CARD' });
    await stack.remove();
    await stack.waitForView((view) => view.screen === 'insertCard', 'idle again');
  });

  for (const [what, cardNumber] of [
    ['an ordinary X.509 certificate without a UBN', CITIZEN_CARD],
    ['no certificate at all', EMPTY_CARD],
  ] as const) {
    it(`a token with ${what}: take the card back, no staff, nothing mailed`, async () => {
      const since = stack.latestSeq();
      await stack.insert(cardNumber);
      const failed: View = await stack.waitForView((view) => view.seq > since && view.screen === 'failed', `failure for ${cardNumber}`);
      expect(failed.error?.code).toBe('NOT_BUSINESS_CARD');
      expect(failed.error?.remedy ?? ERRORS.NOT_BUSINESS_CARD.remedy).toBe('none');
      expect(failed.state).toBe('session.failed.notBusinessCard');
      // Never routed to the mail-in states of an unreadable or unknown card.
      expect(stack.views.filter((view) => view.seq > since).map((view) => view.error?.code)).not.toContain('UNKNOWN_CARD');
      expect(stack.views.filter((view) => view.seq > since).map((view) => view.error?.code)).not.toContain('CARD_UNREADABLE');
      await stack.remove();
      await stack.waitForView((view) => view.seq > failed.seq && view.screen === 'insertCard', 'idle after taking the card back');
    });
  }
});
