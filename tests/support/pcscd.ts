// Real pcscd with the vsmartcard virtual reader, and vicc as the card (docs/card-agent.md). pcscd has one
// system socket (/run/pcscd/pcscd.comm): if a pcscd already answers there, tests use it and must
// not stop it; otherwise we start `pcscd -f` with a reader config of our own (the virtual reader
// on a free port) and stop only that process, by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../platform/nats-server.ts';

const PCSCD = '/usr/sbin/pcscd';
const VICC = '/usr/bin/vicc';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const SOCKET = '/run/pcscd/pcscd.comm';
/** Where Debian's vsmartcard-vpicc puts its Python package, and the Crypto name it wants. */
const VICC_PACKAGE = '/usr/lib/python3/site-packages/virtualsmartcard';
const CRYPTODOME = '/usr/lib/python3/dist-packages/Cryptodome';
/** The vsmartcard package's own reader config listens here. */
const SYSTEM_VPCD_PORT = 35963;

/** The ATR of `vicc -t iso7816`. */
export const VICC_ATR = '3b951381018073ff01000b';
export const VPCD_READER = 'Virtual PCD 00 00';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Whether some pcscd answers on the system socket now. */
export function pcscdRunning(): Promise<boolean> {
  return socketAnswers();
}

function socketAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(SOCKET, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, child?: ChildProcess): Promise<void> {
  if (!(await poll(check, child))) throw new Error(`${what}: timed out`);
}

/** Polls `check` for up to 10 s; false when it never held. Throws if `child` exits meanwhile. */
async function poll(check: () => Promise<boolean>, child?: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    if (child !== undefined && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Whether process `pid` listens on TCP `port`, read from /proc: no connection is made (vpcd would
 * take one for a card), and another process listening there does not count.
 */
async function listensOn(pid: number, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    // Columns: sl, local_address (hex ip:port), rem_address, st (0A is LISTEN), …, inode (10th).
    for (const line of (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns[3] === '0A' && columns[1]?.endsWith(`:${hexPort}`) && columns[9] !== undefined) inodes.add(columns[9]);
    }
  }
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return targets.some((target) => inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? ''));
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Why pcscd tests cannot run here, or undefined when they can. */
export async function pcscdUnavailable(): Promise<string | undefined> {
  for (const [path, what] of [
    [PCSCD, 'pcscd is not installed'],
    [VICC, 'vicc (vsmartcard-vpicc) is not installed'],
    [VPCD_DRIVER, 'the vpcd reader driver (vsmartcard-vpcd) is not installed'],
    [CRYPTODOME, 'python3-pycryptodome (needed by vicc) is not installed'],
  ] as const) {
    if (!(await exists(path))) return what;
  }
  if (await socketAnswers()) return undefined;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'no pcscd is running and only root can start one (it needs /run/pcscd)';
  }
  return undefined;
}

export interface TestPcscd {
  /** True when we started pcscd (and so may stop and restart it). */
  readonly ours: boolean;
  readonly vpcdPort: number;
  /** Starts vicc: a card goes into the first virtual reader. */
  insertCard(): Promise<void>;
  /** Stops vicc: the card comes out. */
  removeCard(): Promise<void>;
  /** Stops our pcscd (vicc dies with it). */
  stopDaemon(): Promise<void>;
  startDaemon(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPcscd(): Promise<TestPcscd> {
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-test-pcscd-'));
  const shim = join(dir, 'python');
  await mkdir(shim);
  await symlink(CRYPTODOME, join(shim, 'Crypto'));
  const ours = !(await socketAnswers());
  let vpcdPort = SYSTEM_VPCD_PORT;
  const conf = join(dir, 'reader.conf.d');
  await mkdir(conf);
  /** Our reader config: the virtual reader on `port`. */
  const configureReader = async (port: number) => {
    const channel = `0x${port.toString(16).toUpperCase()}`;
    await writeFile(
      join(conf, 'vpcd'),
      [`FRIENDLYNAME "Virtual PCD"`, `DEVICENAME   /dev/null:${channel}`, `LIBPATH      ${VPCD_DRIVER}`, `CHANNELID    ${channel}`, ''].join('\n'),
    );
    vpcdPort = port;
  };

  let daemon: ChildProcess | undefined;
  let card: ChildProcess | undefined;

  // A free port can be taken again before pcscd's reader driver binds it (another test's server,
  // or any outgoing connection's ephemeral port): then the reader never appears. The driver's
  // listening socket is the sign it is up; without it pcscd is started again on another port.
  const startDaemon = async () => {
    if (!ours) throw new Error('not our pcscd');
    for (let attempt = 1; ; attempt++) {
      daemon = spawn(PCSCD, ['-f', '-c', conf], { stdio: 'ignore' });
      const started = daemon;
      await waitFor('pcscd', socketAnswers, started);
      if (await poll(() => listensOn(started.pid ?? -1, vpcdPort), started)) return;
      await stopChild(started);
      if (attempt === 3) throw new Error(`pcscd's virtual reader never listened (ports tried up to ${vpcdPort})`);
      await configureReader(await freePort());
    }
  };
  const stopDaemon = async () => {
    if (!ours) throw new Error('not our pcscd');
    await stopChild(card);
    card = undefined;
    await stopChild(daemon);
    daemon = undefined;
  };

  if (ours) {
    await configureReader(await freePort());
    await startDaemon();
  }
  return {
    ours,
    get vpcdPort() {
      return vpcdPort;
    },
    async insertCard() {
      if (card !== undefined && card.exitCode === null) return;
      card = spawn(VICC, ['-t', 'iso7816', '-P', String(vpcdPort)], {
        stdio: 'ignore',
        env: { ...process.env, PYTHONPATH: `${VICC_PACKAGE}:${shim}` },
      });
    },
    async removeCard() {
      await stopChild(card);
      card = undefined;
    },
    stopDaemon,
    startDaemon,
    async stop() {
      await stopChild(card);
      if (ours) await stopChild(daemon);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
