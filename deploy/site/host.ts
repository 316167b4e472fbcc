// What the site rehearsal creates on this machine, and how it removes it again: Linux network
// namespaces (one per box, plus one holding the bridge), veth pairs, system users, the empty
// mount points the boxes bind their own directories onto, and the processes it started. Every
// creation is recorded in the run's state file before the next one, so `npm run site -- stop` (and
// the rehearsal's own clean-up on failure) removes exactly what was made, even after a crash.
// Addresses are private ones, given only to interfaces inside namespaces this run created.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Where runs keep their state (one directory per run). */
export const RUNS_DIR = '/var/tmp/moeaca-site';
/** Every namespace and interface this harness makes starts with this; nothing else is touched. */
export const NAME_PREFIX = 'mks';

export interface RunState {
  runId: string;
  dir: string;
  namespaces: string[];
  users: string[];
  /** Mount points made on the host (empty directories), removed when empty. */
  mountPoints: string[];
  /** Process groups started (the launcher is the group leader). */
  processes: Array<{ pid: number; box: string; what: string }>;
}

export async function saveState(state: RunState): Promise<void> {
  await writeFile(join(state.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export async function newRun(): Promise<RunState> {
  const runId = `${Date.now().toString(36).slice(-4)}${process.pid.toString(36).slice(-2)}`;
  const dir = join(RUNS_DIR, runId);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const state: RunState = { runId, dir, namespaces: [], users: [], mountPoints: [], processes: [] };
  await saveState(state);
  return state;
}

export async function knownRuns(): Promise<RunState[]> {
  const names = await readdir(RUNS_DIR).catch(() => [] as string[]);
  const runs: RunState[] = [];
  for (const name of names) {
    const text = await readFile(join(RUNS_DIR, name, 'state.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) runs.push(JSON.parse(text) as RunState);
  }
  return runs;
}

export async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(failed.stderr ?? failed.message).trim()}`, { cause: error });
  }
}

/** `run` with exactly `env` as the environment (secrets travel there, never in arguments). */
export async function runWithEnv(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} failed: ${(failed.stderr || failed.stdout || failed.message).trim().split('\n').slice(-5).join(' | ')}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Network: a switch namespace holding a bridge, one namespace per box joined to it by a veth pair

export interface Network {
  switchNamespace: string;
  /** The /24 the boxes share, e.g. 10.231.7 (an address is `${subnet}.<n>`). */
  subnet: string;
}

/** A /24 inside 10.0.0.0/8 for this run; it exists only inside the run's namespaces. */
export function subnetFor(runId: string): string {
  let hash = 0;
  for (const char of runId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `10.${200 + (hash % 50)}.${(hash >>> 8) % 256}`;
}

export async function createSwitch(state: RunState): Promise<Network> {
  const switchNamespace = `${NAME_PREFIX}${state.runId}-sw`;
  await addNamespace(state, switchNamespace);
  await run('ip', ['-n', switchNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
  await run('ip', ['-n', switchNamespace, 'link', 'set', 'br0', 'up']);
  return { switchNamespace, subnet: subnetFor(state.runId) };
}

async function addNamespace(state: RunState, name: string): Promise<void> {
  if (!name.startsWith(NAME_PREFIX)) throw new Error(`refusing a namespace without the prefix: ${name}`);
  await run('ip', ['netns', 'add', name]);
  state.namespaces.push(name);
  await saveState(state);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/**
 * A box: its namespace, a veth pair made inside the switch namespace (both ends are created there,
 * so no interface ever appears in the host's namespace), one end moved into the box with `address`.
 */
export async function createBox(state: RunState, network: Network, box: string, hostNumber: number): Promise<{ namespace: string; address: string }> {
  const namespace = `${NAME_PREFIX}${state.runId}-${box}`;
  await addNamespace(state, namespace);
  const port = `p${hostNumber}`;
  await run('ip', ['-n', network.switchNamespace, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0']);
  await run('ip', ['-n', network.switchNamespace, 'link', 'set', 'eth0', 'netns', namespace]);
  await run('ip', ['-n', network.switchNamespace, 'link', 'set', port, 'master', 'br0', 'up']);
  const address = `${network.subnet}.${hostNumber}`;
  await run('ip', ['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
  return { namespace, address };
}

// ---------------------------------------------------------------------------------------------
// Users: the ones the units name, made when missing (and only those removed again)

export async function userExists(user: string): Promise<boolean> {
  return exec('id', ['-u', user]).then(
    () => true,
    () => false,
  );
}

export async function ensureUser(state: RunState, user: string): Promise<void> {
  if (await userExists(user)) return;
  await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user]);
  state.users.push(user);
  await saveState(state);
}

/** Where the boxes bind their own directories (the production paths); made empty when missing. */
export async function ensureMountPoint(state: RunState, path: string): Promise<void> {
  if (existsSync(path)) return;
  await mkdir(path, { recursive: true, mode: 0o755 });
  state.mountPoints.push(path);
  await saveState(state);
}

// ---------------------------------------------------------------------------------------------
// Processes

export async function recordProcess(state: RunState, pid: number, box: string, what: string): Promise<void> {
  state.processes.push({ pid, box, what });
  await saveState(state);
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends a process group this run started: SIGTERM, then SIGKILL for what is left once it had its chance. */
export async function endGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!groupAlive(pid)) return;
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  for (let waited = 0; waited < 100 && groupAlive(pid); waited++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (groupAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Removes everything the run made, newest first; keeps going past a failure and reports them all. */
export async function tearDown(state: RunState, log: (line: string) => void = () => undefined): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for (const { pid, what } of [...state.processes].reverse()) await attempt(`stop ${what}`, () => endGroup(pid));
  for (const namespace of [...state.namespaces].reverse()) {
    if (!namespace.startsWith(NAME_PREFIX)) continue;
    await attempt(`remove namespace ${namespace}`, () => run('ip', ['netns', 'delete', namespace]));
  }
  for (const user of state.users) await attempt(`remove user ${user}`, () => run('userdel', [user]));
  for (const path of [...state.mountPoints].reverse()) await attempt(`remove ${path}`, () => rmdir(path));
  await attempt(`remove ${state.dir}`, () => rm(state.dir, { recursive: true, force: true }));
  log(problems.length === 0 ? `removed run ${state.runId}` : `run ${state.runId}: ${problems.join('; ')}`);
  return problems;
}

/** Copies every box's logs out of the run before it is removed (a failed run's evidence). */
export async function keepLogs(state: RunState): Promise<string> {
  const target = join(`${RUNS_DIR}-logs`, state.runId);
  const boxes = await readdir(join(state.dir, 'boxes')).catch(() => [] as string[]);
  for (const box of boxes) {
    await mkdir(join(target, box), { recursive: true });
    await run('cp', ['-r', join(state.dir, 'boxes', box, 'log'), join(target, box)]).catch(() => undefined);
  }
  return target;
}

/** Starts a detached process group; its output goes to `logFile`. */
export function startGroup(command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    import('node:fs')
      .then(({ openSync }) => {
        const out = openSync(logFile, 'a');
        const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
        child.once('error', reject);
        child.once('spawn', () => {
          child.unref();
          resolve(child.pid!);
        });
      })
      .catch(reject);
  });
}
