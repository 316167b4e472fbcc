// The production PKCS#11 worker thread: reads cards and sets the PIN (docs/card-agent.md, "The
// worker protocol"). Nothing here makes tokens or keys; demo provisioning has a worker of its own
// (card/demo/pkcs11-demo.worker.ts).
import { CARD_OPERATIONS, serveWorker } from './pkcs11-operations.ts';

serveWorker(CARD_OPERATIONS);
