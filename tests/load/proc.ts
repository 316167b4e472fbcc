// What /proc says about a process of the load run: its CPU time split by thread, and its resident memory.
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

/**
 * CPU seconds (user + system) of a process so far: its main thread (the one whose id is the
 * process id: the event loop) and all its other threads together (for Node: libuv's pool, where
 * scrypt runs, and V8's helpers, garbage collection), from /proc/<pid>/task/<tid>/stat. A thread
 * that ended is not counted; a run's threads live as long as the process.
 */
export async function cpuSeconds(pid: number): Promise<{ main: number; others: number }> {
  let main = 0;
  let others = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    if (Number(tid) === pid) main += seconds;
    else others += seconds;
  }
  return { main, others };
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
