// Writes the load run's section of docs/benchmarks.md (between its markers), leaving the rest of
// the report (the benchmarks' section) as it is.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  kiosks: number;
  /** Registry instances, each its own process. */
  registries: number;
  /** One production-cost scrypt measured in this run, one at a time. */
  scryptMs: number;
  /** Scrypt hashes per activated card in this mix (verifies, wrong first tries, new user codes). */
  scryptsPerActivation: number;
  /** Activations/s if every core did nothing but these hashes. */
  scryptBound: number;
  /** The same bound on a 16-core machine: each instance hashes on at most 4 threads (libuv's pool). */
  boundWith16Cores: number;
  activations: number;
  inFlight: number;
  seconds: number;
  /** Making the cards (tokens and records); 0 when they were kept from an earlier run. */
  provisionSeconds: number;
  activated: number;
  refused: number;
  failures: string[];
  lost: number;
  doubled: number;
  activationsPerSecond: number;
  steps: Array<{ step: string; count: number; p50: number; p99: number }>;
  registryCpuPercent: number[];
  memoryMb: Record<string, number>;
  memoryPerKioskKb: number;
  cores: number;
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

export async function writeLoadReport(results: LoadResult[]): Promise<void> {
  const lines: string[] = [];
  lines.push('## Load: many kiosks, registry instances side by side (`npm run load`)', '');
  lines.push(`Run ${new Date().toISOString()} on ${machine()}.`, '');
  lines.push('Every kiosk is a real engine and a real card agent (simulated reader, SoftHSM2 token per card) in one process; one nats-server; the given number of registry instances, each its own process, at the production scrypt cost. The cards are provisioned before the kiosks start, once per card count and kept for later runs (`--cards-cache`). Activations follow both paths; one in ten starts with a wrong user code or ID (3005) and one in ten is a revoked card (4931). At most the given number of activations run at once; every kiosk is alive throughout.', '');
  lines.push('The scrypt bound is the ceiling: every core of this machine hashing and doing nothing else, at the scrypt time measured in the same run, divided by the hashes one activation of this mix needs (one per self-applied verify, the wrong first tries included; one per new user code, which each registration-bundled card gets at acceptance; the ID check of the bundled path is a keyed MAC, no scrypt). The kiosks, nats-server and the registries\' other work share the same cores, so on this machine the measured rate stays well under it, and more instances than cores cannot raise it. The last column is what the bound becomes on a 16-core machine: each instance hashes on its own pool of 4 threads, so R instances use at most 4R cores — a projection from the measured hash time, not a measurement.', '');
  lines.push('| kiosks | registries | activations | at once | activated | refused as expected | failed | lost | doubled | activations/s | scrypt bound (this machine) | ÷ bound | bound on 16 cores | memory per kiosk | registry CPU (each, % of a core) | provisioning |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| ${r.kiosks} | ${r.registries} | ${r.activations} | ${r.inFlight} | ${r.activated} | ${r.refused} | ${r.failures.length} | ${r.lost} | ${r.doubled} | ${r.activationsPerSecond.toFixed(2)} | ${r.scryptBound.toFixed(1)}/s (${r.scryptMs.toFixed(0)} ms × ${r.scryptsPerActivation.toFixed(2)} per activation) | ×${(r.activationsPerSecond / r.scryptBound).toFixed(2)} | ${r.boundWith16Cores.toFixed(1)}/s | ${r.memoryPerKioskKb.toFixed(0)} KB | ${r.registryCpuPercent.map((c) => c.toFixed(0)).join(' / ')} | ${r.provisionSeconds > 0 ? `${r.provisionSeconds.toFixed(0)} s` : 'kept from an earlier run'} |`,
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
  for (const name of processes) lines.push(`| ${name} | ${results.map((r) => (r.memoryMb[name] ?? 0).toFixed(0)).join(' | ')} |`);
  lines.push('', '### Targets', '');
  const biggest = results.at(-1);
  if (biggest) {
    const clean = biggest.failures.length === 0 && biggest.lost === 0 && biggest.doubled === 0;
    lines.push(`- 0 failed, lost or doubled activations at N = ${biggest.kiosks}: **${clean ? 'met' : 'missed'}** (${biggest.failures.length} failed, ${biggest.lost} lost, ${biggest.doubled} doubled).`);
    if (biggest.failures.length > 0) lines.push(`  First failures: ${biggest.failures.slice(0, 3).map((f) => `\`${f}\``).join('; ')}`);
  }
  // Memory per kiosk compared across N at the same number of registry instances.
  const registryCounts = [...new Set(results.map((r) => r.registries))];
  for (const count of registryCounts) {
    const perKiosk = results.filter((r) => r.registries === count).map((r) => r.memoryPerKioskKb);
    if (perKiosk.length < 2) continue;
    const flat = perKiosk.every((value, i) => i === 0 || value <= perKiosk[i - 1]! * 1.1);
    lines.push(`- Memory per kiosk flat or falling as N grows (10 % slack for noise), R = ${count}: **${flat ? 'met' : 'missed'}** (${perKiosk.map((v) => `${v.toFixed(0)} KB`).join(' → ')}).`);
  }
  if (registryCounts.length > 1) {
    const biggestN = Math.max(...results.map((r) => r.kiosks));
    const growth = results.filter((r) => r.kiosks === biggestN).map((r) => `R = ${r.registries}: ${r.activationsPerSecond.toFixed(2)}/s`);
    lines.push(`- Throughput by registry instances at N = ${biggestN}: ${growth.join(', ')}; this machine has ${results[0]?.cores ?? '?'} cores, shared with the kiosks and nats-server, so it stops growing at the cores.`);
  }
  await replaceSection('load', lines.join('\n'));
}
