// The kiosk stack for the fault matrix (docs/reliability.md): every part a real process against a
// real nats-server, so each can be SIGKILLed and started again: two registry instances, one card
// agent (simulated reader over SoftHSM2 tokens), one engine. The server is ours too, so it can be
// killed and restarted on the same port and JetStream store.
//
// To hold a step deterministically, the parts live in three NATS accounts that cannot see each
// other — KIOSK (engine), AGENT (card agent), HUB (registries) — and the test bridges them: every
// request that crosses from one part to another passes through `Bridge`, which can hold it while
// a fault is injected, then forward it, drop it, or forward it and drop the reply. Nothing else
// changes: the parts use their ordinary subjects and their own code. The one difference from one
// shared account: a request nobody answers times out instead of failing at once with "no
// responders" (the same code, 3125, reaches the user; it only takes the timeout longer).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { decodeJson, kioskSubjects, ViewSchema, type CardImportRecord, type UserEvent, type View } from '../../machines/contract/index.ts';
import { provisionCards } from '../../card/demo/provision.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { enrollAgentKey } from '../../platform/registry-admin-client.ts';
import { freePort } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { partCommand } from '../../services/serve.ts';
import { until } from './until.ts';

const PASSWORD = 'fault-matrix-only';
const USERS = { engine: 'KIOSK', 'kiosk-test': 'KIOSK', agent: 'AGENT', 'agent-test': 'AGENT', registry: 'HUB', 'hub-test': 'HUB' } as const;
type User = keyof typeof USERS;

/** What becomes of a request the bridge held. */
export type Fate = 'forward' | 'drop' | 'drop-reply';

export interface HeldRequest {
  subject: string;
  /** Which side sent it. */
  from: 'engine' | 'agent';
  release(fate: Fate): void;
}

