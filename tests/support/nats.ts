// A throwaway nats-server for one test file: free ports, a temp data dir, stopped and removed
// afterwards. Use in `beforeAll` / `afterAll`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';

export interface TestNats {
  server: RunningNatsServer;
  dataDir: string;
  /** Opens another client connection (closed by `stop`), with any further options (e.g. `noEcho`, as the registry's). */
  connect(name?: string, options?: Omit<ConnectionOptions, 'servers' | 'name'>): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startTestNats(options: { websocket?: boolean } = {}): Promise<TestNats> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-test-nats-'));
  const server = await startNatsServer({
    dataDir,
    name: 'test',
    ...(options.websocket ? { wsPort: 0 } : {}),
  });
  const connections: NatsConnection[] = [];
  return {
    server,
    dataDir,
    async connect(name = 'test-client', options = {}) {
      const nc = await connect({ ...options, servers: server.url, name });
      connections.push(nc);
      return nc;
    },
    async stop() {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
