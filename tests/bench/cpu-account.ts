// Where a machine's CPU went during a measured step (Linux /proc): each of our processes split into
// its main thread (the event loop) and its other threads (libuv's pool, where scrypt runs, and V8's
// helpers), everything else the machine ran (other processes, the kernel), and idle. Used by the
// registry benchmark's verify step: against the scrypt bound, idle time means the hashes ran dry,
// and time outside the hashing threads is what the verify path and the rest of the machine cost.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU milliseconds: ticks of 10 ms (USER_HZ 100, as on every Linux we run on). */
const MS_PER_TICK = 10;

interface ProcessTimes {
  readonly main: number;
  readonly threads: number;
  /** Read and write system calls so far (/proc/<pid>/io): each socket write wakes the other side. */
  readonly reads: number;
  readonly writes: number;
}

export interface CpuSnapshot {
  readonly processes: Record<string, ProcessTimes>;
  /** Whole machine: busy and idle, summed over all cores. */
  readonly busy: number;
  readonly idle: number;
}

function ticksOf(statFile: string): number {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return Number.NaN;
  }
}

function processTimes(pid: number): ProcessTimes {
  const main = ticksOf(`/proc/${pid}/task/${pid}/stat`);
  let all = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) all += ticksOf(`/proc/${pid}/task/${tid}/stat`);
  } catch {
    all = Number.NaN;
  }
  let io = '';
  try {
    io = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    // not ours to read: the counts stay unknown
  }
  const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  // Threads that ended are in the process's total, not in any task left: take the larger.
  return { main, threads: Math.max(all, ticksOf(`/proc/${pid}/stat`)) - main, reads: count('syscr'), writes: count('syscw') };
}

export function cpuSnapshot(pids: Record<string, number>): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal ...
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return {
    processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processTimes(pid)])),
    busy: (user + nice + system + irq + softirq + steal) * MS_PER_TICK,
    idle: (idle + iowait) * MS_PER_TICK,
  };
}

/**
 * One line per share of the machine's CPU between two snapshots, as a percentage of all cores over
 * that time and as milliseconds per `count` operations.
 */
export function describeCpu(before: CpuSnapshot, after: CpuSnapshot, count: number, what: string): string[] {
  const total = after.busy + after.idle - (before.busy + before.idle);
  const share = (ms: number) => `${((100 * ms) / total).toFixed(1).padStart(5)} %  ${(ms / count).toFixed(2).padStart(6)} ms per ${what}`;
  const lines: string[] = [];
  let ours = 0;
  for (const [name, now] of Object.entries(after.processes)) {
    const was = before.processes[name];
    if (was === undefined) continue;
    const main = now.main - was.main;
    const threads = now.threads - was.threads;
    ours += main + threads;
    const calls = `${((now.reads - was.reads) / count).toFixed(1)} read / ${((now.writes - was.writes) / count).toFixed(1)} write calls`;
    lines.push(`  ${`${name}, main thread`.padEnd(34)} ${share(main)}, ${calls}`);
    lines.push(`  ${`${name}, other threads`.padEnd(34)} ${share(threads)}`);
  }
  const busy = after.busy - before.busy;
  lines.push(`  ${'the rest of the machine'.padEnd(34)} ${share(busy - ours)}`);
  lines.push(`  ${'idle'.padEnd(34)} ${share(after.idle - before.idle)}`);
  return lines;
}
