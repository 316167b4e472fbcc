// `npm run load -- --kiosks N[,N2,...] --activations M [--registries R[,R2,...]]`: N simulated
// kiosks (real engines and card agents over SoftHSM2 tokens, in one process) doing M full
// activations on both paths, a share of them with a wrong user code or ID first and a share of
// revoked cards, against one nats-server and R registry instances (default 2; each its own
// process, production scrypt cost). At most --in-flight activations run at once (default 64):
// every kiosk is alive the whole run, as many are busy as people at the counters would keep busy.
// The cards are provisioned before the kiosks start, several batches at once so that the
// registries hash the imported user codes in parallel. Each (N, R) runs in a fresh process; the
// report — activations/s against the scrypt bound (one scrypt per verify, one more per new user
// code), registry CPU, memory per kiosk — goes to stdout and into docs/benchmarks.md. Loopback
// only; every loop is bounded.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CardImportRecord, View } from '../../machines/contract/index.ts';
import { provisionCards } from '../../card/demo/provision.ts';
import { hashUserCode, PRODUCTION_SCRYPT_COST } from '../../services/registry/registry-secrets.ts';
import { startRegistry } from '../../services/registry/registry.service.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { until } from '../support/until.ts';
import { startKiosks, type SimulatedKiosk } from './kiosks.ts';
import { writeLoadReport, type LoadResult } from './report.ts';

const SELF = 'Ld$Code1';
const WRONG = 'Ld$Wrng2';
const ID = 'A123456789';
const WRONG_ID = 'F131104093';
const BIRTH = '1980-05-17';
const PIN = 'Ld!Pin12';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

// ---------------------------------------------------------------------------------------------
// A registry instance, in its own process.

async function registryHost(natsUrl: string, dataDir: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, name: 'load-registry', noAsyncTraces: true });
  const registry = await startRegistry({ nc, dataDir, log: () => undefined });
  process.send?.('ready');
  process.once('SIGTERM', () => void registry.stop().then(() => nc.drain()).then(() => process.exit(0)));
}

async function spawnRegistry(natsUrl: string, dataDir: string, key: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['registry-host', natsUrl, dataDir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REGISTRY_KEY: key },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`registry host exited with ${code}`)));
  });
  return child;
}

// ---------------------------------------------------------------------------------------------
// /proc readings: CPU seconds and resident memory of a process.

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim();
  return (Number(fields[11]) + Number(fields[12])) / Number(ticks || 100);
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// ---------------------------------------------------------------------------------------------
// One activation, as the person at the kiosk does it, timing every step.

type Kind = 'self' | 'bundled' | 'self-wrong-first' | 'bundled-wrong-first' | 'revoked';
const KINDS: Kind[] = ['self', 'bundled', 'self', 'bundled', 'self-wrong-first', 'bundled', 'self', 'bundled-wrong-first', 'self', 'bundled', 'revoked', 'self', 'bundled', 'self', 'bundled', 'self', 'bundled', 'self', 'bundled', 'revoked'];

function cardFor(index: number): { cardNumber: string; kind: Kind; record: CardImportRecord } {
  const cardNumber = `TL${String(index).padStart(14, '0')}`;
  const kind = KINDS[index % KINDS.length]!;
  const common = { cardNumber, holderName: '負載公司', ubn: '97969933', email: 'load@example.com.tw', validFrom: '2026-01-01T00:00:00Z', validTo: '2031-01-01T00:00:00Z', status: kind === 'revoked' ? 'revoked' : 'issued' } as const;
  const record = (kind.startsWith('bundled')
    ? { ...common, route: 'registration-bundled', responsibleId: ID, birthDate: BIRTH }
    : { ...common, route: 'self-applied', userCode: SELF }) as CardImportRecord;
  return { cardNumber, kind, record };
}

/**
 * Scrypt hashes the registry computes for one activation of this kind: a self-applied verify
 * compares the user code's hash (the wrong first try too); a registration-bundled verify compares
 * the ID's keyed MAC (no scrypt) and its accept hashes the new user code; a revoked card is refused
 * at identify, before any (services/registry/activation-operations.ts).
 */
function scryptsOf(kind: Kind): number {
  if (kind === 'revoked') return 0;
  if (kind.startsWith('bundled')) return 1;
  return kind === 'self-wrong-first' ? 2 : 1;
}

/** One production-cost scrypt on this machine, in seconds: the median of a few, one at a time. */
async function scryptSeconds(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await hashUserCode('Ld$Probe1', PRODUCTION_SCRYPT_COST);
    times.push((performance.now() - started) / 1000);
  }
  return times.sort((a, b) => a - b)[3]!;
}

