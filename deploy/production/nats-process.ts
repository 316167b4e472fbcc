// Runs nats-server on a config written by nats-config.ts, the way kiosk-nats.service does (check
// with -t, then start), for rehearsing a site on one machine and for the deploy tests. The caller
// stops what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { NATS_SERVER, testConfig } from './make-kiosk-config.ts';

export interface ConfiguredServer {
  readonly url: string;
  readonly dir: string;
  readonly logFile: string;
  readonly pid: number;
  /** Whether the process is still running. */
  running(): boolean;
  /** SIGTERM, then SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Writes `nats.conf` and its include files (0600) into `dir`, refuses a config `nats-server -t`
 * rejects, starts the server and waits until its client port (on 127.0.0.1) accepts connections.
 */
export async function startConfiguredServer(options: {
  dir: string;
  config: string;
  clientPort: number;
  includes?: Record<string, string>;
}): Promise<ConfiguredServer> {
  const { dir, clientPort } = options;
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(options.includes ?? {})) {
    await writeFile(join(dir, name), text, { mode: 0o600 });
  }
  const configFile = join(dir, 'nats.conf');
  await writeFile(configFile, options.config);
  const checked = await testConfig(configFile);
  if (!checked.ok) throw new Error(`nats-server -t rejected ${configFile}: ${checked.output}`);

  const logFile = join(dir, 'nats-server.log');
  const child: ChildProcess = spawn(NATS_SERVER, ['-c', configFile, '-l', logFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  for (let attempt = 0; !(await portOpen(clientPort)); attempt++) {
    if (!running() || attempt > 400) {
      await stop();
      throw new Error(`nats-server did not start on port ${clientPort}; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `nats://127.0.0.1:${clientPort}`, dir, logFile, pid: child.pid ?? -1, running, stop };
}

/** The leaf links a server holds, from its monitoring port (`/leafz`). */
export async function leafLinks(monitorPort: number): Promise<Array<{ name?: string; account: string }>> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/leafz`);
  const body = (await response.json()) as { leafs?: Array<{ name?: string; account: string }> };
  return body.leafs ?? [];
}
