// The registry instances of a load run, each in its own process at the production scrypt cost.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { startRegistry } from '../../services/registry/registry.service.ts';

async function registryHost(natsUrl: string, dataDir: string): Promise<void> {
  // As main.ts connects the registry.
  const nc = await connect({ servers: natsUrl, name: 'load-registry', noAsyncTraces: true, noEcho: true });
  const registry = await startRegistry({ nc, dataDir, log: () => undefined });
  process.send?.('ready');
  process.once('SIGTERM', () => void registry.stop().then(() => nc.drain()).then(() => process.exit(0)));
}

export async function spawnRegistry(natsUrl: string, dataDir: string, key: string): Promise<ChildProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['registry-host', natsUrl, dataDir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REGISTRY_KEY: key },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`registry host exited with ${code}`)));
  });
  return child;
}

export async function stopRegistries(registries: ChildProcess[]): Promise<void> {
  for (const child of registries) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

if (process.argv[2] === 'registry-host') await registryHost(process.argv[3]!, process.argv[4]!);
