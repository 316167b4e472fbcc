// The load run's cards, made ahead and kept: the demo CA, a SoftHSM2 token per card, and
// nats-server's store with the registry's records of them, made with the servers stopped cleanly,
// plus the registry key that goes with the records. A run copies the kept set instead of making
// 2,000 tokens again; a set of M cards serves every run of at most M activations (mix.ts).
//
// The tokens are kept in folders of CARDS_PER_PART cards (`softhsm-parts/<part>`), so each kiosk
// host of a run gets a SoftHSM2 token folder of its own with only the cards it will be handed, as a
// kiosk's reader holds only the card in it: two processes never share a token folder.
//
// The set is named after the card count and a stamp of the files that decide what is stored (the
// registry's record and stream code, the demo token maker, the mix), so a set made by older code —
// records in a layout the registry would first migrate — is never used for a measurement.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { provisionCards } from '../../card/demo/provision.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { cardFor } from './mix.ts';
import { spawnRegistry, stopRegistries } from './registries.ts';

/** Cards one provisioning process makes: SoftHSM2 re-reads every token of its folder per new one, so small folders. */
export const CARDS_PER_PART = 100;
const PARTS = 'softhsm-parts';

/** The part (kept token folder) card `index` is in. */
export const partOf = (index: number) => Math.floor(index / CARDS_PER_PART);

const STORED_FORM = [
  'services/registry/card-stream.ts',
  'services/registry/card-record.ts',
  'services/registry/card-ledger.ts',
  'services/registry/registry-store.ts',
  'services/registry/registry-secrets.ts',
  'card/demo/provision.ts',
  'card/demo/card-token.ts',
  'tests/load/mix.ts',
  'tests/load/cards.ts',
];

async function stamp(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of STORED_FORM) hash.update(await readFile(fileURLToPath(new URL(`../../${file}`, import.meta.url))));
  return hash.digest('hex').slice(0, 10);
}

export interface KeptCards {
  dir: string;
  key: string;
  count: number;
  /** Seconds spent making them in this run; 0 when they were kept from an earlier one. */
  seconds: number;
}

/** A kept set of at least `count` cards made by the current code, or a new one of `count`. */
export async function provisionedCards(cacheRoot: string, count: number, registryCount: number): Promise<KeptCards> {
  const current = await stamp();
  const kept = (await readdir(cacheRoot).catch(() => [] as string[]))
    .map((name) => /^cards-(\d+)-([0-9a-f]+)$/.exec(name))
    .filter((match) => match !== null && match[2] === current && Number(match[1]) >= count)
    .map((match) => ({ dir: join(cacheRoot, match![0]), count: Number(match![1]) }))
    .sort((a, b) => a.count - b.count);
  for (const candidate of kept) {
    if (await stat(join(candidate.dir, 'provisioned')).then(() => true, () => false)) {
      return { ...candidate, key: (await readFile(join(candidate.dir, 'registry-key.hex'), 'utf8')).trim(), seconds: 0 };
    }
  }
  const dir = join(cacheRoot, `cards-${count}-${current}`);
  const making = `${dir}.making-${process.pid}`;
  await rm(making, { recursive: true, force: true });
  const key = randomBytes(32).toString('hex');
  const nats = await startNatsServer({ dataDir: join(making, 'nats'), name: 'load' });
  const registries = await Promise.all(Array.from({ length: Math.max(2, registryCount) }, () => spawnRegistry(nats.url, making, key)));
  const driver = await connect({ servers: nats.url, name: 'load-provision' });
  const started = performance.now();
  try {
    // The first part here: it makes the demo CA. Then the rest in parts of CARDS_PER_PART, each in
    // a process with a SoftHSM2 token folder of its own, a few processes at a time, all signed by
    // that CA and registered with the same registries (which hash the imported user codes side by
    // side); each part's tokens are moved into the one folder when it ends.
    const first = Math.min(count, CARDS_PER_PART);
    await provisionRange(making, driver, 0, first);
    await mkdir(join(making, PARTS));
    await rename(join(making, 'softhsm', 'tokens'), join(making, PARTS, '0'));
    await mkdir(join(making, 'softhsm', 'tokens'), { mode: 0o700 });
    const ranges: Array<readonly [number, number]> = [];
    for (let from = first; from < count; from += CARDS_PER_PART) ranges.push([from, Math.min(count, from + CARDS_PER_PART)]);
    let nextRange = 0;
    await Promise.all(
      Array.from({ length: Math.min(ranges.length, 2 * availableParallelism()) }, async () => {
        while (nextRange < ranges.length) {
          const [from, to] = ranges[nextRange++]!;
          await provisionPart(making, nats.url, key, from, to);
        }
      }),
    );
  } finally {
    await driver.close();
    await stopRegistries(registries);
    await nats.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await writeFile(join(making, 'registry-key.hex'), key, { mode: 0o600 });
  await writeFile(join(making, 'provisioned'), `${count} cards\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(making, dir);
  return { dir, key, count, seconds };
}

async function provisionPart(making: string, natsUrl: string, key: string, from: number, to: number): Promise<void> {
  const partDir = `${making}.part-${from}`;
  await rm(partDir, { recursive: true, force: true });
  // The CA and the rest of the data dir, without the tokens and nats-server's store.
  await cp(making, partDir, { recursive: true, filter: (source) => !/[/\\](nats|softhsm|softhsm-parts)([/\\]|$)/.test(source.slice(making.length)) });
  const child = fork(fileURLToPath(import.meta.url), ['provision-part', partDir, natsUrl, String(from), String(to)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REGISTRY_KEY: key },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`provisioning cards ${from}–${to - 1} exited with ${code}`);
  await rename(join(partDir, 'softhsm', 'tokens'), join(making, PARTS, String(partOf(from))));
  await rm(partDir, { recursive: true, force: true });
}

/**
 * A kiosk host's data dir beside a run's copy of the kept set (`runDir`, the dir's name with
 * `-host-<n>`): the CA, keys and the rest, and a SoftHSM2 token folder holding the tokens of
 * `parts` (moved, not copied).
 */
export async function hostDataDir(runDir: string, host: number, parts: readonly number[]): Promise<string> {
  const dir = `${runDir}-host-${host}`;
  await cp(runDir, dir, { recursive: true, filter: (source) => !/^[/\\](nats|softhsm|softhsm-parts)([/\\]|$)/.test(source.slice(runDir.length)) });
  const tokens = join(dir, 'softhsm', 'tokens');
  await mkdir(tokens, { recursive: true, mode: 0o700 });
  for (const part of parts) {
    const from = join(runDir, PARTS, String(part));
    for (const token of await readdir(from)) await rename(join(from, token), join(tokens, token));
  }
  return dir;
}

/** Cards `from` … `to − 1`: tokens under `dataDir`, records registered through `nc`, 100 at a time. */
async function provisionRange(dataDir: string, nc: NatsConnection, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 100) {
    const records = Array.from({ length: Math.min(100, to - at) }, (_, i) => cardFor(at + i).record);
    await provisionCards({ dataDir, records, nc, log: () => undefined });
  }
}

if (process.argv[2] === 'provision-part') {
  const [dataDir, natsUrl, from, to] = process.argv.slice(3);
  const nc = await connect({ servers: natsUrl!, name: 'load-provision-part', noAsyncTraces: true });
  await provisionRange(dataDir!, nc, Number(from), Number(to));
  await nc.close();
  process.exit(0);
}