/** One nats-server with the three accounts, restartable on the same port and store. */
class FaultNats {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly configFile: string,
    private readonly logFile: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('/usr/sbin/nats-server', ['-c', this.configFile, '-l', this.logFile], { stdio: 'ignore', detached: true });
    this.child = child;
    await until(
      () =>
        new Promise<boolean>((resolve) => {
          if (child.exitCode !== null) throw new Error(`nats-server exited; see ${this.logFile}`);
          const socket = tcpConnect({ host: '127.0.0.1', port: this.port }, () => {
            socket.end();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      'nats-server listening',
    );
  }

  /** SIGKILL, as an OOM kill would: nothing is flushed, nothing said goodbye. */
  async kill(): Promise<void> {
    await killChild(this.child);
  }
}

async function killChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** One part as its own process, its output kept. */
export class PartProcess {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];
  constructor(
    readonly name: string,
    private readonly part: 'registry' | 'engine' | 'card-agent',
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    const { command, args } = partCommand(this.part);
    const child = spawn(command, args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const lines: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output.push(chunk.toString());
      lines.push(chunk.toString());
    });
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    // The registry says when it serves; the others are ready when the engine's view says so.
    if (this.part === 'registry') {
      await until(() => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited: ${this.output.join('').slice(-2000)}`);
        return lines.join('').includes('"ready":true');
      }, `${this.name} ready`);
    }
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(): Promise<void> {
    return killChild(this.child);
  }

  stop(): Promise<void> {
    return killChild(this.child, 'SIGTERM');
  }
}

/**
 * Carries requests between the accounts. `hold(match)` arms a one-shot trap: the next request
 * whose subject matches is held until the test releases it with a fate.
 */
class Bridge {
  private trap: { match: (subject: string) => boolean; caught: (held: HeldRequest) => void } | undefined;

  constructor(private readonly hub: NatsConnection) {}

  hold(match: (subject: string) => boolean): Promise<HeldRequest> {
    return new Promise((caught) => {
      this.trap = { match, caught };
    });
  }

  disarm(): void {
    this.trap = undefined;
  }

  /** Serves `subject` on `from`, forwarding to `to`. */
  carry(fromNc: NatsConnection, fromSide: 'engine' | 'agent', subject: string, toNc: NatsConnection = this.hub): void {
    fromNc.subscribe(subject, {
      callback: (_error, msg) => {
        void this.pass(msg, fromSide, toNc);
      },
    });
  }

  private async pass(msg: Msg, from: 'engine' | 'agent', toNc: NatsConnection): Promise<void> {
    let fate: Fate = 'forward';
    const trap = this.trap;
    if (trap !== undefined && trap.match(msg.subject)) {
      this.trap = undefined;
      fate = await new Promise<Fate>((release) => trap.caught({ subject: msg.subject, from, release }));
    }
    if (fate === 'drop') return;
    try {
      const reply = await toNc.request(msg.subject, msg.data, { timeout: 30_000, ...(msg.headers ? { headers: msg.headers } : {}) });
      if (fate === 'drop-reply') return;
      msg.respond(reply.data, reply.headers ? { headers: reply.headers } : {});
    } catch {
      // Nobody answered on the other side (or the connection died with the server): the asker
      // times out, as it would have without the bridge.
    }
  }
}

export interface FaultStack {
  dataDir: string;
  kioskId: string;
  nats: FaultNats;
  registries: PartProcess[];
  engine: PartProcess;
  agent: PartProcess;
  bridge: Bridge;
  /** HUB-side client: the registry's records (ra_cards, RA_EVENTS). */
  hubNc: NatsConnection;
  views: View[];
  provision(records: CardImportRecord[]): Promise<void>;
  insert(cardNumber: string): Promise<void>;
  remove(): Promise<void>;
  send(event: UserEvent): void;
  /** The first view after index `from` that matches, or undefined when none came in time. */
  nextView(from: number, match: (view: View) => boolean, giveUpMs?: number): Promise<number | undefined>;
  stop(): Promise<void>;
}

function configText(port: number, storeDir: string): string {
  const accounts: Record<string, { jetstream: string; users: { user: string; password: string }[] }> = {};
  for (const [user, account] of Object.entries(USERS)) {
    accounts[account] ??= { jetstream: 'enabled', users: [] };
    accounts[account].users.push({ user, password: PASSWORD });
  }
  return JSON.stringify(
    { server_name: 'faults', host: '127.0.0.1', port, max_payload: 1024 * 1024, jetstream: { store_dir: storeDir, max_memory_store: 64 * 1024 * 1024 }, accounts },
    null,
    2,
  );
}

export async function startFaultStack(kioskId = 'kiosk-faults'): Promise<FaultStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-faults-'));
  const natsDir = join(dataDir, 'nats');
  await mkdir(join(natsDir, 'jetstream'), { recursive: true });
  const port = await freePort();
  const configFile = join(natsDir, 'nats-server.conf');
  await writeFile(configFile, configText(port, join(natsDir, 'jetstream')));
  const nats = new FaultNats(port, configFile, join(natsDir, 'nats-server.log'));
  await nats.start();

  const clients: NatsConnection[] = [];
  const client = async (user: User) => {
    const nc = await connect({ servers: nats.url, user, pass: PASSWORD, name: user, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    clients.push(nc);
    return nc;
  };
  const kioskNc = await client('kiosk-test');
  const agentNc = await client('agent-test');
  const hubNc = await client('hub-test');
  const subjects = kioskSubjects(kioskId);

  const partEnv = (user: User): NodeJS.ProcessEnv => ({
    NATS_URL: nats.url,
    NATS_USER: user,
    NATS_PASSWORD: PASSWORD,
    KIOSK_ID: kioskId,
    DATA_DIR: dataDir,
    CARD_READER: 'sim',
  });
  const registries = [0, 1].map((index) => new PartProcess(`registry-${index}`, 'registry', partEnv('registry')));
  const engine = new PartProcess('engine', 'engine', partEnv('engine'));
  const agent = new PartProcess('card-agent', 'card-agent', partEnv('agent'));

  const bridge = new Bridge(hubNc);
  bridge.carry(kioskNc, 'engine', 'ra.>');
  bridge.carry(agentNc, 'agent', 'ra.>');
  for (const request of [subjects.cardStatus, subjects.cardSelfcheck, subjects.cardRead, subjects.cardSetPin]) {
    bridge.carry(kioskNc, 'engine', request, agentNc);
  }
  // Reader events flow the other way, agent → engine, as plain publishes.
  agentNc.subscribe(subjects.cardEvents, { callback: (_error, msg) => kioskNc.publish(msg.subject, msg.data) });

  const views: View[] = [];
  const waiters = new Set<() => void>();
  kioskNc.subscribe(subjects.view, {
    callback: (_error, msg) => {
      const decoded = decodeJson(ViewSchema, msg.data);
      if (!decoded.ok) throw new Error(`engine published an invalid view: ${decoded.problems.join('; ')}`);
      views.push(decoded.value);
      for (const wake of waiters) wake();
    },
  });
  await Promise.all([kioskNc.flush(), agentNc.flush()]);

  for (const registry of registries) await registry.start();
  await enrollAgentKey(hubNc, kioskId, (await loadOrCreateAgentKey(dataDir, kioskId)).publicKey);
  await agent.start();
  await engine.start();

  const stack: FaultStack = {
    dataDir,
    kioskId,
    nats,
    registries,
    engine,
    agent,
    bridge,
    hubNc,
    views,
    async provision(records) {
      await provisionCards({ dataDir, records, nc: hubNc, log: () => undefined, tokenOnly: false });
    },
    async insert(cardNumber) {
      // A card agent just started may not serve yet: the hand waits for the reader to be there.
      const reply = await until(() => agentNc.request(subjects.cardSimInsert, encodeJson({ cardNumber }), { timeout: 10_000 }), 'the simulated reader takes the card', {
        retryOnError: true,
      });
      if (!reply.json<{ ok: boolean }>().ok) throw new Error(`could not insert ${cardNumber}`);
    },
    async remove() {
      await agentNc.request(subjects.cardSimRemove, encodeJson({}), { timeout: 10_000 });
    },
    send(event) {
      kioskNc.publish(subjects.input, encodeJson(event));
    },
    nextView(from, match, giveUpMs = 60_000) {
      return new Promise((resolve) => {
        let checked = from;
        const check = () => {
          for (; checked < views.length; checked++) {
            if (match(views[checked]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(checked);
              return;
            }
          }
        };
        // A guard, not a measurement: a session that never moves again is recorded as stuck.
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(undefined);
        }, giveUpMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      bridge.disarm();
      await engine.stop();
      await agent.stop();
      for (const registry of registries) await registry.stop();
      await Promise.allSettled(clients.map((nc) => nc.close()));
      await nats.kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
