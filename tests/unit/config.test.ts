import { describe, expect, it } from 'vitest';
import { natsConnectOptions, natsUrlOf, readConfig } from '../../platform/config.ts';

describe('stack configuration', () => {
  it('uses the contract defaults', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ natsPort: 4222, natsWsPort: 9222, httpPort: 8080, kioskId: 'kiosk-1', cardReader: 'sim' });
    expect(config.dataDir).toMatch(/\.data$/);
    expect(natsUrlOf(config)).toBe('nats://127.0.0.1:4222');
  });

  it('takes every variable from the environment', () => {
    const config = readConfig({
      DATA_DIR: '/tmp/x',
      NATS_PORT: '5000',
      NATS_WS_PORT: '5001',
      HTTP_PORT: '5002',
      KIOSK_ID: 'counter-7',
      NATS_URL: 'nats://127.0.0.1:6000',
      CARD_READER: 'pcsc',
      NATS_USER: 'kiosk-k1',
      NATS_PASSWORD: 'pw',
      NATS_INBOX_PREFIX: '_INBOX_k1',
      REGISTRY_REPLICAS: '3',
      UI_HOST_NAMES: 'Kiosk-7.example.tw, localhost',
      KIOSK_BROWSER_UID: 'kiosk-display',
    });
    expect(config).toEqual({
      dataDir: '/tmp/x',
      natsPort: 5000,
      natsWsPort: 5001,
      httpPort: 5002,
      kioskId: 'counter-7',
      natsUrl: 'nats://127.0.0.1:6000',
      cardReader: 'pcsc',
      natsUser: 'kiosk-k1',
      natsPassword: 'pw',
      natsInboxPrefix: '_INBOX_k1',
      registryReplicas: 3,
      uiHostNames: ['kiosk-7.example.tw', 'localhost'],
      kioskBrowserUid: 'kiosk-display',
    });
    expect(natsUrlOf(config)).toBe('nats://127.0.0.1:6000');
    expect(natsConnectOptions(config, 'engine')).toMatchObject({
      servers: 'nats://127.0.0.1:6000',
      name: 'engine',
      user: 'kiosk-k1',
      pass: 'pw',
      inboxPrefix: '_INBOX_k1',
      maxReconnectAttempts: -1,
    });
  });

  it('connects without credentials in the embedded default', () => {
    const options = natsConnectOptions(readConfig({}), 'ui');
    expect(options).not.toHaveProperty('user');
    expect(options).not.toHaveProperty('inboxPrefix');
  });

  it.each([
    [{ NATS_PORT: 'abc' }, /NATS_PORT/],
    [{ HTTP_PORT: '70000' }, /HTTP_PORT/],
    [{ KIOSK_ID: 'Kiosk 1' }, /KIOSK_ID/],
    [{ CARD_READER: 'usb' }, /CARD_READER/],
    [{ UI_HOST_NAMES: 'evil.example/x' }, /UI_HOST_NAMES/],
    [{ REGISTRY_REPLICAS: '0' }, /REGISTRY_REPLICAS/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});
