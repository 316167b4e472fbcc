// The embedded stack's NATS users and their credentials (docs/security.md, "Embedded stack").
import type { StackConfig } from '../../../platform/config.ts';
import type { NatsServerAccess } from '../../../platform/nats-server.ts';
import { serverUserEntries } from './credential-files.ts';
import { embeddedUsers } from './embedded-users.ts';

export * from './embedded-users.ts';
export * from './credential-files.ts';

/**
 * What locks `npm start`'s server: its users (credentials made on first start) and the page
 * origins whose websocket it accepts, the UI's own. `observer` is for the canary tests only
 * (STACK_TEST_OBSERVER=1): a user that reads everything.
 */
export async function embeddedServerAccess(
  config: Pick<StackConfig, 'dataDir' | 'kioskId' | 'cardReader' | 'httpPort' | 'uiHostNames'>,
  options: { observer?: boolean } = {},
): Promise<NatsServerAccess> {
  const users = embeddedUsers({ kioskId: config.kioskId, demoTray: config.cardReader === 'sim', observer: options.observer ?? false });
  const origins = ['127.0.0.1', 'localhost', ...config.uiHostNames].map((host) => `http://${host}:${config.httpPort}`);
  return { users: await serverUserEntries(config.dataDir, users), allowedOrigins: origins };
}
