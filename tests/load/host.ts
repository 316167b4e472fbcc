// One kiosk host of the load run, in its own process (run.ts forks one per core, `--hosts`): a
// share of the kiosks (real engines and card agents) and the driver that plays the people at them.
// The coordinator hands out the activations one at a time over IPC, so a fast host takes more and
// no host is idle while another has a queue. Protocol (parent → host, host → parent):
//   start → (kiosks up and idle) idle {rss before/after} → go → next* / index → done {samples} → stop
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { View } from '../../machines/contract/index.ts';
import { until } from '../support/until.ts';
import { startKiosks, StepFailed, type SimulatedKiosk } from './kiosks.ts';
import { cardFor, ID, PIN, SELF, WRONG, WRONG_ID } from './mix.ts';
import { rssMb } from './proc.ts';

export interface HostStart {
  type: 'start';
  natsUrl: string;
  dataDir: string;
  /** This host's kiosks: `load-<first>` … `load-<first + count − 1>`. */
  first: number;
  count: number;
  /** Activations this host keeps in flight (each on a kiosk of its own). */
  inFlight: number;
  staffToken: string;
}

export type ToHost = HostStart | { type: 'go' } | { type: 'index'; index: number | null } | { type: 'stop' };

export interface HostDone {
  type: 'done';
  /** Step name → every sample, ms. */
  steps: Record<string, number[]>;
  /** Step name → "try again" presses after a 3125. */
  retries: Record<string, number>;
  /** Cards the driver saw reach "activated", and those refused as the mix expects (revoked). */
  activatedCards: string[];
  refused: number;
  failures: string[];
  rssEndMb: number;
}

export type FromHost = { type: 'idle'; rssBeforeMb: number; rssIdleMb: number; startSeconds: number } | { type: 'next' } | HostDone;

const on = (screen: View['screen']) => (view: View) => view.screen === screen;
const failedWith = (code: string) => (view: View) => view.error?.code === code;

/** Times a person presses "try again" on the registry's 3125 screen before the activation counts as failed. */
const RETRIES_ON_3125 = 5;

async function activate(kiosk: SimulatedKiosk, index: number, time: (step: string, ms: number) => void, retried: (step: string) => void): Promise<'activated' | 'refused'> {
  const { cardNumber, kind } = cardFor(index);
  const timed = async (step: string, run: () => Promise<View>) => {
    const started = performance.now();
    const view = await run();
    time(step, performance.now() - started);
    return view;
  };
  // A step that asks the registry, as a person at the counter does it: on 3125 ("the registry did
  // not answer, try again", retryable) press "try again", which returns to the step's screen (or,
  // for an acceptance holding the new contact, sends it again), and repeat the step. Timed whole.
  const asking = (step: string, event: Parameters<SimulatedKiosk['step']>[0], until: (view: View) => boolean, from: View['screen'], card?: string) =>
    timed(step, async () => {
      for (let tries = 0; ; tries++) {
        try {
          return await kiosk.step(event, until, card);
        } catch (error) {
          if (!(error instanceof StepFailed) || error.view.error?.code !== '3125' || tries >= RETRIES_ON_3125) throw error;
          retried(step);
          const resumed = await kiosk.step({ type: 'user.reset' }, (view) => view.error === undefined && (view.screen === from || until(view)));
          if (until(resumed)) return resumed;
        }
      }
    });
  if (kind === 'revoked') {
    await timed('insert → refused 4931 (read, identify)', () => kiosk.step('insert', (v) => v.error?.code === '4931', cardNumber));
    await timed('remove → idle', () => kiosk.step('remove', on('insertCard')));
    return 'refused';
  }
  const bundled = kind.startsWith('bundled');
  await timed('insert → choose path (read, identify)', () => kiosk.step('insert', (v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, cardNumber));
  const entry = bundled ? 'enterResponsibleId' : 'enterUserCode';
  await kiosk.step({ type: 'user.choosePath', path: bundled ? 'registration-bundled' : 'self-applied' }, on(entry));
  if (kind.endsWith('wrong-first')) {
    const wrong = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: WRONG_ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: WRONG };
    await asking('verify refused (3005)', wrong, failedWith('3005'), entry);
  }
  const right = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: SELF };
  await asking('verify', right, on('confirmCardData'), entry);
  if (bundled) {
    await kiosk.step({ type: 'user.confirmCardData' }, on('enterContact'));
    const contact = { type: 'user.submitContact' as const, email: 'new@example.com.tw', userCode: 'Ld#NewUc1', userCodeConfirm: 'Ld#NewUc1' };
    await asking('accept (with new user code)', contact, on('enterPin'), 'enterContact');
  } else {
    await asking('accept', { type: 'user.confirmCardData' }, on('enterPin'), 'confirmCardData');
  }
  await asking('PIN grant, C_InitPIN, complete', { type: 'user.submitPin', pin: PIN, pinConfirm: PIN }, on('activated'), 'enterPin');
  await timed('remove → idle', () => kiosk.step('remove', on('insertCard')));
  return 'activated';
}

