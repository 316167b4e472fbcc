// The card agent's long-term signing key (Ed25519): made on the agent's first start in
// `<DATA_DIR>/card-agent/<kiosk>.ed25519.pem` (directory 0700, file 0600) and enrolled with the
// registry for that kiosk (`ra.admin.enroll-agent`; `npm start` does it for its embedded kiosk, an
// operator does it in production with `npm run cards -- enroll-agent`). The registry seals SO
// credentials only to one-time keys this key signed (docs/security.md, "Card agent keys and card binding").
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawEd25519PublicKey } from '../platform/card-proofs.ts';

export interface AgentKey {
  readonly kioskId: string;
  readonly privateKey: KeyObject;
  /** Raw 32-byte Ed25519 public key, base64url: what is enrolled. */
  readonly publicKey: string;
  readonly path: string;
}

export function agentKeyPath(dataDir: string, kioskId: string): string {
  return join(dataDir, 'card-agent', `${kioskId}.ed25519.pem`);
}

/** Reads the kiosk's agent key, or makes it (once) when there is none. */
export async function loadOrCreateAgentKey(dataDir: string, kioskId: string): Promise<AgentKey> {
  const path = agentKeyPath(dataDir, kioskId);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(join(dataDir, 'card-agent'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      // `wx`: two agents starting at once must not each write a key and enroll different ones.
      await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      pem = await readFile(path, 'utf8');
    }
  }
  // A key file someone else can read is no proof of anything: keep it the owner's alone.
  await chmod(path, 0o600);
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  return { kioskId, privateKey, publicKey: rawEd25519PublicKey(privateKey), path };
}
