// One kiosk host of the load run, in its own process (run.ts forks one per core, `--hosts`): a
// share of the kiosks (real engines and card agents) and the driver that plays the people at them.
// The coordinator hands out the activations one at a time over IPC, so a fast host takes more and
// no host is idle while another has a queue. Protocol (parent → host, host → parent):
//   start → (kiosks up and idle) idle {rss before/after} → go → next* / index → done {samples} → stop
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { View } from '../../machines/contract/index.ts';
import { until } from '../support/until.ts';
import { startKiosks, type SimulatedKiosk } from './kiosks.ts';
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
  /** Cards the driver saw reach "activated", and those refused as the mix expects (revoked). */
  activatedCards: string[];
  refused: number;
  failures: string[];
  rssEndMb: number;
}

export type FromHost = { type: 'idle'; rssBeforeMb: number; rssIdleMb: number } | { type: 'next' } | HostDone;

const on = (screen: View['screen']) => (view: View) => view.screen === screen;
const failedWith = (code: string) => (view: View) => view.error?.code === code;

async function activate(kiosk: SimulatedKiosk, index: number, time: (step: string, ms: number) => void): Promise<'activated' | 'refused'> {
  const { cardNumber, kind } = cardFor(index);
  const timed = async (step: string, run: () => Promise<View>) => {
    const started = performance.now();
    const view = await run();
    time(step, performance.now() - started);
    return view;
  };
  if (kind === 'revoked') {
    await timed('insert → refused 4931 (read, identify)', () => kiosk.step('insert', (v) => v.error?.code === '4931', cardNumber));
    await timed('remove → idle', () => kiosk.step('remove', on('insertCard')));
    return 'refused';
  }
  const bundled = kind.startsWith('bundled');
  await timed('insert → choose path (read, identify)', () => kiosk.step('insert', (v) => v.screen === 'choosePath' && v.card?.cardNumber === cardNumber, cardNumber));
  await kiosk.step({ type: 'user.choosePath', path: bundled ? 'registration-bundled' : 'self-applied' }, on(bundled ? 'enterResponsibleId' : 'enterUserCode'));
  if (kind.endsWith('wrong-first')) {
    const wrong = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: WRONG_ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: WRONG };
    await timed('verify refused (3005)', () => kiosk.step(wrong, failedWith('3005')));
  }
  const right = bundled ? { type: 'user.submitResponsibleId' as const, responsibleId: ID, birthDate: '69/5/17' } : { type: 'user.submitUserCode' as const, userCode: SELF };
  await timed('verify', () => kiosk.step(right, on('confirmCardData')));
  if (bundled) {
    await kiosk.step({ type: 'user.confirmCardData' }, on('enterContact'));
    await timed('accept (with new user code)', () =>
      kiosk.step({ type: 'user.submitContact', email: 'new@example.com.tw', userCode: 'Ld#NewUc1', userCodeConfirm: 'Ld#NewUc1' }, on('enterPin')),
    );
  } else {
    await timed('accept', () => kiosk.step({ type: 'user.confirmCardData' }, on('enterPin')));
  }
  await timed('PIN grant, C_InitPIN, complete', () => kiosk.step({ type: 'user.submitPin', pin: PIN, pinConfirm: PIN }, on('activated')));
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
  const fleet = await startKiosks({ first: start.first, count: start.count, dataDir: start.dataDir, partsConnections: parts, driver, staffToken: start.staffToken });
  await until(async () => {
    const probe = await Promise.all(fleet.kiosks.map((k) => driver.request(`kiosk.${k.id}.view.get`, new Uint8Array(), { timeout: 30_000 }).then((m) => m.json<View>().screen)));
    return probe.every((screen) => screen === 'insertCard');
  }, 'every kiosk idle', { giveUpMs: 300_000, everyMs: 500 });
  process.send!({ type: 'idle', rssBeforeMb, rssIdleMb: await rssMb(process.pid) } satisfies FromHost);
  await message('go');

  const steps: Record<string, number[]> = {};
  const time = (step: string, ms: number) => (steps[step] ??= []).push(ms);
  const done: HostDone = { type: 'done', steps, activatedCards: [], refused: 0, failures: [], rssEndMb: 0 };
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
          if ((await activate(kiosk, index, time)) === 'activated') done.activatedCards.push(cardFor(index).cardNumber);
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
