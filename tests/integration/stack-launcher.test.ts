// `npm start`'s launcher as a process (the same entry point, temp DATA_DIR, free ports): no orphans
// whatever happens to it, nats-server supervised like every part, and /healthz that really checks.
// Every pid the stacks ever ran is collected, and the last check is that none of them still runs.
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { kioskSubjects } from '../../machines/contract/index.ts';
import { listCards } from '../../platform/registry-admin-client.ts';
import { PID_FILE_NAME } from '../../services/stack/pid-file.ts';
import { descendantsOf, isListening, isRunning, startE2eStack, type E2eStack } from '../support/e2e-stack.ts';
import { until } from '../support/until.ts';

const everyPid = new Set<number>();
const dataDirs: string[] = [];
const stacks: E2eStack[] = [];

async function start(options: Parameters<typeof startE2eStack>[0] = {}): Promise<E2eStack> {
  const stack = await startE2eStack({ startWithinMs: 120_000, ...options });
  stacks.push(stack);
  if (!dataDirs.includes(stack.dataDir)) dataDirs.push(stack.dataDir);
  everyPid.add(stack.pid);
  return stack;
}

function remember(stack: E2eStack): number[] {
  const pids = descendantsOf(stack.pid);
  for (const pid of pids) everyPid.add(pid);
  return pids;
}

interface HealthBody {
  ok: boolean;
  screen: string | null;
  parts: Record<string, { ok: boolean; detail?: string }>;
}

