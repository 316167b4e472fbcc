// The registry benchmark's child processes (registry.bench.ts): a bare responder, or one registry
// instance, each in its own process as in production, started with `spawnHost` and told over IPC
// when to profile (REGISTRY_BENCH_CPU_PROF).
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { startRegistry } from '../../services/registry/registry.service.ts';

/** The bare responder's subject. */
export const ECHO_SUBJECT = 'bench.echo';
/** The scrypt cost of the `registry-low` host: thousands of cards imported and verified in seconds. */
const LOW_COST = { N: 1024, r: 8, p: 1 };


async function host(role: string, natsUrl: string, dataDir: string): Promise<void> {
  // As main.ts connects the registry (the echo responder makes no requests: no difference there).
  const nc = await connect({ servers: natsUrl, name: `bench-${role}`, noAsyncTraces: true, noEcho: true });
  let stop: () => Promise<void>;
  if (role === 'echo') {
    const reply = new TextEncoder().encode(JSON.stringify({ route: 'self-applied', status: 'issued', attemptsLeft: 5 }));
    const sub = nc.subscribe(ECHO_SUBJECT, { queue: 'echo', callback: (_error, msg) => {
      msg.respond(reply);
    } });
    stop = async () => sub.unsubscribe();
  } else {
    const registry = await startRegistry({
      nc,
      dataDir,
      ...(role === 'registry-low' ? { scryptCost: LOW_COST } : {}),
      // As in production, one JSON line per request (stdout goes to /dev/null here).
      log: (line) => process.stdout.write(`${line}\n`),
    });
    stop = () => registry.stop();
  }
  await nc.flush();
  // Profiles only while told to (REGISTRY_BENCH_CPU_PROF): one profile per measured round.
  const profiler = new Session();
  if (PROFILE_DIR !== undefined) profiler.connect();
  process.on('message', (message: { profile?: 'start' | 'stop'; file?: string }) => {
    if (message.profile === 'start') {
      void profiler.post('Profiler.enable').then(() => profiler.post('Profiler.start')).then(() => process.send?.('profiling'));
    } else if (message.profile === 'stop' && message.file) {
      const file = message.file;
      void profiler.post('Profiler.stop').then(({ profile }) => writeFile(file, JSON.stringify(profile))).then(() => process.send?.('profiled'));
    }
  });
  process.send?.('ready');
  process.once('SIGTERM', () => {
    void stop()
      .then(() => nc.drain())
      .then(() => process.exit(0));
  });
}

/**
 * REGISTRY_BENCH_CPU_PROF=<dir>: the responder (during bare rounds) and the registry (during
 * identify and accept rounds, and verify) write a V8 CPU profile of each measured round there,
 * `<kind>-<round>.cpuprofile`; `profile-summary.ts` prints where its time went
 * (docs/benchmarks.md, "What bounds the missed targets").
 */
const PROFILE_DIR = process.env.REGISTRY_BENCH_CPU_PROF;

/** Runs `run` with `child` profiling, when REGISTRY_BENCH_CPU_PROF asks for profiles. */
export async function profiled<T>(child: ChildProcess, name: string, run: () => Promise<T>): Promise<T> {
  if (PROFILE_DIR === undefined) return run();
  const answer = (expected: string) => new Promise<void>((resolve) => {
    const listener = (message: unknown) => {
      if (message !== expected) return;
      child.off('message', listener);
      resolve();
    };
    child.on('message', listener);
  });
  const started = answer('profiling');
  child.send({ profile: 'start' });
  await started;
  try {
    return await run();
  } finally {
    const written = answer('profiled');
    child.send({ profile: 'stop', file: join(PROFILE_DIR, `${name}.cpuprofile`) });
    await written;
  }
}

export async function spawnHost(role: string, natsUrl: string, dataDir: string, key: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['host', role, natsUrl, dataDir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REGISTRY_KEY: key },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${role} host exited with ${code}`)));
  });
  return child;
}

export async function stopHost(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

if (process.argv[2] === 'host') {
  const [, , , role = '', natsUrl = '', dataDir = ''] = process.argv;
  await host(role, natsUrl, dataDir);
}
