// `npm start`: the whole embedded stack in the foreground. nats-server (JetStream + websocket on
// 127.0.0.1), then each part as its own process exactly as `npm run serve -- PART` runs it:
// registry, card agent (simulated reader over SoftHSM2 demo cards, imported on first start),
// kiosk engine, and the UI server. Prints the URLs and the demo cards once /healthz is green.
// A part that dies is restarted with back-off; Ctrl-C stops everything and leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { demoSecrets, provisionCards, readCardFile } from '../../card/demo/provision.ts';
import { listCards } from '../registry/admin-client.ts';
import { partCommand, type Part } from '../serve.ts';
import { natsUrlOf, readConfig, type StackConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { startNatsServer, type RunningNatsServer } from '../shared/nats-server.ts';
import { embeddedServerAccess, ensureCredentials, inboxPrefixOf } from './credentials/index.ts';
import { DEMO_CARD_FILES } from '../ui/ui.service.ts';

const log = createLogger('stack');

interface SupervisedPart {
  readonly part: Part;
  child: ChildProcess | undefined;
  restarts: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function supervise(part: Part, env: NodeJS.ProcessEnv, isStopping: () => boolean): SupervisedPart {
  const supervised: SupervisedPart = { part, child: undefined, restarts: [] };
  const launch = () => {
    const { command, args } = partCommand(part);
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    supervised.child = child;
    child.on('exit', (code, signal) => {
      if (isStopping()) return;
      // A crash loop is not worth hiding: back off, and say so every time.
      const now = Date.now();
      supervised.restarts = supervised.restarts.filter((at) => now - at < 60_000).concat(now);
      const delay = Math.min(30_000, 500 * 2 ** (supervised.restarts.length - 1));
      log.error('part exited; restarting', { part, code, signal, restartsLastMinute: supervised.restarts.length, inMs: delay });
      setTimeout(() => {
        if (!isStopping()) launch();
      }, delay);
    });
  };
  launch();
  return supervised;
}

async function stopPart(supervised: SupervisedPart): Promise<void> {
  const child = supervised.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, isStopping: () => boolean): Promise<T> {
  for (let tries = 0; ; tries++) {
    if (isStopping()) throw new Error(`stopped while waiting for ${what}`);
    const result = await attempt().catch(() => undefined);
    if (result !== undefined) return result;
    if (tries % 40 === 39) log.warn('still waiting', { for: what });
    await sleep(250);
  }
}

/** First start: make the demo cards' tokens and register them; later starts find them there. */
async function importDemoCardsIfNeeded(nc: NatsConnection, config: StackConfig): Promise<void> {
  const [registeredFile, unregisteredFile] = DEMO_CARD_FILES as [string, string];
  const registered = await readCardFile(registeredFile);
  const known = new Set((await listCards(nc)).map((card) => card.cardNumber));
  const missing = registered.filter((record) => !known.has(record.cardNumber));
  if (missing.length === 0) return;
  log.info('first start: provisioning demo cards', { cards: missing.length });
  await provisionCards({ dataDir: config.dataDir, records: missing, nc });
  await provisionCards({ dataDir: config.dataDir, records: await readCardFile(unregisteredFile), tokenOnly: true });
}

async function demoCardLines(): Promise<string[]> {
  const [registeredFile, unregisteredFile] = DEMO_CARD_FILES as [string, string];
  const lines: string[] = [];
  for (const record of await readCardFile(registeredFile)) {
    lines.push(`  ${record.cardNumber}  ${record.route.padEnd(20)}  ${record.status.padEnd(22)}  ${demoSecrets(record)}`);
  }
  for (const record of await readCardFile(unregisteredFile)) {
    lines.push(`  ${record.cardNumber}  ${record.route.padEnd(20)}  ${'(not registered)'.padEnd(22)}  UNKNOWN_CARD`);
  }
  return lines;
}

async function main(): Promise<void> {
  const config = readConfig();
  await mkdir(config.dataDir, { recursive: true });
  let stopping = false;
  const isStopping = () => stopping;
  const parts: SupervisedPart[] = [];
  let server: RunningNatsServer | undefined;
  let nc: NatsConnection | undefined;

  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { reason });
    // The UI and the engine first (no new input), then the card agent, the registry, the server.
    for (const part of [...parts].reverse()) await stopPart(part);
    await nc?.close().catch(() => undefined);
    await server?.stop();
    log.info('stopped');
  };
  process.once('SIGINT', () => void stopAll('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll('SIGTERM').then(() => process.exit(0)));

  try {
    if (config.natsUrl === undefined) {
      server = await startNatsServer({
        dataDir: join(config.dataDir, 'nats'),
        port: config.natsPort,
        wsPort: config.natsWsPort,
        name: `kiosk-${config.kioskId}`,
        access: await embeddedServerAccess(config, { observer: process.env.STACK_TEST_OBSERVER === '1' }),
      }).catch((error: Error) => {
        throw new Error(
          `${error.message}\nIs another stack running on port ${config.natsPort} or ${config.natsWsPort}? ` +
            'Stop it, or set NATS_PORT / NATS_WS_PORT / HTTP_PORT / DATA_DIR for a second one.',
        );
      });
      log.info('nats-server up', { url: server.url, ws: server.wsUrl, pid: server.pid, log: server.logFile });
    }
    const natsUrl = server?.url ?? natsUrlOf(config);
    const own = server === undefined ? undefined : await ensureCredentials(config.dataDir, 'stack');
    nc = await connect({
      servers: natsUrl,
      name: 'stack',
      maxReconnectAttempts: -1,
      ...(own === undefined ? {} : { user: own.user, pass: own.password, inboxPrefix: inboxPrefixOf('stack') }),
    });
    const env = { ...process.env, NATS_URL: natsUrl, DATA_DIR: config.dataDir };
    // Each part logs in as itself; its password is read from the credentials folder, not passed.
    const partEnv = (user: string): NodeJS.ProcessEnv =>
      server === undefined ? env : { ...env, NATS_USER: user, NATS_PASSWORD: '', NATS_INBOX_PREFIX: '' };

    parts.push(supervise('registry', partEnv('registry'), isStopping));
    const connection = nc;
    await waitFor('the registry', async () => (await connection.request('$SRV.PING.registry', undefined, { timeout: 500 })) && true, isStopping);
    if (config.cardReader === 'sim') await importDemoCardsIfNeeded(connection, config);
    parts.push(supervise('card-agent', partEnv('card-agent'), isStopping));
    parts.push(supervise('engine', partEnv('engine'), isStopping));
    parts.push(supervise('ui', partEnv('ui'), isStopping));

    const http = `http://127.0.0.1:${config.httpPort}`;
    // Asked the way an operator or a probe asks: over HTTP, so the UI part is checked too.
    await waitFor('every part to be healthy', async () => ((await fetch(`${http}/healthz`)).ok ? true : undefined), isStopping);
    const banner = [
      '',
      'MOEACA card activation kiosk is running.',
      `  kiosk      ${http}/`,
      `  staff      ${http}/staff`,
      `  inspector  ${http}/inspector`,
      `  health     ${http}/healthz`,
      `  NATS       ${natsUrl} (websocket ws://127.0.0.1:${config.natsWsPort})   data in ${config.dataDir}`,
      ...(server === undefined ? [] : [`  logins     ${join(config.dataDir, 'credentials')} (one file per user; never anonymous)`]),
      ...(config.cardReader === 'sim'
        ? ['', 'Demo cards (demo data; insert one from the tray on the kiosk page):', ...(await demoCardLines())]
        : []),
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(`${banner.join('\n')}\n`);
  } catch (error) {
    log.error('start failed', { error });
    await stopAll('start failed');
    process.exit(1);
  }
}

await main();
