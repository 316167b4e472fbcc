// `npm start`: the whole embedded stack in the foreground. nats-server (JetStream + websocket on
// 127.0.0.1), then each part as its own process exactly as `npm run serve -- PART` runs it:
// registry, card agent (simulated reader over SoftHSM2 demo cards, imported on first start),
// kiosk engine, and the UI server. Prints the URLs and the demo cards once /healthz is green (the
// kiosk in service). Any process that dies, nats-server included, is restarted with back-off and a
// log line; Ctrl-C or SIGTERM stops everything and leaves nothing running. DATA_DIR/stack.pid
// names what runs, so that a start after a launcher killed by SIGKILL stops what it left.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { demoSecrets, provisionCards, readCardFile } from '../../card/demo/provision.ts';
import { enrollAgentKey, listCards } from '../../platform/registry-admin-client.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { partCommand, type Part } from '../serve.ts';
import { natsUrlOf, readConfig, type StackConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { connectNats } from '../../platform/nats-runtime.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { embeddedServerAccess, ensureCredentials, inboxPrefixOf } from './credentials/index.ts';
import { DEMO_CARD_FILES } from '../ui/ui.service.ts';
import { staffOrigin } from '../staff-auth/staff-origin.ts';
import { claimDataDir, type StackPidFile } from './pid-file.ts';
import { spawnProcess, supervise, type Supervised } from './supervisor.ts';

const log = createLogger('stack');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stack's processes, each restarted when it dies and recorded in the pid file while it runs. */
function superviseWithPidFile(pidFile: StackPidFile) {
  return {
    log,
    onStarted: (name: string, pid: number) => pidFile.set(name, pid),
    onExited: (name: string) => pidFile.set(name, undefined),
  };
}

function supervisePart(part: Part, env: NodeJS.ProcessEnv, pidFile: StackPidFile): Supervised {
  const { command, args } = partCommand(part);
  return supervise(part, () => spawnProcess(command, args, env), superviseWithPidFile(pidFile));
}

/**
 * nats-server under the same supervision as the parts: restarted on the same config, ports and
 * JetStream store, so the parts (which reconnect for ever) find their streams and buckets again.
 */
function superviseNatsServer(first: RunningNatsServer, pidFile: StackPidFile): Supervised {
  let latest = first;
  const restart = async () => (latest = await latest.restart());
  return supervise('nats-server', restart, superviseWithPidFile(pidFile), first);
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
  let stopping: Promise<void> | undefined;
  const isStopping = () => stopping !== undefined;
  const parts: Supervised[] = [];
  let server: RunningNatsServer | undefined;
  let supervisedServer: Supervised | undefined;
  let nc: NatsConnection | undefined;
  let pidFile: StackPidFile | undefined;

  const stopAll = (reason: string) => {
    stopping ??= (async () => {
      log.info('stopping', { reason });
      for (const supervised of [...parts, ...(supervisedServer === undefined ? [] : [supervisedServer])]) supervised.standDown();
      // The UI and the engine first (no new input), then the card agent, the registry, the server.
      for (const part of [...parts].reverse()) await part.stop();
      await nc?.close().catch(() => undefined);
      await (supervisedServer?.stop() ?? server?.stop());
      pidFile?.remove();
      log.info('stopped');
    })();
    return stopping;
  };
  // `on`, not `once`: Ctrl-C reaches us from the terminal and again from whoever started us (npm);
  // a second signal must not kill the launcher half-way and leave nats-server behind.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stopAll(signal).then(() => process.exit(0)));
  }

  try {
    pidFile = await claimDataDir(config.dataDir, log);
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
      supervisedServer = superviseNatsServer(server, pidFile);
    }
    const natsUrl = server?.url ?? natsUrlOf(config);
    const own = server === undefined ? undefined : await ensureCredentials(config.dataDir, 'stack');
    nc = await connectNats({
      servers: natsUrl,
      name: 'stack',
      maxReconnectAttempts: -1,
      ...(own === undefined ? {} : { user: own.user, pass: own.password, inboxPrefix: inboxPrefixOf('stack') }),
    });
    const env = { ...process.env, NATS_URL: natsUrl, DATA_DIR: config.dataDir };
    // Each part logs in as itself; its password is read from the credentials folder, not passed.
    const partEnv = (user: string): NodeJS.ProcessEnv =>
      server === undefined ? env : { ...env, NATS_USER: user, NATS_PASSWORD: '', NATS_INBOX_PREFIX: '' };

    parts.push(supervisePart('registry', partEnv('registry'), pidFile));
    const connection = nc;
    await waitFor('the registry', async () => (await connection.request('$SRV.PING.registry', undefined, { timeout: 500 })) && true, isStopping);
    if (config.cardReader === 'sim') await importDemoCardsIfNeeded(connection, config);
    // Provisioning of the embedded kiosk: its card agent's key is made here (the agent reads the
    // same file) and enrolled with the registry, as an operator does in production.
    const agentKey = await loadOrCreateAgentKey(config.dataDir, config.kioskId);
    await enrollAgentKey(connection, config.kioskId, agentKey.publicKey);
    for (const part of ['card-agent', 'engine', 'ui', 'staff-auth'] as const) parts.push(supervisePart(part, partEnv(part), pidFile));

    const http = `http://127.0.0.1:${config.httpPort}`;
    // Asked the way an operator or a probe asks: over HTTP, so the UI part is checked too.
    await waitFor('every part to be healthy', async () => ((await fetch(`${http}/healthz`)).ok ? true : undefined), isStopping);
    const banner = [
      '',
      'MOEACA card activation kiosk is running.',
      `  kiosk      ${http}/`,
      // WebAuthn binds passkeys to a host name, never an IP address: the console lives on localhost.
      `  staff      ${staffOrigin(config)}/staff   (sign in with a passkey; enroll one: npm run staff -- enroll <staffId> <name>)`,
      `  inspector  ${http}/inspector`,
      `  dashboard  ${http}/dashboard`,
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
    log.error('start failed', { error: (error as Error).message });
    await stopAll('start failed');
    process.exit(1);
  }
}

await main();
