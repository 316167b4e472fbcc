// Writes the load run's section of docs/benchmarks.md (between its markers), leaving the rest of
// the report (the benchmarks' section, the hand-written part) as it is.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HASHING_THREADS } from '../../services/registry/registry-secrets.ts';

/** CPU seconds a process spent during the run: its main thread and its other threads. */
export interface CpuUse {
  main: number;
  others: number;
}

export interface LoadResult {
  kiosks: number;
  /** Registry instances, each its own process. */
  registries: number;
  /** Kiosk host processes the kiosks were spread over. */
  hosts: number;
  cores: number;
  activations: number;
  inFlight: number;
  seconds: number;
  /** Making the cards (tokens and records) in this run; 0 when they were kept from an earlier one. */
  provisionSeconds: number;
  /** Cards in the kept set the run used (at least `activations`). */
  cardsKept: number;
  /** One production-cost scrypt, one at a time, measured in this run (median of 5). */
  scryptOneMs: number;
  /** Production-cost scrypt hashes per second with every core hashing, measured in this run. */
  scryptPerSecond: number;
  /** CPU time of one production-cost scrypt in that measurement, ms: cores ÷ this is the rate of free cores. */
  scryptCpuMs: number;
  /** Scrypt hashes per activated card in this mix (verifies, wrong first tries, new user codes). */
  scryptsPerActivation: number;
  /** Cards with exactly one accepted and one activated event on RA_EVENTS. */
  activated: number;
  /** Cards of the run that should end activated. */
  expected: number;
  refusedAsExpected: number;
  /** From RA_EVENTS: cards without their events, of those the ones the driver saw activated, and doubles. */
  failed: string[];
  lost: string[];
  doubled: string[];
  migrated: number;
  /** What the driver saw go wrong (the step and code), for the reader of a failed run. */
  driverFailures: string[];
  activationsPerSecond: number;
  /** "Try again" presses after 3125 (the registry did not answer within the kiosk's timeout), per step. */
  retries: Record<string, number>;
  /** Seconds the slowest host took to start its kiosks and see them all idle. */
  kioskStartSeconds: number;
  steps: Array<{ step: string; count: number; p50: number; p99: number }>;
  registryCpu: CpuUse[];
  natsCpu: CpuUse;
  hostCpu: CpuUse[];
  memoryMb: Record<string, number>;
  memoryPerKioskKb: number;
  loadAverage: number;
}

export const REPORT = join(fileURLToPath(new URL('../../docs/', import.meta.url)), 'benchmarks.md');

