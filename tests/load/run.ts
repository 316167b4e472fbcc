// `npm run load -- --kiosks N[,N2,...] --activations M[,M2,...] [--registries R[,R2,...]]
// [--hosts H] [--in-flight C] [--cards K] [--cards-cache DIR] [--no-report]`: N simulated kiosks (real engines and card
// agents over SoftHSM2 tokens) doing M full activations on both paths, a share of them with a
// wrong user code or ID first and a share of revoked cards, against one nats-server and R registry
// instances (default 2; each its own process, production scrypt cost). The kiosks are spread over
// H kiosk host processes (default one per core, host.ts), so the load generator is not the
// ceiling; at most C activations run at once (default 64), every kiosk alive the whole run. The
// cards are made ahead, in parallel, and kept (cards.ts). Each (N, R) runs in a fresh coordinator
// process; the report — activations/s against the scrypt rate measured in the same run, the CPU
// each process spent, memory per kiosk, and the verdict read back from RA_EVENTS — goes to stdout
// and into docs/benchmarks.md (report.ts). Loopback only; every loop is bounded.
import { fork, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { hashUserCode, PRODUCTION_SCRYPT_COST } from '../../services/registry/registry-secrets.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { enrolledStaffToken } from '../support/staff-token.ts';
import { hostDataDir, partOf, provisionedCards } from './cards.ts';
import { judgeRun, readCardEvents } from './events.ts';
import type { FromHost, HostDone, HostStart, ToHost } from './host.ts';
import { scryptsOf, cardFor } from './mix.ts';
import { cpuSeconds, rssMb } from './proc.ts';
import { spawnRegistry, stopRegistries } from './registries.ts';
import { writeLoadReport, type CpuUse, type LoadResult } from './report.ts';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

/**
 * This machine's scrypt at the registry's production cost, measured now: one hash at a time (the
 * median of 5, ms); the rate with every core hashing (hashes/s: as many chains as cores, 6 hashes
 * each, on libuv's pool as the registry runs them); and the CPU time one hash took in that (s), from
 * which the rate of free cores follows — on a shared machine the wall-clock rate depends on what
 * else runs at that moment, the CPU time much less.
 */
async function measureScrypt(cores: number): Promise<{ oneMs: number; perSecond: number; cpuSeconds: number }> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await hashUserCode('Ld$Probe1', PRODUCTION_SCRYPT_COST);
    times.push(performance.now() - started);
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: cores }, async () => {
    for (let i = 0; i < 6; i++) await hashUserCode('Ld$Probe1', PRODUCTION_SCRYPT_COST);
  }));
  const cpu = process.cpuUsage(cpuBefore);
  return { oneMs: times.sort((a, b) => a - b)[2]!, perSecond: (6 * cores) / ((performance.now() - started) / 1000), cpuSeconds: (cpu.user + cpu.system) / 1e6 / (6 * cores) };
}

interface Host {
  child: ChildProcess;
  idle: Promise<{ rssBeforeMb: number; rssIdleMb: number; startSeconds: number }>;
  done: Promise<HostDone>;
  exited: Promise<unknown>;
}

