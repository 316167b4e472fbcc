// The inspector against a real nats-server over websocket, with the test playing two kiosk
// engines: discover, view.get, inspect.machine (the real machine's description), engine.stats,
// and the view and inspection streams of a recorded session. The page follows the chosen kiosk
// live, switches kiosks cleanly, and shows nothing a message should not carry.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { wsconnect, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { View } from '../../machines/contract/messages.ts';
import { KaInspectorApp } from '../../kiosk/inspector/app/ka-inspector-app.ts';
import { fixtureMachine, recordFixtureSession, type RecordedMessage } from '../../kiosk/inspector/fixtures.ts';
import { InspectorController } from '../../kiosk/inspector/inspector-controller.ts';
import type { KaInspectorLog } from '../../kiosk/inspector/log/ka-inspector-log.ts';
import { fixtureKioskView } from '../../kiosk/consoles/fixtures.ts';
import { deepAll } from './support/helpers.ts';

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const ROOT = fixtureMachine().id;

/** One kiosk's engine as the inspector sees it. */
class FakeEngine {
  statsAsked = 0;
  machineAsked = 0;
  stats = { accepted: 0, ignored: 0, rejected: 0, viewsPublished: 1, snapshotsPersisted: 1, persistFailures: 0, restoredFromSnapshot: false };
  private readonly subscriptions: Subscription[] = [];

  constructor(
    readonly nc: NatsConnection,
    readonly kioskId: string,
    public view: View,
    private readonly answersMachine = true,
  ) {}

  async start(): Promise<void> {
    const base = `kiosk.${this.kioskId}`;
    const on = (subject: string, reply: () => unknown) =>
      this.subscriptions.push(
        this.nc.subscribe(subject, {
          callback: (_error, msg) => {
            msg.respond(json(reply()));
          },
        }),
      );
    on('kiosk.discover', () => this.view);
    on(`${base}.view.get`, () => this.view);
    on(`${base}.engine.stats`, () => {
      this.statsAsked++;
      return this.stats;
    });
    if (this.answersMachine) {
      on(`${base}.inspect.machine`, () => {
        this.machineAsked++;
        return fixtureMachine();
      });
    }
    await this.nc.flush();
  }

  async play(messages: readonly RecordedMessage[]): Promise<void> {
    for (const message of messages) {
      if (message.kind === 'view') {
        this.view = { ...message.view, kioskId: this.kioskId };
        this.nc.publish(`kiosk.${this.kioskId}.view`, json(this.view));
      } else {
        this.nc.publish(`kiosk.${this.kioskId}.inspect`, json(message.event));
      }
    }
    await this.nc.flush();
  }

