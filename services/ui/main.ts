// The kiosk's HTTP part alone (`npm run serve -- ui`). Environment: NATS_URL / NATS_PORT,
// NATS_WS_PORT, HTTP_PORT, KIOSK_ID, CARD_READER, DATA_DIR.
import { readConfig } from '../../platform/config.ts';
import { onShutdown } from '../../platform/lifecycle.ts';
import { runUi } from './ui.service.ts';

const ui = await runUi(readConfig());
onShutdown([ui.stop]);
