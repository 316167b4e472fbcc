// One card agent against an existing nats-server, as production runs it (one unit per part).
// Environment: NATS_URL (default nats://127.0.0.1:$NATS_PORT), KIOSK_ID, DATA_DIR, CARD_READER
// (sim | pcsc), PKCS11_MODULE (default SoftHSM2), CARD_TOKEN_LABEL (PC/SC with SoftHSM2: the token
// standing for the card), CARD_NUMBER_FROM (label | serial), CARD_ISSUERS (the issuing CAs of
// business certificates, issuer O or CN, separated by `;`; unset: any).
import { readConfig } from '../platform/config.ts';
import { onShutdown } from '../platform/lifecycle.ts';
import { connectPart } from '../platform/nats-runtime.ts';
import { startCardAgent } from './agent.service.ts';

const config = readConfig();
const cardNumberFrom = process.env.CARD_NUMBER_FROM || 'label';
if (cardNumberFrom !== 'label' && cardNumberFrom !== 'serial') {
  throw new Error(`CARD_NUMBER_FROM must be "label" or "serial", got ${JSON.stringify(cardNumberFrom)}`);
}

const nc = await connectPart(config, `card-agent-${config.kioskId}`);
const agent = await startCardAgent({
  nc,
  kioskId: config.kioskId,
  dataDir: config.dataDir,
  reader: config.cardReader,
  cardNumberFrom,
  ...(process.env.PKCS11_MODULE ? { pkcs11Module: process.env.PKCS11_MODULE } : {}),
  ...(process.env.CARD_TOKEN_LABEL ? { tokenLabel: process.env.CARD_TOKEN_LABEL } : {}),
  ...(process.env.CARD_ISSUERS ? { cardIssuers: process.env.CARD_ISSUERS.split(';').map((name) => name.trim()).filter((name) => name !== '') } : {}),
});
const stopAll = onShutdown([() => nc.drain(), () => agent.stop()], (msg) => process.stderr.write(`card-agent: ${msg}\n`));
// An agent whose service ended answers nothing: exit non-zero so systemd starts it again.
void agent.failed.then(() => stopAll().then(() => process.exit(1)));
