// One registry instance as its own process (`npm run serve:registry`, or `npm run serve -- registry`).
// With NATS_URL it joins that server; without, it uses the server on 127.0.0.1:$NATS_PORT, or starts
// one with our launcher (JetStream under $DATA_DIR/nats) when nothing listens there. Start as many
// as you like: they share the work through the queue group. Logs one JSON line per request.
import { join, resolve } from 'node:path';
import { readConfig } from '../../platform/config.ts';
import { onShutdown } from '../../platform/lifecycle.ts';
import { createLogger } from '../../platform/log.ts';
import { connectPart, type NatsConnection } from '../../platform/nats-runtime.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { startRegistry } from './registry.service.ts';

/** Every line of this process goes through the shared, scrubbing logger, the registry's own included. */
const log = createLogger('registry');

async function connectOrStart(dataDir: string): Promise<{ nc: NatsConnection; server?: RunningNatsServer }> {
  const config = readConfig();
  // noEcho: the server does not hand this instance its own publishes back; its card view keeps its
  // own changes as their acks come (card-view.ts), and it never asks itself anything. (connectPart
  // already turns nats.js's per-request stack traces off.) Credentials come from NATS_USER /
  // NATS_PASSWORD in production, as for every part.
  const connectTo = (servers: string) => connectPart(config, 'registry', { noEcho: true, servers });
  const given = config.natsUrl;
  if (given) return { nc: await connectTo(given) };
  const port = config.natsPort;
  try {
    return { nc: await connectTo(`nats://127.0.0.1:${port}`) };
  } catch {
    const server = await startNatsServer({ dataDir: join(dataDir, 'nats'), port, name: 'registry-nats' });
    log.info('started its own nats-server', { natsServer: server.url, pid: server.pid, log: server.logFile });
    return { nc: await connectTo(server.url), server };
  }
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR || './.data');
  const { nc, server } = await connectOrStart(dataDir);
  const registry = await startRegistry({ nc, dataDir, replicas: readConfig().registryReplicas, log: (text) => process.stdout.write(`${text}\n`) });
  log.info('ready', { ready: true, nats: nc.getServer(), dataDir });

  // Stoppers run in reverse: the registry, then the connection, then a server of its own.
  const stopAll = onShutdown([() => server?.stop(), () => nc.drain(), () => registry.stop()], (stopping) => log.info('stopping', { stopping }));
  // A registry whose service ended answers nothing: exit non-zero so systemd starts it again.
  void registry.failed.then(() => stopAll().then(() => process.exit(1)));
}

main().catch((error: unknown) => {
  process.stderr.write(`registry failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
