// The PKCS#11 worker of a demo kiosk (`npm start`, `npm run cards`): the card operations plus
// making demo tokens. Chosen by token.client.ts once any demo module is loaded (useDemoWorker).
import { CARD_OPERATIONS, serveWorker } from '../token/pkcs11-operations.ts';
import { DEMO_OPERATIONS } from './pkcs11-demo-operations.ts';

serveWorker({ ...CARD_OPERATIONS, ...DEMO_OPERATIONS });
