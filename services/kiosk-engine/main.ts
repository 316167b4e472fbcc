// One kiosk engine against an existing nats-server, as production runs it (one unit per part).
// Environment: NATS_URL (default nats://127.0.0.1:$NATS_PORT), KIOSK_ID, and the staff token's
// public key (STAFF_TOKEN_PUBLIC_KEY, else the key in DATA_DIR). Reconnects forever: the
// engine outlives a nats-server restart, and its session lives in KV in any case.
import { readConfig } from '../../platform/config.ts';
import { onShutdown } from '../../platform/lifecycle.ts';
import { createLogger } from '../../platform/log.ts';
import { connectPart } from '../../platform/nats-runtime.ts';
import { startEngine } from './engine.service.ts';

const config = readConfig();
const log = createLogger('engine');
const nc = await connectPart(config, `engine-${config.kioskId}`);
const engine = await startEngine({ nc, kioskId: config.kioskId, log, dataDir: config.dataDir });
onShutdown([() => nc.drain(), () => engine.stop()], (msg) => log.info(msg));
