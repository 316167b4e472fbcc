// The production PKCS#11 worker reads cards and sets PINs, and nothing else: demo provisioning
// (making tokens, keys, certificates) lives in card/demo's worker (docs/card-agent.md).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PKCS11_MODULE, PRODUCTION_WORKER_ENTRY, secretBytes, TokenClient } from '../../card/token/token.client.ts';
import { cardRecord, startTestTokens, type TestTokens } from '../support/softhsm.ts';

describe('the production PKCS#11 worker', () => {
  let dataDir: string;
  let production: TokenClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiosk-worker-boundary-'));
    // The demo worker makes the card, then finalizes: one owner of the PKCS#11 module at a time.
    const tokens: TestTokens = await startTestTokens(dataDir);
    await tokens.make(cardRecord('TW00000000000001'));
    await tokens.stop();
    production = new TokenClient(DEFAULT_PKCS11_MODULE, PRODUCTION_WORKER_ENTRY);
  });

  afterAll(async () => {
    await production?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads a card token', async () => {
    const read = await production.call({ op: 'read', token: { by: 'label', label: 'TW00000000000001' } });
    expect(read.token.label).toBe('TW00000000000001');
  });

  it('refuses to make a token, and none is made', async () => {
    const so = secretBytes('so-secret-1');
    const pin = secretBytes('123456');
    await expect(production.call({ op: 'create-token', label: 'TW00000000000002', soPin: so, userPin: pin }, [so, pin])).rejects.toThrow();
    const labels = (await production.call({ op: 'tokens' })).map((token) => token.label);
    expect(labels).not.toContain('TW00000000000002');
  });

  it('refuses to generate a key or write a certificate on an existing token', async () => {
    const pin = secretBytes('123456');
    await expect(
      production.call({ op: 'generate-key', token: { by: 'label', label: 'TW00000000000001' }, userPin: pin, id: '02', label: 'extra' }, [pin]),
    ).rejects.toThrow();
  });
});