/** Forks a kiosk host; `nextIndex` answers its asks for the next activation. */
function startHost(start: HostStart, nextIndex: () => number | null): Host {
  const child = fork(fileURLToPath(new URL('./host.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const failedExit = exited.then((code) => Promise.reject(new Error(`kiosk host ${start.first}… exited with ${String(code)}`)));
  failedExit.catch(() => undefined);
  let idle!: (value: { rssBeforeMb: number; rssIdleMb: number; startSeconds: number }) => void;
  let done!: (value: HostDone) => void;
  const idlePromise = new Promise<{ rssBeforeMb: number; rssIdleMb: number; startSeconds: number }>((resolve) => (idle = resolve));
  const donePromise = new Promise<HostDone>((resolve) => (done = resolve));
  child.on('message', (received: FromHost) => {
    if (received.type === 'next') child.send({ type: 'index', index: nextIndex() } satisfies ToHost);
    else if (received.type === 'idle') idle(received);
    else if (received.type === 'done') done(received);
  });
  child.send(start satisfies ToHost);
  return { child, idle: Promise.race([idlePromise, failedExit]), done: Promise.race([donePromise, failedExit]), exited };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function runOnce(kioskCount: number, activations: number, inFlight: number, registryCount: number, hostCount: number, cacheRoot: string, cardsNeeded: number): Promise<LoadResult> {
  const cards = await provisionedCards(cacheRoot, cardsNeeded, registryCount);
  const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-load-'));
  await cp(cards.dir, dataDir, { recursive: true });
  const nats = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'load' });
  process.env.REGISTRY_KEY = cards.key;
  const registries = await Promise.all(Array.from({ length: registryCount }, () => spawnRegistry(nats.url, dataDir, cards.key)));
  const driver = await connect({ servers: nats.url, name: 'load-coordinator' });
  const hosts: Host[] = [];
  try {
    const cores = availableParallelism();
    const scrypt = await measureScrypt(cores);
    const staffToken = await enrolledStaffToken(driver, dataDir, 'LOAD');

    // The kiosks in contiguous blocks, one per host; the activations in flight shared out the same
    // way. Each host has the token folder of every hostsUsed-th part of the cards (its own folder:
    // no two processes share one) and is handed those cards' activations, in order, as it asks.
    const hostsUsed = Math.max(1, Math.min(hostCount, kioskCount));
    const workers = Math.min(inFlight, kioskCount);
    const share = (total: number, i: number) => Math.floor((total * (i + 1)) / hostsUsed) - Math.floor((total * i) / hostsUsed);
    const partsUsed = Array.from({ length: partOf(activations - 1) + 1 }, (_, part) => part);
    for (let i = 0, first = 0; i < hostsUsed; first += share(kioskCount, i), i++) {
      const queue = Array.from({ length: activations }, (_, index) => index).filter((index) => partOf(index) % hostsUsed === i);
      const hostDir = await hostDataDir(dataDir, i, partsUsed.filter((part) => part % hostsUsed === i));
      hosts.push(startHost({ type: 'start', natsUrl: nats.url, dataDir: hostDir, first, count: share(kioskCount, i), inFlight: share(workers, i), staffToken }, () => queue.shift() ?? null));
    }
    const idle = await Promise.all(hosts.map((h) => h.idle));
    console.log(`kiosks idle (hosts started them in ${idle.map((m) => m.startSeconds.toFixed(0)).join(' / ')} s); activations start`);

    const processes = [...registries.map((r) => r.pid!), nats.pid, ...hosts.map((h) => h.child.pid!)];
    const cpuBefore = await Promise.all(processes.map(cpuSeconds));
    const started = performance.now();
    for (const h of hosts) h.child.send({ type: 'go' } satisfies ToHost);
    const done = await Promise.all(hosts.map((h) => h.done));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = await Promise.all(processes.map(cpuSeconds));
    const load = loadavg()[0]!;
    const used = (i: number): CpuUse => ({ main: cpuAfter[i]!.main - cpuBefore[i]!.main, others: cpuAfter[i]!.others - cpuBefore[i]!.others });

    const driverActivated = new Set(done.flatMap((d) => d.activatedCards));
    const verdict = judgeRun(activations, await readCardEvents(driver), driverActivated);

    const memoryMb: Record<string, number> = { 'nats-server': await rssMb(nats.pid) };
    for (const [i, registry] of registries.entries()) memoryMb[`registry ${i + 1}`] = await rssMb(registry.pid!);
    for (const [i, d] of done.entries()) memoryMb[`kiosk host ${i + 1} (${share(kioskCount, i)} kiosks)`] = d.rssEndMb;
    const steps: Record<string, number[]> = {};
    for (const d of done) for (const [step, samples] of Object.entries(d.steps)) (steps[step] ??= []).push(...samples);
    const retries: Record<string, number> = {};
    for (const d of done) for (const [step, count] of Object.entries(d.retries)) retries[step] = (retries[step] ?? 0) + count;
    let scrypts = 0;
    for (let index = 0; index < activations; index++) scrypts += scryptsOf(cardFor(index).kind);
    return {
      kiosks: kioskCount,
      registries: registryCount,
      hosts: hostsUsed,
      cores,
      activations,
      inFlight: workers,
      seconds,
      provisionSeconds: cards.seconds,
      cardsKept: cards.count,
      scryptOneMs: scrypt.oneMs,
      scryptPerSecond: scrypt.perSecond,
      scryptCpuMs: scrypt.cpuSeconds * 1000,
      // Over the cards the mix means to activate, so a failed run does not inflate it.
      scryptsPerActivation: scrypts / Math.max(1, verdict.expected),
      retries,
      kioskStartSeconds: Math.max(...idle.map((m) => m.startSeconds)),
      activated: verdict.activatedOnce,
      expected: verdict.expected,
      refusedAsExpected: sum(done.map((d) => d.refused)),
      failed: verdict.failed,
      lost: verdict.lost,
      doubled: verdict.doubled,
      migrated: verdict.migrated,
      driverFailures: done.flatMap((d) => d.failures),
      activationsPerSecond: verdict.activatedOnce / seconds,
      steps: Object.entries(steps).map(([step, values]) => ({ step, ...percentiles(values) })),
      registryCpu: registries.map((_, i) => used(i)),
      natsCpu: used(registries.length),
      hostCpu: hosts.map((_, i) => used(registries.length + 1 + i)),
      memoryMb,
      memoryPerKioskKb: (sum(idle.map((m) => m.rssIdleMb - m.rssBeforeMb)) * 1024) / kioskCount,
      loadAverage: load,
    };
  } finally {
    for (const h of hosts) if (h.child.connected) h.child.send({ type: 'stop' } satisfies ToHost);
    await Promise.all(hosts.map((h) => h.exited));
    await driver.close().catch(() => undefined);
    await stopRegistries(registries);
    await nats.stop();
    await rm(dataDir, { recursive: true, force: true });
    for (let i = 0; i < hostCount; i++) await rm(`${dataDir}-host-${i}`, { recursive: true, force: true });
  }
}

function percentiles(values: number[]): { count: number; p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: values.length, p50: at(0.5), p99: at(0.99) };
}

// ---------------------------------------------------------------------------------------------

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'one') {
  const [kiosks, activations, inFlight, registries, hosts, cacheRoot, cardsNeeded] = rest;
  const result = await runOnce(Number(kiosks), Number(activations), Number(inFlight), Number(registries), Number(hosts), cacheRoot!, Number(cardsNeeded));
  process.send?.(result);
  process.exit(0);
} else {
  const sizes = argument('kiosks', '10,100,1000').split(',').map(Number);
  const activationList = argument('activations', '').split(',').filter(Boolean).map(Number);
  // One count for every size, or one per size; by default as many as kiosks, at least 100.
  const activationsAt = (i: number) => activationList[activationList.length === 1 ? 0 : i] ?? Math.max(sizes[i]!, 100);
  const registryCounts = argument('registries', '2').split(',').map(Number);
  const hosts = Number(argument('hosts', String(availableParallelism())));
  const inFlight = Number(argument('in-flight', '64'));
  const cacheRoot = argument('cards-cache', join(tmpdir(), 'kiosk-load-cards'));
  // The kept set: enough for the largest run, or more (`--cards`) so later, larger runs find it made.
  const cardsNeeded = Math.max(Number(argument('cards', '0')), ...sizes.map((_, i) => activationsAt(i)));
  const results: LoadResult[] = [];
  for (const registryCount of registryCounts) {
    for (const [i, size] of sizes.entries()) {
      const activations = activationsAt(i);
      console.log(`\n=== ${size} kiosks on ${Math.min(hosts, size)} host process(es), ${registryCount} registry instance(s), ${activations} activations, at most ${inFlight} at once`);
      const child = fork(fileURLToPath(import.meta.url), ['one', String(size), String(activations), String(inFlight), String(registryCount), String(hosts), cacheRoot, String(cardsNeeded)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const result = await new Promise<LoadResult>((resolve, reject) => {
        child.once('message', (message) => resolve(message as LoadResult));
        child.once('exit', (code) => reject(new Error(`load run at ${size} exited with ${code}`)));
      });
      const { steps: _steps, ...summary } = result;
      console.log(JSON.stringify({ ...summary, failed: summary.failed.length, lost: summary.lost.length, doubled: summary.doubled.length, driverFailures: summary.driverFailures.slice(0, 5) }, null, 1));
      results.push(result);
      // After every run, so a long sweep stopped part-way still leaves the runs it finished;
      // `--no-report` prints only (a side measurement that must not replace the section).
      if (!process.argv.includes('--no-report')) await writeLoadReport(results, `npm run load -- ${process.argv.slice(2).join(' ')}`);
    }
  }
  const bad = results.some((r) => r.failed.length > 0 || r.lost.length > 0 || r.doubled.length > 0 || r.migrated > 0);
  process.exit(bad ? 1 : 0);
}