async function health(stack: E2eStack): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${stack.httpUrl}/healthz`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

async function pidsInFile(dataDir: string): Promise<Record<string, number>> {
  const content = JSON.parse(await readFile(join(dataDir, PID_FILE_NAME), 'utf8')) as { processes: Record<string, { pid: number }> };
  return Object.fromEntries(Object.entries(content.processes).map(([name, { pid }]) => [name, pid]));
}

const linesOf = (stack: E2eStack) => stack.output.map((line) => line.text);

/**
 * Freezes a process and waits until the kernel says it is stopped: kill() returns before the
 * signal is acted on, and on a busy machine the process may still answer one more request.
 */
async function freeze(pid: number, what: string): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await until(() => / T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')')), `${what} stopped`);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
}

async function nothingLeft(stack: E2eStack): Promise<void> {
  for (const pid of everyPid) expect(isRunning(pid), `process ${pid} still running: ${commandOf(pid)}`).toBe(false);
  for (const port of Object.values(stack.ports)) expect(await isListening(port), `port ${port} still open`).toBe(false);
}

afterAll(async () => {
  // A test that failed half-way: stop what is left, then the data dirs.
  for (const stack of stacks) stack.kill();
  for (const pid of everyPid) {
    if (!isRunning(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

// Two stacks started one after the other on a shared machine: a guard against a hang, not a measure.
describe('npm start leaves no orphans', () => {
  it('SIGKILL the launcher, start again on the same DATA_DIR: what it left is stopped, and a stop ends everything', async () => {
    const first = await start();
    await until(() => linesOf(first).includes('MOEACA card activation kiosk is running.'), 'the banner, once in service');
    const firstPids = remember(first);
    const recorded = await pidsInFile(first.dataDir);
    expect(Object.keys(recorded).sort()).toEqual(['card-agent', 'engine', 'nats-server', 'registry', 'staff-auth', 'ui']);
    // A first start says "started" for each part; "restarted" is for a run after an exit only.
    const partLines = linesOf(first).flatMap((line) => {
      try {
        return [JSON.parse(line) as { msg: string }];
      } catch {
        return [];
      }
    });
    for (const part of ['card-agent', 'engine', 'registry', 'staff-auth', 'ui']) {
      expect(partLines.some(({ msg }) => msg === `${part} started`), `${part} started`).toBe(true);
    }
    expect(partLines.filter(({ msg }) => / (restarted|exited; restarting)$/.test(msg)).map(({ msg }) => msg)).toEqual([]);
    expect(firstPids).toEqual(expect.arrayContaining(Object.values(recorded)));

    // While it runs, a second start on the same data dir refuses, naming the launcher.
    await expect(start({ dataDir: first.dataDir, startWithinMs: 60_000 })).rejects.toThrow(`another stack (launcher pid ${first.pid})`);

    await first.killLauncher();
    // Its nats-server, in its own process group, outlives it (the reason for the pid file).
    expect(isRunning(recorded['nats-server']!)).toBe(true);

    const second = await start({ dataDir: first.dataDir, ports: first.ports });
    remember(second);
    for (const [name, pid] of Object.entries(recorded)) {
      expect(isRunning(pid), `${name} (pid ${pid}) of the killed stack still running`).toBe(false);
    }
    expect(linesOf(second).some((line) => line.includes('left running by a stack that was killed') && line.includes('nats-server'))).toBe(true);
    // The new stack serves on its own nats-server, not the orphan.
    expect(Object.values(await pidsInFile(second.dataDir))).not.toContain(recorded['nats-server']);

    const stopped = await second.stop();
    expect(stopped.code).toBe(0);
    for (const pid of stopped.descendants) everyPid.add(pid);
    await nothingLeft(second);
  }, 300_000);

  it('card agent restarted and nats-server killed: /healthz says so each time, the launcher logs it and restarts it on the same store, the kiosk is back in service; then parts restarted and SIGTERM to the group: nothing left', async () => {
    const stack = await start({ ownGroup: true });
    remember(stack);
    const natsPid = (await pidsInFile(stack.dataDir))['nats-server']!;
    const before = await health(stack);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ ok: true, screen: 'insertCard', parts: { nats: { ok: true }, kiosk: { ok: true } } });

    // The card agent stopped while the launcher cannot restart it (frozen): the kiosk goes out of
    // service and /healthz says so, with the screen; once the launcher runs again it restarts the
    // agent, whose announcement puts the kiosk back in service at once.
    const views = await connect({ servers: stack.natsUrl, name: 'test-views', ...stack.login('observer') });
    const screens: string[] = [];
    views.subscribe(kioskSubjects(stack.kioskId).view, {
      callback: (_error, msg) => {
        const screen = msg.json<{ screen: string }>().screen;
        if (screens.at(-1) !== screen) screens.push(screen);
      },
    });
    await views.flush();
    await freeze(stack.pid, 'the launcher');
    try {
      process.kill((await pidsInFile(stack.dataDir))['card-agent']!, 'SIGTERM');
      await until(() => screens.at(-1) === 'outOfService', 'out of service without the agent');
      const outOfService = await health(stack);
      expect(outOfService.status).toBe(503);
      expect(outOfService.body).toMatchObject({ ok: false, screen: 'outOfService', parts: { kiosk: { ok: false } } });
    } finally {
      process.kill(stack.pid, 'SIGCONT');
    }
    await until(() => screens.at(-1) === 'insertCard', 'back in service once the agent is restarted', { giveUpMs: 60_000 });
    expect(screens).toEqual(['outOfService', 'insertCard']);
    await views.close();
    expect((await health(stack)).status).toBe(200);
    remember(stack);

    // A server that does not answer (frozen) is reported down, not "ok because the client is not closed".
    await freeze(natsPid, 'nats-server');
    try {
      const frozen = await health(stack);
      expect(frozen.status).toBe(503);
      expect(frozen.body.parts.nats).toMatchObject({ ok: false });
    } finally {
      process.kill(natsPid, 'SIGCONT');
    }

    process.kill(natsPid, 'SIGKILL');
    await until(() => linesOf(stack).some((line) => line.includes('nats-server exited; restarting') && line.includes('SIGKILL')), 'the launcher logs the exit');
    await until(() => linesOf(stack).some((line) => line.includes('nats-server restarted')), 'the launcher restarts nats-server', { giveUpMs: 60_000 });
    const natsPidAfter = (await pidsInFile(stack.dataDir))['nats-server']!;
    expect(natsPidAfter).not.toBe(natsPid);
    everyPid.add(natsPidAfter);
    await until(async () => (await health(stack)).status === 200, 'back in service after nats-server came back', { giveUpMs: 60_000, everyMs: 200 });
    expect((await health(stack)).body.screen).toBe('insertCard');
    // JetStream state kept: the demo cards imported at first start are still registered.
    const nc = await connect({ servers: stack.natsUrl, name: 'test', ...stack.login('admin') });
    try {
      expect((await listCards(nc)).length).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }

    // Parts restarted by the launcher (the case that once left nats-server behind on a stop).
    const partPids = await pidsInFile(stack.dataDir);
    for (const part of ['engine', 'registry'] as const) process.kill(partPids[part]!, 'SIGKILL');
    await until(async () => {
      const now = await pidsInFile(stack.dataDir);
      return now.engine !== undefined && now.engine !== partPids.engine && now.registry !== undefined && now.registry !== partPids.registry;
    }, 'engine and registry restarted', { giveUpMs: 60_000 });
    await until(async () => (await health(stack)).status === 200, 'in service after the restarts', { giveUpMs: 60_000, everyMs: 200 });
    remember(stack);

    const stopped = await stack.signalGroup('SIGTERM');
    expect(stopped.code).toBe(0);
    for (const pid of stopped.descendants) everyPid.add(pid);
    await nothingLeft(stack);
  }, 300_000);
});