/**
 * The M cards of a run, provisioned once and kept (`--cards-cache`, default in the temp folder):
 * the demo CA, a SoftHSM2 token per card, and nats-server's store with the registry's records of
 * them, made with the servers stopped cleanly, plus the registry key that goes with the records.
 * A run copies it instead of making 2,000 tokens again. The records depend only on M
 * (`cardFor`), so one kept set serves every run with the same --activations.
 */
async function provisionedCards(cacheRoot: string, activations: number, registryCount: number): Promise<{ dir: string; key: string; seconds: number }> {
  const dir = join(cacheRoot, `cards-${activations}`);
  const done = join(dir, 'provisioned');
  if (await stat(done).then(() => true, () => false)) {
    return { dir, key: (await readFile(join(dir, 'registry-key.hex'), 'utf8')).trim(), seconds: 0 };
  }
  const making = `${dir}.making-${process.pid}`;
  await rm(making, { recursive: true, force: true });
  const key = randomBytes(32).toString('hex');
  const nats = await startNatsServer({ dataDir: join(making, 'nats'), name: 'load' });
  const registries = await Promise.all(Array.from({ length: Math.max(2, registryCount) }, () => spawnRegistry(nats.url, making, key)));
  const driver = await connect({ servers: nats.url, name: 'load-provision' });
  const started = performance.now();
  try {
    // The first batch here: it makes the demo CA. Then the rest in several processes at once, each
    // with a SoftHSM2 token folder of its own (one folder's every new token makes SoftHSM2 read all
    // the others again, so one folder grows as the square of the cards), all signed by that CA and
    // registered with the same registries; their tokens are moved into the one folder after.
    const first = Math.min(activations, 100);
    await provisionRange(making, driver, 0, first);
    const parts = Math.max(4, 2 * availableParallelism());
    const per = Math.ceil((activations - first) / parts);
    const ranges = Array.from({ length: parts }, (_, i) => [first + i * per, Math.min(activations, first + (i + 1) * per)] as const).filter(([from, to]) => to > from);
    await Promise.all(
      ranges.map(async ([from, to], i) => {
        const partDir = `${making}.part-${i}`;
        await rm(partDir, { recursive: true, force: true });
        // The CA and the rest of the data dir, without the tokens and nats-server's store.
        await cp(making, partDir, { recursive: true, filter: (source) => !/[/\\](nats|softhsm)([/\\]|$)/.test(source.slice(making.length)) });
        const child = fork(fileURLToPath(import.meta.url), ['provision-part', partDir, nats.url, String(from), String(to)], {
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, REGISTRY_KEY: key },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        if (code !== 0) throw new Error(`provisioning cards ${from}–${to - 1} exited with ${code}`);
        const tokens = join(partDir, 'softhsm', 'tokens');
        for (const token of await readdir(tokens)) await rename(join(tokens, token), join(making, 'softhsm', 'tokens', token));
        await rm(partDir, { recursive: true, force: true });
      }),
    );
  } finally {
    await driver.close();
    await stopRegistries(registries);
    await nats.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await writeFile(join(making, 'registry-key.hex'), key, { mode: 0o600 });
  await writeFile(join(making, 'provisioned'), `${activations} cards\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(making, dir);
  return { dir, key, seconds };
}

/** Cards `from` … `to − 1`: tokens under `dataDir`, records registered through `nc`, 100 at a time. */
async function provisionRange(dataDir: string, nc: NatsConnection, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 100) {
    const records = Array.from({ length: Math.min(100, to - at) }, (_, i) => cardFor(at + i).record);
    await provisionCards({ dataDir, records, nc, log: () => undefined });
  }
}

async function stopRegistries(registries: ChildProcess[]): Promise<void> {
  for (const child of registries) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

const on = (screen: View['screen']) => (view: View) => view.screen === screen;
const failedWith = (code: string) => (view: View) => view.error?.code === code;

async function activate(kiosk: SimulatedKiosk, index: number, time: (step: string, ms: number) => void): Promise<'activated' | 'refused'> {
  const { cardNumber, kind } = cardFor(index);
  const timed = async (step: string, run: () => Promise<View>) => {
    const started = performance.now();
    const view = await run();
    time(step, performance.now() - started);
    return view;
  };
  if (kind === 'revoked') {
    await timed('insert → refused 4931 (read, identify)', () => kiosk.step('insert', (v) => v.error?.code === '4931', cardNumber));
    await timed('remove → idle', () => kiosk.step('remove', on('insertCard')));
    return 'refused';
  }
  const bundled = kind.startsWith('bundled');
  await timed('insert → choose path (read, identify)', () => kiosk.step('insert', (v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, cardNumber));
  await kiosk.step({ type: 'user.choosePath', path: bundled ? 'registration-bundled' : 'self-applied' }, on(bundled ? 'enterResponsibleId' : 'enterUserCode'));
  if (kind.endsWith('wrong-first')) {
    const wrong = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: WRONG_ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: WRONG };
    await timed('verify refused (3005)', () => kiosk.step(wrong, failedWith('3005')));
  }
  const right = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: SELF };
  await timed('verify', () => kiosk.step(right, on('confirmCardData')));
  if (bundled) {
    await kiosk.step({ type: 'user.confirmCardData' }, on('enterContact'));
    await timed('accept (with new user code)', () =>
      kiosk.step({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Ld#NewUc1', userCodeConfirm: 'Ld#NewUc1' }, on('enterPin')),
    );
  } else {
    await timed('accept', () => kiosk.step({ type: 'user.confirmCardData' }, on('enterPin')));
  }
  await timed('PIN grant, C_InitPIN, complete', () => kiosk.step({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN }, on('activated')));
  await timed('remove → idle', () => kiosk.step('remove', on('insertCard')));
  return 'activated';
}

// ---------------------------------------------------------------------------------------------
// One run at one N, in this process.

async function runOnce(kioskCount: number, activations: number, inFlight: number, registryCount: number, cacheRoot: string): Promise<LoadResult> {
  const cards = await provisionedCards(cacheRoot, activations, registryCount);
  const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-load-'));
  await cp(cards.dir, dataDir, { recursive: true });
  const nats = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'load' });
  const key = cards.key;
  process.env.REGISTRY_KEY = key;
  const registries = await Promise.all(Array.from({ length: registryCount }, () => spawnRegistry(nats.url, dataDir, key)));
  const driver = await connect({ servers: nats.url, name: 'load-driver' });
  const parts = await Promise.all(Array.from({ length: Math.max(1, Math.ceil(kioskCount / 100)) }, (_, i) => connect({ servers: nats.url, name: `load-parts-${i}` })));
  try {
    const provisionSeconds = cards.seconds;
    const scrypt = await scryptSeconds();

    const rssBefore = await rssMb(process.pid);
    const fleet = await startKiosks({ count: kioskCount, dataDir, partsConnections: parts, driver });
    await until(async () => {
      const probe = await Promise.all(fleet.kiosks.map((k) => driver.request(`kiosk.${k.id}.view.get`, new Uint8Array(), { timeout: 30_000 }).then((m) => m.json<View>().screen)));
      return probe.every((screen) => screen === 'insertCard');
    }, 'every kiosk idle', { giveUpMs: 300_000, everyMs: 500 });
    const rssKiosks = await rssMb(process.pid);

    const steps = new Map<string, number[]>();
    const time = (step: string, ms: number) => {
      const samples = steps.get(step);
      if (samples === undefined) steps.set(step, [ms]);
      else samples.push(ms);
    };
    const failures: string[] = [];
    let activated = 0;
    let refused = 0;
    const registryCpu0 = await Promise.all(registries.map((r) => cpuSeconds(r.pid!)));
    const started = performance.now();
    let next = 0;
    const workers = Math.min(inFlight, kioskCount);
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        // Worker w drives kiosks w, w + workers, …, so every kiosk serves and none serves twice at once.
        for (let turn = 0; next < activations; turn++) {
          const index = next++;
          const owned = Math.ceil((kioskCount - worker) / workers);
          const kiosk = fleet.kiosks[worker + (turn % owned) * workers]!;
          try {
            if ((await activate(kiosk, index, time)) === 'activated') activated++;
            else refused++;
          } catch (error) {
            failures.push(`${cardFor(index).cardNumber}: ${(error as Error).message}`);
            await kiosk.reset();
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const registryCpu1 = await Promise.all(registries.map((r) => cpuSeconds(r.pid!)));

    // The records: one activated and one accepted event per activated card, none for the rest.
    const jsm = await jetstreamManager(driver);
    const perCard = new Map<string, number>();
    const info = await jsm.streams.info('RA_EVENTS');
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage('RA_EVENTS', { seq }).catch(() => null);
      if (msg === null) continue;
      // The type is the body's (a change message's subject ends in `.change`, docs/registry.md).
      const { cardNumber: card, type } = msg.json<{ cardNumber: string; type: string }>();
      if (type === 'activated' || type === 'accepted') perCard.set(`${card}.${type}`, (perCard.get(`${card}.${type}`) ?? 0) + 1);
    }
    let doubled = 0;
    let lost = 0;
    for (let index = 0; index < activations; index++) {
      const { cardNumber, kind } = cardFor(index);
      for (const type of ['activated', 'accepted']) {
        const count = perCard.get(`${cardNumber}.${type}`) ?? 0;
        const expected = kind === 'revoked' || failures.some((f) => f.startsWith(cardNumber)) ? count : 1;
        if (count > 1) doubled++;
        if (count < expected || (kind !== 'revoked' && !failures.some((f) => f.startsWith(cardNumber)) && count === 0)) lost++;
        if (kind === 'revoked' && count > 0) doubled++;
      }
    }

    const memory: Record<string, number> = {
      'kiosk host (driver, engines, card agents)': await rssMb(process.pid),
      'nats-server': await rssMb(nats.pid),
    };
    for (const [i, registry] of registries.entries()) memory[`registry ${i + 1}`] = await rssMb(registry.pid!);
    let scrypts = 0;
    for (let index = 0; index < activations; index++) scrypts += scryptsOf(cardFor(index).kind);
    const cores = availableParallelism();
    // The ceiling: every core hashing, nothing else. Activations/s = hashes/s ÷ hashes per activation.
    const perActivation = scrypts / Math.max(1, activated);
    const scryptBound = cores / scrypt / perActivation;
    // Each registry instance hashes on its own libuv pool (4 threads): R instances use at most 4R cores.
    const boundWithCores = (manyCores: number) => Math.min(manyCores, 4 * registryCount) / scrypt / perActivation;
    await fleet.stop();
    return {
      kiosks: kioskCount,
      registries: registryCount,
      scryptMs: scrypt * 1000,
      scryptsPerActivation: perActivation,
      scryptBound,
      boundWith16Cores: boundWithCores(16),
      activations,
      inFlight: workers,
      seconds,
      provisionSeconds,
      activated,
      refused,
      failures,
      lost,
      doubled,
      activationsPerSecond: activated / seconds,
      steps: [...steps].map(([step, values]) => ({ step, ...percentiles(values) })),
      registryCpuPercent: registryCpu1.map((value, i) => (100 * (value - registryCpu0[i]!)) / seconds),
      memoryMb: memory,
      memoryPerKioskKb: ((rssKiosks - rssBefore) * 1024) / kioskCount,
      cores,
    };
  } finally {
    await Promise.allSettled([driver.close(), ...parts.map((p) => p.close())]);
    await stopRegistries(registries);
    await nats.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function percentiles(values: number[]): { count: number; p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: values.length, p50: at(0.5), p99: at(0.99) };
}

// ---------------------------------------------------------------------------------------------

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'registry-host') {
  await registryHost(rest[0]!, rest[1]!);
} else if (mode === 'provision-part') {
  const nc = await connect({ servers: rest[1]!, name: 'load-provision-part', noAsyncTraces: true });
  await provisionRange(rest[0]!, nc, Number(rest[2]), Number(rest[3]));
  await nc.close();
  process.exit(0);
} else if (mode === 'one') {
  const result = await runOnce(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]), rest[4]!);
  process.send?.(result);
  process.exit(0);
} else {
  const sizes = argument('kiosks', '10,100,1000').split(',').map(Number);
  const registryCounts = argument('registries', '2').split(',').map(Number);
  const inFlight = Number(argument('in-flight', '64'));
  const cacheRoot = argument('cards-cache', join(tmpdir(), 'kiosk-load-cards'));
  const results: LoadResult[] = [];
  for (const registryCount of registryCounts) {
    for (const size of sizes) {
      const activations = Number(argument('activations', String(Math.max(size, 100))));
      console.log(`\n=== ${size} kiosks, ${registryCount} registry instance(s), ${activations} activations, at most ${inFlight} at once`);
      const child = fork(fileURLToPath(import.meta.url), ['one', String(size), String(activations), String(inFlight), String(registryCount), cacheRoot], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const result = await new Promise<LoadResult>((resolve, reject) => {
        child.once('message', (message) => resolve(message as LoadResult));
        child.once('exit', (code) => reject(new Error(`load run at ${size} exited with ${code}`)));
      });
      console.log(JSON.stringify(result, null, 1));
      results.push(result);
    }
  }
  await writeLoadReport(results);
  const bad = results.some((r) => r.failures.length > 0 || r.lost > 0 || r.doubled > 0);
  process.exit(bad ? 1 : 0);
}
