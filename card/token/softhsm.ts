// SoftHSM2 stands in for the IC cards in the demo and the tests: one token per card, kept under
// `<DATA_DIR>/softhsm/tokens` with a generated `softhsm2.conf` beside it. SoftHSM2 reads the file
// named by SOFTHSM2_CONF when the module initialises, in whatever thread that happens; worker
// threads share the process's native environment, so setting it here before the first PKCS#11
// call is enough.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export function isSoftHsmModule(modulePath: string): boolean {
  return basename(modulePath).includes('softhsm');
}

export function softHsmPaths(dataDir: string): { dir: string; tokenDir: string; config: string } {
  const dir = join(dataDir, 'softhsm');
  return { dir, tokenDir: join(dir, 'tokens'), config: join(dir, 'softhsm2.conf') };
}

function configText(tokenDir: string): string {
  return [
    '# Written by the card agent: the demo cards of this data dir, one SoftHSM2 token each.',
    `directories.tokendir = ${tokenDir}`,
    'objectstore.backend = file',
    'log.level = ERROR',
    'slots.removable = false',
    'slots.mechanisms = ALL',
    'library.reset_on_fork = false',
    '',
  ].join('\n');
}

/** Creates the token dir and its config if missing and points SOFTHSM2_CONF at it; returns its path. */
export async function useSoftHsmDataDir(dataDir: string): Promise<string> {
  const { tokenDir, config } = softHsmPaths(dataDir);
  await mkdir(tokenDir, { recursive: true, mode: 0o700 });
  const wanted = configText(tokenDir);
  const current = await readFile(config, 'utf8').catch(() => undefined);
  if (current !== wanted) await writeFile(config, wanted, { mode: 0o600 });
  process.env.SOFTHSM2_CONF = config;
  return config;
}