function message<T extends ToHost['type']>(type: T): Promise<Extract<ToHost, { type: T }>> {
  return new Promise((resolve) => {
    const listen = (received: ToHost) => {
      if (received.type !== type) return;
      process.off('message', listen);
      resolve(received as Extract<ToHost, { type: T }>);
    };
    process.on('message', listen);
  });
}

/** The next activation's index from the coordinator, or null when all are handed out. IPC keeps order. */
const waitingForIndex: Array<(index: number | null) => void> = [];
function nextIndex(): Promise<number | null> {
  return new Promise((resolve) => {
    waitingForIndex.push(resolve);
    process.send!({ type: 'next' } satisfies FromHost);
  });
}

async function host(start: HostStart): Promise<void> {
  process.on('message', (received: ToHost) => {
    if (received.type === 'index') waitingForIndex.shift()?.(received.index);
  });
  const stopping = message('stop');
  const driver = await connect({ servers: start.natsUrl, name: `load-driver-${start.first}`, noAsyncTraces: true });
  const parts: NatsConnection[] = await Promise.all(
    Array.from({ length: Math.max(1, Math.ceil(start.count / 100)) }, (_, i) => connect({ servers: start.natsUrl, name: `load-parts-${start.first}-${i}`, noAsyncTraces: true })),
  );
  const rssBeforeMb = await rssMb(process.pid);
  const starting = performance.now();
  const fleet = await startKiosks({ first: start.first, count: start.count, dataDir: start.dataDir, partsConnections: parts, driver, staffToken: start.staffToken });
  await until(async () => {
    const probe = await Promise.all(fleet.kiosks.map((k) => driver.request(`kiosk.${k.id}.view.get`, new Uint8Array(), { timeout: 30_000 }).then((m) => m.json<View>().screen)));
    return probe.every((screen) => screen === 'insertCard');
  }, 'every kiosk idle', { giveUpMs: 300_000, everyMs: 500 });
  process.send!({ type: 'idle', rssBeforeMb, rssIdleMb: await rssMb(process.pid), startSeconds: (performance.now() - starting) / 1000 } satisfies FromHost);
  await message('go');

  const steps: Record<string, number[]> = {};
  const time = (step: string, ms: number) => (steps[step] ??= []).push(ms);
  const retries: Record<string, number> = {};
  const retried = (step: string) => (retries[step] = (retries[step] ?? 0) + 1);
  const done: HostDone = { type: 'done', steps, retries, activatedCards: [], refused: 0, failures: [], rssEndMb: 0 };
  const workers = Math.min(start.inFlight, start.count);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      // Worker w drives kiosks w, w + workers, …, so every kiosk serves and none serves twice at once.
      const owned = Math.ceil((start.count - worker) / workers);
      for (let turn = 0; ; turn++) {
        const index = await nextIndex();
        if (index === null) return;
        const kiosk = fleet.kiosks[worker + (turn % owned) * workers]!;
        try {
          if ((await activate(kiosk, index, time, retried)) === 'activated') done.activatedCards.push(cardFor(index).cardNumber);
          else done.refused++;
        } catch (error) {
          done.failures.push(`${cardFor(index).cardNumber}: ${(error as Error).message}`);
          await kiosk.reset();
        }
      }
    }),
  );
  done.rssEndMb = await rssMb(process.pid);
  process.send!(done);
  await stopping;
  await fleet.stop();
  await Promise.allSettled([driver.close(), ...parts.map((p) => p.close())]);
  process.exit(0);
}

await host(await message('start'));
