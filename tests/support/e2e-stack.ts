// `npm start`'s stack as a child process for the browser end-to-end test: the same entry point
// (`node --import tsx services/stack/start.ts`), a temp DATA_DIR and free ports, every line it
// writes kept for the canary checks, and a stop that proves nothing was left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../platform/nats-server.ts';
import { readCredentialsSync } from '../../services/stack/credentials/credential-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every line the stack wrote, in order, with the stream it came on. */
export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface E2eStack {
  readonly dataDir: string;
  readonly kioskId: string;
  readonly natsUrl: string;
  readonly httpUrl: string;
  readonly ports: { nats: number; natsWs: number; http: number };
  readonly pid: number;
  readonly output: OutputLine[];
  /**
   * The connect options of one of the stack's users, read from `$DATA_DIR/credentials/<user>.json`
   * as any client of `npm start` does. `observer` (read-only, every subject) exists because this
   * helper starts the stack with STACK_TEST_OBSERVER=1.
   */
  login(user: string): { user: string; pass: string; inboxPrefix: string };
  /** Sends SIGTERM and waits for the stack to exit; what was running under it just before. */
  stop(): Promise<StopResult>;
  /** Last resort for a test that failed half-way: SIGKILL the stack and everything under it (no-op once stopped). */
  kill(): void;
  /** SIGKILL the launcher alone, as an OOM kill would: what it started is left to itself. */
  killLauncher(): Promise<void>;
  /** With `ownGroup`: `signal` to the whole process group (what Ctrl-C or a service manager sends); waits for the launcher's exit. */
  signalGroup(signal: NodeJS.Signals): Promise<StopResult>;
}

export interface E2eStackOptions {
  kioskId?: string;
  startWithinMs?: number;
  /** Reuse a data dir (and the caller removes it); default a new temp dir. */
  dataDir?: string;
  /** Reuse ports (a start after a killed stack); default free ones. */
  ports?: { nats: number; natsWs: number; http: number };
  /** Start the launcher as the leader of its own process group, as a terminal or a service manager does. */
  ownGroup?: boolean;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The stack's descendant processes just before SIGTERM (nats-server and the parts). */
  descendants: number[];
}

function collectLines(child: ChildProcess, output: OutputLine[]): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const text of lines) output.push({ stream, text });
    });
    child[stream]?.on('end', () => {
      if (partial !== '') output.push({ stream, text: partial });
      partial = '';
    });
  }
}

function statFields(pid: number | string): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: the fields after it are fixed.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Children, grandchildren… of `pid`, from /proc (Linux). Synchronous, so that a failing test can
 * still find them from an exit handler.
 */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(entry)?.[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A process that exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitForHealthy(httpUrl: string, child: ChildProcess, output: OutputLine[], deadline: number): Promise<void> {
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  const tail = () => output.slice(-40).map((line) => line.text).join('\n');
  // Polling is the only way to see an HTTP endpoint turn green. The deadline is not a measurement:
  // it turns a stack that never comes up into a failure that shows its output.
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the stack exited while starting:\n${tail()}`);
    const status = await fetch(`${httpUrl}/healthz`)
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return;
    const outcome = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 250))]);
    if (outcome === 'exited') throw new Error(`the stack exited while starting:\n${tail()}`);
  }
  throw new Error(`${httpUrl}/healthz never answered 200; the stack's last lines:\n${tail()}`);
}

/**
 * Starts the stack and waits for /healthz; gives up after `startWithinMs` (keep it under the
 * test hook's timeout, so that a stack that never comes up is stopped here, not orphaned).
 */
export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  const kioskId = options.kioskId ?? 'kiosk-e2e';
  const deadline = Date.now() + (options.startWithinMs ?? 150_000);
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kiosk-e2e-')));
  const ports = options.ports ?? { nats: await freePort(), natsWs: await freePort(), http: await freePort() };
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Whatever the shell that runs the tests has set must not point the stack elsewhere.
  for (const name of ['NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_INBOX_PREFIX', 'UI_HOST_NAMES', 'CARD_READER', 'PKCS11_MODULE', 'CARD_TOKEN_LABEL', 'CARD_NUMBER_FROM', 'SOFTHSM2_CONF']) delete env[name];
  Object.assign(env, {
    DATA_DIR: dataDir,
    NATS_PORT: String(ports.nats),
    NATS_WS_PORT: String(ports.natsWs),
    HTTP_PORT: String(ports.http),
    KIOSK_ID: kioskId,
    // The canary checks read every subject and stream: a read-only user for them.
    STACK_TEST_OBSERVER: '1',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/stack/start.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  const output: OutputLine[] = [];
  collectLines(child, output);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const httpUrl = `http://127.0.0.1:${ports.http}`;
  const pid = child.pid ?? -1;

  const exitAndOutput = async () => {
    const result = await exit;
    // The pipes close after the exit event: wait for the last lines.
    await Promise.all(
      [child.stdout, child.stderr].map((stream) =>
        stream === null || stream.readableEnded ? undefined : new Promise((resolve) => stream.once('end', resolve)),
      ),
    );
    return result;
  };

  const kill = () => {
    // Once it has exited its pid may belong to someone else: never signal that.
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Found before the supervisor dies: after that its parts belong to init and cannot be found.
    const descendants = descendantsOf(pid);
    child.kill('SIGKILL');
    for (const descendant of descendants) {
      try {
        process.kill(descendant, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };

  try {
    await waitForHealthy(httpUrl, child, output, deadline);
  } catch (error) {
    kill();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    dataDir,
    kioskId,
    natsUrl: `nats://127.0.0.1:${ports.nats}`,
    httpUrl,
    ports,
    pid,
    output,
    login(user) {
      const credentials = readCredentialsSync(dataDir, user);
      if (credentials === undefined) throw new Error(`the stack made no credentials for ${user}`);
      return { user: credentials.user, pass: credentials.password, inboxPrefix: `_INBOX.${credentials.user}` };
    },
    async stop() {
      const descendants = descendantsOf(pid);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return { ...(await exitAndOutput()), descendants };
    },
    kill,
    async killLauncher() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Not the pipes: the parts it left hold them open until they are gone.
      await exit;
    },
    async signalGroup(signal) {
      if (!options.ownGroup) throw new Error('signalGroup needs ownGroup: true');
      const descendants = descendantsOf(pid);
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, signal);
      return { ...(await exitAndOutput()), descendants };
    },
  };
}