  publishRaw(stream: 'view' | 'inspect', body: unknown): void {
    this.nc.publish(`kiosk.${this.kioskId}.${stream}`, json(body));
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}

async function settleAll(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const all = [root, ...deepAll(root, '*')].filter((el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
    await Promise.all(all.map((el) => el.updateComplete));
  }
}

const logRows = (app: KaInspectorApp) => [...(deepAll<KaInspectorLog>(app, 'ka-inspector-log')[0]?.shadowRoot?.querySelectorAll('li') ?? [])];
const activeBox = (app: KaInspectorApp) =>
  deepAll(app, 'ka-inspector-chart')[0]?.shadowRoot?.querySelector<HTMLElement>('[aria-current="true"]')?.dataset.stateId;

describe('inspector over NATS', () => {
  let wsUrl = '';
  let nc: NatsConnection;
  let engines: FakeEngine[] = [];
  let recorded: RecordedMessage[];

  async function inspector(options: { kioskId?: string; configKiosk?: string } = {}): Promise<KaInspectorApp> {
    const app = await fixture<KaInspectorApp>(html`<ka-inspector-app></ka-inspector-app>`);
    new InspectorController(app, {
      config: { natsWsUrl: wsUrl, kioskId: options.configKiosk ?? 'kiosk-i1', simulatedReader: false },
      ...(options.kioskId === undefined ? {} : { kioskId: options.kioskId }),
      directory: { discoverWaitMs: 300, rediscoverMs: 0 },
      statsEveryMs: 150,
    });
    await waitUntil(() => app.machine !== undefined && app.view !== undefined, 'the inspector did not load a kiosk', { timeout: 10_000 });
    await settleAll(app);
    return app;
  }

  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
    ({ wsUrl } = await executeServerCommand<{ wsUrl: string }, { kioskId: string }>('nats-start', { kioskId: 'wtr-unused' }));
    nc = await wsconnect({ servers: wsUrl, name: 'test-engines' });
    recorded = await recordFixtureSession('kiosk-i1');
  });

  beforeEach(async () => {
    engines = [
      new FakeEngine(nc, 'kiosk-i1', { ...fixtureKioskView('kiosk-4'), kioskId: 'kiosk-i1', seq: 1 }),
      new FakeEngine(nc, 'kiosk-i2', { ...fixtureKioskView('kiosk-8'), kioskId: 'kiosk-i2', seq: 40 }),
    ];
    for (const engine of engines) await engine.start();
  });

  afterEach(() => {
    for (const engine of engines) engine.stop();
  });

  after(async () => {
    await nc.close();
    await executeServerCommand('nats-stop');
  });

  it('lists the kiosks, loads the wanted one: machine, current view and state, counters', async () => {
    const app = await inspector({ kioskId: 'kiosk-i1' });
    expect([...app.kiosks.keys()].sort()).to.deep.equal(['kiosk-i1', 'kiosk-i2']);
    expect(app.kioskId).to.equal('kiosk-i1');
    expect(app.view?.screen).to.equal('insertCard');
    expect(activeBox(app)).to.equal(`${ROOT}.awaitingCard`);
    await waitUntil(() => app.stats !== undefined, 'no counters');
    expect(app.stats?.viewsPublished).to.equal(1);
    const options = [...app.shadowRoot!.querySelectorAll('select option')].map((option) => (option as HTMLOptionElement).value);
    expect(options).to.deep.equal(['kiosk-i2', 'kiosk-i1']);
  });

  it('starts with the config’s kiosk when none is asked for', async () => {
    const app = await inspector({ configKiosk: 'kiosk-i2' });
    expect(app.kioskId).to.equal('kiosk-i2');
    expect(activeBox(app)).to.equal(`${ROOT}.session.failed.cardLocked`);
  });

  it('follows a session live: the active state moves, the log fills, newest first', async () => {
    const app = await inspector({ kioskId: 'kiosk-i1' });
    await engines[0]!.play(recorded);
    await waitUntil(() => app.view?.screen === 'enterPin' && app.activeSource?.kind === 'snapshot', 'session not followed', { timeout: 10_000 });
    await settleAll(app);
    expect(activeBox(app)).to.equal(`${ROOT}.session.awaitingPin`);
    const rows = logRows(app);
    // The current view from view.get is logged too, before the session's messages.
    expect(rows.length).to.equal(recorded.length + 1);
    expect(rows[rows.length - 1]!.dataset.kind).to.equal('view');
    expect(rows[0]!.querySelector('.label')!.textContent).to.include('session.awaitingPin');
  });

  it('reads the counters again and again', async () => {
    const app = await inspector({ kioskId: 'kiosk-i1' });
    const asked = engines[0]!.statsAsked;
    engines[0]!.stats = { ...engines[0]!.stats, ignored: 9 };
    await waitUntil(() => app.stats?.ignored === 9, 'counters not read again', { timeout: 10_000 });
    expect(engines[0]!.statsAsked).to.be.greaterThan(asked);
  });

  it('switches to another kiosk: the old one’s session is gone and no longer followed', async () => {
    const app = await inspector({ kioskId: 'kiosk-i1' });
    await engines[0]!.play(recorded.slice(0, 10));
    await waitUntil(() => app.log.length > 5);
    const select = app.shadowRoot!.querySelector('select')!;
    select.value = 'kiosk-i2';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => app.kioskId === 'kiosk-i2' && app.view?.kioskId === 'kiosk-i2', 'did not switch', { timeout: 10_000 });
    await settleAll(app);
    expect(engines[1]!.machineAsked).to.equal(1);
    expect(activeBox(app)).to.equal(`${ROOT}.session.failed.cardLocked`);
    expect(app.log.map((entry) => entry.kind)).to.deep.equal(['view']);
    await engines[0]!.play(recorded.slice(10));
    await engines[1]!.play([{ kind: 'inspect', event: { seq: 1, at: new Date().toISOString(), kind: 'event', event: { type: 'staff.unlocked' }, actor: 'x:0' } }]);
    await waitUntil(() => app.log.length === 2, 'the new kiosk’s event not logged');
    expect(app.log.map((entry) => entry.label)).to.deep.equal(['staff.unlocked', 'failed']);
    expect(app.view?.kioskId).to.equal('kiosk-i2');
  });

  it('says so when a kiosk does not describe its machine', async () => {
    engines.push(new FakeEngine(nc, 'kiosk-i3', { ...fixtureKioskView('kiosk-1'), kioskId: 'kiosk-i3', seq: 3 }, false));
    await engines[2]!.start();
    const app = await fixture<KaInspectorApp>(html`<ka-inspector-app></ka-inspector-app>`);
    new InspectorController(app, {
      config: { natsWsUrl: wsUrl, kioskId: 'kiosk-i3', simulatedReader: false },
      directory: { discoverWaitMs: 300, rediscoverMs: 0 },
      requestTimeoutMs: 500,
    });
    await waitUntil(() => app.problem !== undefined, 'no problem shown', { timeout: 10_000 });
    await settleAll(app);
    expect(app.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.include('kiosk-i3');
    expect(app.view?.kioskId).to.equal('kiosk-i3');
  });

  it('shows nothing an inspection event or a view should not carry', async () => {
    const app = await inspector({ kioskId: 'kiosk-i1' });
    engines[0]!.publishRaw('inspect', { seq: 900, at: new Date().toISOString(), kind: 'event', event: { type: 'user.submitPin', pin: 'CANARY-PIN-55' }, actor: 'x:0', context: { userCode: 'CANARY-UC-77' } });
    engines[0]!.publishRaw('view', { ...engines[0]!.view, seq: 2, secrets: { pin: 'CANARY-PIN-56' } });
    engines[0]!.publishRaw('inspect', { seq: 901, at: 'not a time', kind: 'event', event: { type: 'CANARY-bad' } });
    await nc.flush();
    await waitUntil(() => app.view?.seq === 2 && app.log.some((entry) => entry.label === 'user.submitPin'), 'messages not shown');
    await settleAll(app);
    const everything = [app, ...deepAll(app, '*')].map((el) => `${el.shadowRoot?.innerHTML ?? ''}${el.outerHTML}`).join('');
    expect(everything).to.not.include('CANARY');
  });
});
