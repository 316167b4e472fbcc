// The staff-auth part as its own process (`npm run serve -- staff-auth`; `npm start` supervises it).
import { resolve } from 'node:path';
import { readConfig } from '../../platform/config.ts';
import { onShutdown } from '../../platform/lifecycle.ts';
import { createLogger } from '../../platform/log.ts';
import { connectPart } from '../../platform/nats-runtime.ts';
import { startStaffAuth } from './staff-auth.service.ts';
import { staffOrigin } from './staff-origin.ts';
import { authenticatorPolicyOf } from './authenticator-policy.ts';
import { loadStaffTokenKeys } from './staff-token.ts';

const log = createLogger('staff-auth');

async function main(): Promise<void> {
  const config = readConfig();
  const dataDir = resolve(config.dataDir);
  const nc = await connectPart(config, 'staff-auth');
  const origin = staffOrigin(config);
  const service = await startStaffAuth({
    nc,
    keys: await loadStaffTokenKeys(dataDir),
    origin,
    authenticators: authenticatorPolicyOf(config, origin),
    replicas: config.registryReplicas,
    log,
  });
  onShutdown([() => nc.drain(), () => service.stop()], (msg) => log.info(msg));
}

main().catch((error: unknown) => {
  process.stderr.write(`staff-auth failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
