// A part whose login may not subscribe to one of its subjects says so in its log: the server's
// permissions violation reaches the part's runtime (platform/nats-runtime.ts), which logs it. The
// registry's NATS service used to end on it without a line (answering nothing from then on), and
// staff-auth used to answer the error as if it were a request. A real nats-server refuses the
// subscription here, exactly as a production rule missing a subject would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_SUBJECTS } from '../../machines/contract/index.ts';
import { STAFF_AUTH_SUBJECTS } from '../../machines/contract/staff.ts';
import { createLogger } from '../../platform/log.ts';
import { connectNats, type NatsConnection } from '../../platform/nats-runtime.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { startRegistry } from '../../services/registry/registry.service.ts';
import { startStaffAuth } from '../../services/staff-auth/staff-auth.service.ts';
import { loadStaffTokenKeys } from '../../services/staff-auth/staff-token.ts';

type Line = Record<string, unknown>;

/** Everything may be done except subscribing to `refused`. */
function userRefused(user: string, refused: string) {
  return { user, password: `${user}-password`, permissions: { publish: { allow: ['>'] }, subscribe: { allow: ['>'], deny: [refused] } } };
}

/** A log sink that resolves `seen` with the first line `matches` accepts. */
function waitingLog(matches: (line: Line) => boolean) {
  const lines: Line[] = [];
  let found!: (line: Line) => void;
  const seen = new Promise<Line>((resolve) => (found = resolve));
  const sink = (text: string) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    if (matches(line)) found(line);
  };
  return { lines, seen, sink };
}

describe('a subscription the server refuses', () => {
  let dataDir: string;
  let server: RunningNatsServer;
  const connections: NatsConnection[] = [];
  const login = async (user: string) => {
    const nc = await connectNats({ servers: server.url, user, pass: `${user}-password`, name: user });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kiosk-subscription-errors-'));
    server = await startNatsServer({
      dataDir,
      name: 'subscription-errors',
      access: {
        users: [userRefused('registry', REGISTRY_SUBJECTS.adminList), userRefused('staff-auth', STAFF_AUTH_SUBJECTS.adminList)],
        allowedOrigins: [],
      },
    });
  });
  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is logged by the registry as its service stopping, naming the subject, and reported as failed', async () => {
    const { seen, sink } = waitingLog((line) => line.msg === 'service stopped');
    const registry = await startRegistry({ nc: await login('registry'), dataDir, secretKey: Buffer.alloc(32, 7), scryptCost: { N: 1024, r: 8, p: 1 }, log: sink });
    const line = await seen;
    expect(line).toMatchObject({ level: 'error', part: 'registry', service: 'registry' });
    expect(String(line.error)).toMatch(/Permissions Violation/);
    expect(String(line.error)).toContain(REGISTRY_SUBJECTS.adminList);
    // main.ts exits on it, so that its supervisor starts a registry that answers again.
    expect((await registry.failed).message).toMatch(/Permissions Violation/);
    await registry.stop();
  });

  it('is logged by staff-auth for that subject, and answered as no request', async () => {
    const { lines, seen, sink } = waitingLog((line) => line.msg === 'subscription failed');
    const staffAuth = await startStaffAuth({
      nc: await login('staff-auth'),
      keys: await loadStaffTokenKeys(dataDir, {}),
      origin: 'https://staff.example.test',
      log: createLogger('staff-auth', sink),
    });
    const line = await seen;
    expect(line).toMatchObject({ level: 'error', part: 'staff-auth', subject: STAFF_AUTH_SUBJECTS.adminList });
    expect(String(line.error)).toMatch(/Permissions Violation/);
    expect(lines.filter((logged) => logged.msg === 'request failed')).toEqual([]);
    await staffAuth.stop();
  });
});
