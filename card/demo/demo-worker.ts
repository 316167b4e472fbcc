// Importing any demo-provisioning module makes this process's PKCS#11 worker the demo one (card
// operations plus making tokens), so `npm start`, `npm run cards` and the tests that provision
// cards share one worker with their card agent; card/main.ts never imports card/demo, so a
// production kiosk's worker cannot make tokens or keys.
import { entryBeside } from '../../platform/source-or-build.ts';
import { useDemoWorker } from '../token/token.client.ts';

useDemoWorker(entryBeside(import.meta.url, 'pkcs11-demo.worker'));
