// Importing any demo-provisioning module makes this process's PKCS#11 worker the demo one (card
// operations plus making tokens), so `npm start`, `npm run cards` and the tests that provision
// cards share one worker with their card agent; card/main.ts never imports card/demo, so a
// production kiosk's worker cannot make tokens or keys.
import { useDemoWorker } from '../token/token.client.ts';

const RUNS_FROM_SOURCE = import.meta.url.endsWith('.ts');
useDemoWorker(new URL(RUNS_FROM_SOURCE ? './pkcs11-demo.worker.ts' : './pkcs11-demo.worker.mjs', import.meta.url));
