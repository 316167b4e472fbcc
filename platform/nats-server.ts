// Starts a real nats-server (Debian's package) with a generated config: JetStream on a file store
// under the data dir, optionally a websocket listener for the browser, loopback only. Used by
// `npm start` and by every test that needs a server (each on its own free ports and temp dir).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { watchChildExit, type ChildExit } from './child-exit.ts';

export interface NatsServerOptions {
  /** Where the config, the JetStream store and the server log go. */
  dataDir: string;
  /** Client port; 0 or absent picks a free one. */
  port?: number;
  /** Websocket port for the browser UI; absent means no websocket listener, 0 picks a free one. */
  wsPort?: number;
  /** Server name (shows in logs). */
  name?: string;
  /** Path of the binary; Debian installs it in /usr/sbin. */
  binary?: string;
  /** Users and permissions; absent means an open server (unit-level tests only, never `npm start`). */
  access?: NatsServerAccess;
}

/** Who may connect and do what (docs/security.md, "Embedded stack"). */
export interface NatsServerAccess {
  /** nats-server `authorization.users` entries (passwords as bcrypt hashes). */
  users: readonly unknown[];
  /** The only page origins whose websocket upgrade is accepted (the UI's own). */
  allowedOrigins: readonly string[];
}

/**
 * The config fields that lock a server: every client must log in as one of `users` (no
 * no_auth_user, so an anonymous client is refused), and a websocket upgrade from any other page
 * origin is refused by the server before any NATS traffic.
 */
export function accessConfig(access: NatsServerAccess): { authorization: Record<string, unknown>; websocket: Record<string, unknown> } {
  return {
    authorization: { users: access.users, timeout: 2 },
    websocket: { allowed_origins: access.allowedOrigins, same_origin: false },
  };
}

export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  readonly wsUrl: string | undefined;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process ends, however it ends (the launcher restarts it). */
  readonly exited: Promise<NatsServerExit>;
  /**
   * Starts it again after it exited: the same options, ports and JetStream store (the launcher's
   * supervisor uses this; streams and buckets survive).
   */
  restart(): Promise<RunningNatsServer>;
  /** Stops the server (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

export type NatsServerExit = ChildExit;

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range: a port the kernel hands out for listen(0) is free now but
  // can be taken, before the server binds it, as the source port of any outgoing connection — and
  // with many tests connecting at once one was (a nats-server that "did not start"). A port below
  // that range is never given to a connection; the random pick and the bind check keep two
  // callers apart.
  const [ephemeralStart] = ephemeralPortRange();
  const low = 10_000;
  for (let attempt = 0; ephemeralStart - low > 1_000 && attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralStart - low));
    if (await canListen(port)) return port;
  }
  return listenOnAnyPort();
}

/** The kernel's range of ports for outgoing connections (Linux; the usual default elsewhere). */
function ephemeralPortRange(): [number, number] {
  try {
    const [start, end] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(start) && Number.isInteger(end)) return [start as number, end as number];
  } catch {
    // Not Linux: fall through to the usual default.
  }
  return [32_768, 60_999];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function listenOnAnyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}

function configText(options: Required<Pick<NatsServerOptions, 'name'>> & { port: number; wsPort?: number; storeDir: string; access?: NatsServerAccess }): string {
  // JSON is valid nats-server config syntax, and quoting every value keeps paths safe.
  const config: Record<string, unknown> = {
    server_name: options.name,
    host: '127.0.0.1',
    port: options.port,
    // Large enough for a snapshot or a certificate; small enough to bound a bad publisher.
    max_payload: 1024 * 1024,
    jetstream: { store_dir: options.storeDir, max_memory_store: 256 * 1024 * 1024 },
  };
  if (options.wsPort !== undefined) {
    // Plain websocket is acceptable only because it listens on loopback.
    config.websocket = { host: '127.0.0.1', port: options.wsPort, no_tls: true };
  }
  if (options.access !== undefined) {
    const locked = accessConfig(options.access);
    config.authorization = locked.authorization;
    if (config.websocket !== undefined) config.websocket = { ...(config.websocket as object), ...locked.websocket };
  }
  return JSON.stringify(config, null, 2);
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`nats-server exited with code ${child.exitCode} while starting; see ${logFile}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (attempt > 200) throw new Error(`nats-server did not open port ${port}; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNatsServer(options: NatsServerOptions): Promise<RunningNatsServer> {
  const port = options.port || (await freePort());
  const wsPort = options.wsPort === undefined ? undefined : options.wsPort || (await freePort());
  const name = options.name ?? 'kiosk-nats';
  const storeDir = join(options.dataDir, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const configFile = join(options.dataDir, 'nats-server.conf');
  const logFile = join(options.dataDir, 'nats-server.log');
  // 0600: the config holds the users' password hashes.
  await writeFile(
    configFile,
    configText({ name, port, ...(wsPort === undefined ? {} : { wsPort }), storeDir, ...(options.access ? { access: options.access } : {}) }),
    { mode: 0o600 },
  );

  // Its own process group: a Ctrl-C in the terminal must not stop the server under the parts
  // that are still draining their connections; whoever started it stops it, last.
  const child = spawn(options.binary ?? '/usr/sbin/nats-server', ['-c', configFile, '-l', logFile], {
    stdio: 'ignore',
    detached: true,
  });
  const { exited, stop } = watchChildExit(child);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  try {
    await waitForPort(port, child, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    wsUrl: wsPort === undefined ? undefined : `ws://127.0.0.1:${wsPort}`,
    pid: child.pid ?? -1,
    logFile,
    exited,
    restart: () => startNatsServer({ ...options, port, ...(wsPort === undefined ? {} : { wsPort }) }),
    stop,
  };
}