/** The machine, as every section of the report names it. */
export function machine(): string {
  const [one, five, fifteen] = loadavg().map((value) => value.toFixed(2));
  return `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ${one} / ${five} / ${fifteen} at the end of the run (the machine is shared: other work runs beside it)`;
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` (or appends the section). */
export async function replaceSection(name: string, body: string): Promise<void> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = await readFile(REPORT, 'utf8').catch(() => '# Benchmarks and load\n\nWritten by `npm run bench` and `npm run load`; each section says when and on what it ran.\n');
  const section = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text = from >= 0 && to > from ? text.slice(0, from) + section + text.slice(to + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(REPORT, text);
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const total = (use: CpuUse) => use.main + use.others;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Activations/s with every core of this machine hashing and nothing else: cores ÷ CPU a hash ÷ hashes a card. */
export function scryptBound(r: LoadResult): number {
  return r.cores / (r.scryptCpuMs / 1000) / r.scryptsPerActivation;
}

/** CPU milliseconds per activated card: the registries' main threads, their other threads, nats-server. */
export function cpuPerActivation(r: LoadResult): { main: number; pool: number; nats: number; hosts: number } {
  const per = (seconds: number) => (1000 * seconds) / Math.max(1, r.activated);
  return {
    main: per(sum(r.registryCpu.map((c) => c.main))),
    pool: per(sum(r.registryCpu.map((c) => c.others))),
    nats: per(total(r.natsCpu)),
    hosts: per(sum(r.hostCpu.map(total))),
  };
}

/**
 * Activations/s that R instances could answer on a machine of `cores` cores given to the
 * registries and nats-server (the kiosks are elsewhere, as in the field), from this run's CPU per
 * activation: each instance's main thread is one core at most, so R ÷ main; its other threads
 * (where scrypt runs, on at most HASHING_THREADS of libuv's pool: 3 of the default 4) at most that
 * many cores, so HASHING_THREADS·R ÷ pool; and all of it together at most the cores, so
 * cores ÷ (main + pool + nats-server). The least of the three. A node that sets UV_THREADPOOL_SIZE
 * to its cores + 1 (docs/deployment.md) lifts the middle bound to its cores.
 */
export function projection(r: LoadResult, registries: number, cores: number): { rate: number; bound: string } {
  const cpu = cpuPerActivation(r);
  const limits = [
    { rate: (1000 * registries) / cpu.main, bound: 'main threads' },
    { rate: (1000 * HASHING_THREADS * registries) / cpu.pool, bound: 'hashing threads' },
    { rate: (1000 * cores) / (cpu.main + cpu.pool + cpu.nats), bound: 'cores' },
  ];
  return limits.reduce((a, b) => (b.rate < a.rate ? b : a));
}

export async function writeLoadReport(results: LoadResult[], command: string): Promise<void> {
  const lines: string[] = [];
  const biggest = results.reduce((a, b) => (b.kiosks * 1e6 + b.activations > a.kiosks * 1e6 + a.activations ? b : a), results[0]!);
  lines.push('## Load: many kiosks, registry instances side by side (`npm run load`)', '');
  lines.push(`Run ${new Date().toISOString()} on ${machine()}.`, '', `Command: \`${command}\``, '');
  lines.push(
    'Every kiosk is a real engine and a real card agent (simulated reader, SoftHSM2 token per card); the kiosks are spread over kiosk host processes (one per core unless `--hosts` says otherwise), each with its own driver playing the people at its kiosks, and the coordinator hands out the activations one at a time, so no host idles while another has a queue. One nats-server; the given number of registry instances, each its own process, at the production scrypt cost. The cards are made ahead (tokens and records, in processes of 100 cards side by side) and kept for later runs; a set made by older registry code is not used. Activations follow both paths; one in ten starts with a wrong user code or ID (3005) and one in ten is a revoked card (4931). At most the given number of activations run at once; every kiosk is alive throughout.',
    '',
    'A step that asks the registry and gets 3125 (the registry did not answer within the kiosk\'s timeout, or its queue of comparisons was full: "try again") is tried again as the person at the kiosk would, up to 5 times, and counted; the activation fails on any other unexpected error. Activated, failed, lost and doubled are read back from RA_EVENTS after the run, not taken from the driver: a card that should end activated counts as activated with exactly one `accepted` and one `activated` event; failed without them; lost if the driver saw it reach the activated screen but its events are missing; doubled with more than one, or a revoked card with any.',
    '',
    'The scrypt bound is the ceiling: production-cost hashes per second with every core of this machine hashing and nothing else, divided by the hashes one activation of this mix needs (one per self-applied verify, the wrong first tries included; one per new user code, which each registration-bundled card gets at acceptance; the bundled path\'s ID check is a keyed MAC, no scrypt). The hashes are measured in the same run, before the kiosks start, with as many chains as cores: "free cores" is the cores divided by the CPU time one hash took there (what the cores give when nothing else runs); "wall clock" is the rate those chains reached at that moment, which on a shared machine also says how busy it was. The kiosks, their drivers and nats-server share the same cores as the registries, so the activations stay under the free-core bound.',
    '',
  );
  lines.push('| kiosks | hosts | registries | activations | at once | activated (RA_EVENTS) | refused as expected | failed | lost | doubled | "try again" after 3125 | kiosks started in | seconds | activations/s | scrypt bound, free cores | ÷ bound | scrypt bound, wall clock | ÷ bound | memory per kiosk | cards |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const free = scryptBound(r);
    const wall = r.scryptPerSecond / r.scryptsPerActivation;
    lines.push(
      `| ${r.kiosks} | ${r.hosts} | ${r.registries} | ${r.activations} | ${r.inFlight} | ${r.activated} of ${r.expected} | ${r.refusedAsExpected} | ${r.failed.length} | ${r.lost.length} | ${r.doubled.length} | ${sum(Object.values(r.retries))} | ${r.kioskStartSeconds.toFixed(0)} s | ${r.seconds.toFixed(0)} | ${r.activationsPerSecond.toFixed(2)} | ${free.toFixed(1)}/s (${r.cores} cores ÷ ${r.scryptCpuMs.toFixed(0)} ms CPU a hash ÷ ${r.scryptsPerActivation.toFixed(2)} a card) | ×${(r.activationsPerSecond / free).toFixed(2)} | ${wall.toFixed(1)}/s (${r.scryptPerSecond.toFixed(1)} hashes/s; one alone ${r.scryptOneMs.toFixed(0)} ms) | ×${(r.activationsPerSecond / wall).toFixed(2)} | ${r.memoryPerKioskKb.toFixed(0)} KB | ${r.provisionSeconds > 0 ? `${r.cardsKept} made in ${r.provisionSeconds.toFixed(0)} s` : `${r.cardsKept} kept`} |`,
    );
  }
  lines.push('', '### CPU over the run', '');
  lines.push('Process CPU time (user + system, from `/proc/<pid>/task/*/stat`) between the first activation handed out and the last one done, per activated card and as a share of one core. A registry\'s main thread is its event loop; its other threads are libuv\'s pool (scrypt) and V8\'s helpers (garbage collection).', '');
  lines.push('| kiosks | registries | registry main threads, ms per activation | registry other threads, ms per activation | nats-server, ms per activation | kiosk hosts, ms per activation | each registry, % of a core (main + others) | nats-server, % of a core | each kiosk host, % of a core |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const cpu = cpuPerActivation(r);
    const share = (use: CpuUse) => `${((100 * use.main) / r.seconds).toFixed(0)} + ${((100 * use.others) / r.seconds).toFixed(0)}`;
    lines.push(
      `| ${r.kiosks} | ${r.registries} | ${cpu.main.toFixed(1)} | ${cpu.pool.toFixed(1)} | ${cpu.nats.toFixed(1)} | ${cpu.hosts.toFixed(1)} | ${r.registryCpu.map(share).join(' / ')} | ${((100 * total(r.natsCpu)) / r.seconds).toFixed(0)} | ${r.hostCpu.map((c) => ((100 * total(c)) / r.seconds).toFixed(0)).join(' / ')} |`,
    );
  }
  lines.push('', '### Steps (ms, p50 / p99)', '');
  const stepNames = [...new Set(results.flatMap((r) => r.steps.map((s) => s.step)))];
  const column = (r: LoadResult) => `N = ${r.kiosks}, R = ${r.registries}`;
  lines.push(`| step | ${results.map(column).join(' | ')} |`, `|---|${results.map(() => '---').join('|')}|`);
  for (const name of stepNames) {
    lines.push(`| ${name} | ${results.map((r) => { const s = r.steps.find((x) => x.step === name); return s ? `${ms(s.p50)} / ${ms(s.p99)}` : '–'; }).join(' | ')} |`);
  }
  lines.push('', '### Memory of each process (MB resident, at the end)', '');
  const processes = [...new Set(results.flatMap((r) => Object.keys(r.memoryMb)))];
  lines.push(`| process | ${results.map(column).join(' | ')} |`, `|---|${results.map(() => '---').join('|')}|`);
  for (const name of processes) lines.push(`| ${name} | ${results.map((r) => (r.memoryMb[name] === undefined ? '–' : r.memoryMb[name]!.toFixed(0))).join(' | ')} |`);
  lines.push('', 'Memory per kiosk is the kiosk hosts\' growth from before their kiosks start to all of them idle, summed over the hosts, divided by the kiosks.');

  lines.push('', '### Targets', '');
  const clean = biggest.failed.length === 0 && biggest.lost.length === 0 && biggest.doubled.length === 0 && biggest.migrated === 0;
  lines.push(`- 0 failed, lost or doubled activations at N = ${biggest.kiosks}, ${biggest.activations} activations, from RA_EVENTS: **${clean ? 'met' : 'missed'}** (${biggest.failed.length} failed, ${biggest.lost.length} lost, ${biggest.doubled.length} doubled${biggest.migrated > 0 ? `, ${biggest.migrated} records migrated from the old layout` : ''}).`);
  if (biggest.driverFailures.length > 0) lines.push(`  What the driver saw first: ${biggest.driverFailures.slice(0, 3).map((f) => `\`${f}\``).join('; ')}`);
  for (const count of [...new Set(results.map((r) => r.registries))]) {
    const runs = results.filter((r) => r.registries === count).sort((a, b) => a.kiosks - b.kiosks);
    if (runs.length < 2) continue;
    const smallest = runs[0]!;
    const largest = runs.at(-1)!;
    const met = largest.memoryPerKioskKb <= smallest.memoryPerKioskKb;
    lines.push(`- Memory per kiosk at N = ${largest.kiosks} no higher than at N = ${smallest.kiosks}, R = ${count}: **${met ? 'met' : 'missed'}** (${runs.map((r) => `${r.kiosks}: ${r.memoryPerKioskKb.toFixed(0)} KB`).join(', ')}).`);
  }
  const byRegistries = results.filter((r) => r.kiosks === biggest.kiosks && r.activations === biggest.activations).sort((a, b) => a.registries - b.registries);
  if (byRegistries.length > 1) {
    lines.push(`- Throughput by registry instances at N = ${biggest.kiosks}: ${byRegistries.map((r) => `R = ${r.registries}: ${r.activationsPerSecond.toFixed(2)}/s`).join(', ')}. This machine has ${biggest.cores} cores, shared by the registries, nats-server and the kiosk hosts, so the growth stops at the cores: more instances than cores cannot raise it.`);
  }
  lines.push('', '### On a machine with more cores', '');
  lines.push('Derived from each run\'s CPU per activation, not measured: with the kiosks on their own machines (as in the field) and C cores for nats-server and R registry instances, each instance\'s main thread gives at most one core (R ÷ main-thread ms per activation), its other threads at most its ${HASHING_THREADS} hashing threads (libuv\'s pool but one; ${HASHING_THREADS}R ÷ other-thread ms; a node that sets UV_THREADPOOL_SIZE to its cores + 1 lifts this to its cores), and everything at most the C cores (C ÷ the sum of registry and nats-server ms per activation); the least of the three is the figure, and which one binds is named. CPU time measured on a loaded 2-core machine includes some contention (cache, scheduling), so these lean low.', '');
  lines.push(`| from the run | R = 1, 4 cores | R = 2, 8 cores | R = 4, 16 cores | R = 8, 32 cores |`, '|---|---|---|---|---|');
  for (const r of results) {
    const cell = (registries: number, cores: number) => {
      const p = projection(r, registries, cores);
      return `${p.rate.toFixed(0)}/s (${p.bound})`;
    };
    lines.push(`| ${column(r)} | ${cell(1, 4)} | ${cell(2, 8)} | ${cell(4, 16)} | ${cell(8, 32)} |`);
  }
  await replaceSection('load', lines.join('\n'));
}
