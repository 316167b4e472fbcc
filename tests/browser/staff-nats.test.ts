// The staff console against a real nats-server over websocket. The test plays several kiosk
// engines (answering `kiosk.discover` and `view.get`, publishing views) and the registry's staff
// endpoints, and listens on `kiosk.*.staff`: the console lists the kiosks that answer and follows
// their views, and every button sends exactly the message it should, in order.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { wsconnect, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { ContractError } from '../../machines/contract/errors.ts';
import { errorText } from '../../kiosk/src/i18n.ts';
import type { View } from '../../machines/contract/messages.ts';
import { REGISTRY_SUBJECTS } from '../../machines/contract/subjects.ts';
import { respondWithError } from '../../platform/nats-json.ts';
import { KaStaffApp } from '../../kiosk/staff/app/ka-staff-app.ts';
import { STAFF_SESSION_STORAGE_KEY } from '../../kiosk/staff/staff-session.ts';
import type { KaStaffCardPanel } from '../../kiosk/staff/card-panel/ka-staff-card-panel.ts';
import type { KaStaffKioskCard } from '../../kiosk/staff/kiosk-card/ka-staff-kiosk-card.ts';
import type { KaStaffKioskDetail } from '../../kiosk/staff/kiosk-detail/ka-staff-kiosk-detail.ts';
import {
  fixture27011CardReply,
  fixtureKioskView,
  fixtureLockedCardReply,
  fixtureUnlockedCardReply,
} from '../../kiosk/consoles/fixtures.ts';
import { StaffController } from '../../kiosk/staff/staff-controller.ts';
import { staffStrings } from '../../kiosk/staff/staff-strings.ts';
import { deepAll } from './support/helpers.ts';

// open-wc's waitUntil gives up after 1 s by default: too short for a NATS round trip and a render
// while the whole suite loads the machine. A guard that turns a lost message into a failure, not a measure.
const GIVE_UP = { timeout: 10_000 };

const STAFF_ID = 'S-0042';
/** Stands for a staff token here: the test plays the registry (the real check is in tests/integration). */
const TOKEN = 'test-staff-token';
const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/** A view of one of the fixture kiosks, as if kiosk `kioskId` were in that state. */
function viewAs(kioskId: string, like: string, seq: number): View {
  return { ...fixtureKioskView(like), kioskId, seq };
}

interface Heard {
  subject: string;
  body: Record<string, unknown>;
}

/** The kiosks' engines and the registry, played by the test over its own connection. */
class World {
  readonly views = new Map<string, View>();
  /** Kiosks that answer `kiosk.discover` (a kiosk can stop answering). */
  readonly answering = new Set<string>();
  readonly heard: Heard[] = [];
  readonly registry = new Map<string, (msg: Msg, body: Record<string, unknown>) => void>();
  /** What the kiosk's engine does right after answering a view.get (publish its next view, say). */
  afterViewGet: ((kioskId: string) => void) | undefined;
  private readonly subscriptions: Subscription[] = [];

  constructor(readonly nc: NatsConnection) {}

  async start(): Promise<void> {
    const listen = (subject: string, handle: (msg: Msg) => void) => this.subscriptions.push(this.nc.subscribe(subject, { callback: (_e, msg) => handle(msg) }));
    listen('kiosk.discover', (msg) => {
      for (const id of this.answering) {
        const view = this.views.get(id);
        if (view) this.nc.publish(msg.reply!, json(view));
      }
    });
    listen('kiosk.*.view.get', (msg) => {
      const kioskId = msg.subject.split('.')[1]!;
      const view = this.views.get(kioskId);
      if (view) msg.respond(json(view));
      this.afterViewGet?.(kioskId);
    });
    listen('kiosk.*.staff', (msg) => this.heard.push({ subject: msg.subject, body: msg.json() }));
    listen('ra.staff.*', (msg) => {
      const body = msg.json<Record<string, unknown>>();
      this.heard.push({ subject: msg.subject, body });
      this.registry.get(msg.subject)?.(msg, body);
    });
    await this.nc.flush();
  }

  add(view: View): void {
    this.views.set(view.kioskId, view);
    this.answering.add(view.kioskId);
  }

  /** The kiosk's engine publishes a view; `current` says whether it is also what view.get answers. */
  async publish(view: View, subjectKiosk = view.kioskId, current = subjectKiosk === view.kioskId): Promise<void> {
    if (current) this.views.set(view.kioskId, view);
    this.nc.publish(`kiosk.${subjectKiosk}.view`, json(view));
    await this.nc.flush();
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await this.nc.close();
  }
}

async function settleAll(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const all = [root, ...deepAll(root, '*')].filter((el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
    await Promise.all(all.map((el) => el.updateComplete));
  }
}

const kioskCards = (app: KaStaffApp) => deepAll<KaStaffKioskCard>(app, 'ka-staff-kiosk-card');
const listed = (app: KaStaffApp) => kioskCards(app).map((card) => card.entry!.view.kioskId);
const detail = (app: KaStaffApp) => deepAll<KaStaffKioskDetail>(app, 'ka-staff-kiosk-detail')[0]!;
const panel = (app: KaStaffApp) => deepAll<KaStaffCardPanel>(app, 'ka-staff-card-panel')[0]!;
const action = (app: KaStaffApp, type: string) => detail(app).shadowRoot!.querySelector<HTMLButtonElement>(`[data-action="${type}"]`)!;

describe('staff console over NATS', () => {
  let wsUrl = '';
  let world: World;

  async function connectedConsole(): Promise<KaStaffApp> {
    sessionStorage.setItem(
      STAFF_SESSION_STORAGE_KEY,
      JSON.stringify({ token: TOKEN, staffId: STAFF_ID, name: '林小姐', expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() }),
    );
    const app = await fixture<KaStaffApp>(html`<ka-staff-app></ka-staff-app>`);
    new StaffController(app, {
      config: { natsWsUrl: wsUrl, kioskId: 'kiosk-1', simulatedReader: false },
      directory: { discoverWaitMs: 300, rediscoverMs: 0 },
    });
    await waitUntil(() => app.connection === 'connected' && app.kiosks.size === world.answering.size, 'the console did not list the kiosks', { timeout: 10_000 });
    await settleAll(app);
    return app;
  }

  async function select(app: KaStaffApp, kioskId: string): Promise<void> {
    kioskCards(app).find((card) => card.entry!.view.kioskId === kioskId)!.shadowRoot!.querySelector('button')!.click();
    await settleAll(app);
  }

  async function heardAfter(count: number, wanted: number): Promise<Heard[]> {
    await waitUntil(() => world.heard.length >= count + wanted, `expected ${wanted} message(s), heard ${world.heard.length - count}`, { timeout: 10_000 });
    return world.heard.slice(count);
  }

  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
    ({ wsUrl } = await executeServerCommand<{ wsUrl: string }, { kioskId: string }>('nats-start', { kioskId: 'wtr-unused' }));
  });

  beforeEach(async () => {
    world = new World(await wsconnect({ servers: wsUrl, name: 'test-world' }));
    await world.start();
    world.add(viewAs('kiosk-a', 'kiosk-4', 10));
    world.add(viewAs('kiosk-b', 'kiosk-1', 20));
    world.add(viewAs('kiosk-c', 'kiosk-5', 30));
  });

  afterEach(async () => {
    await world.stop();
    sessionStorage.clear();
  });

  after(async () => {
    await executeServerCommand('nats-stop');
  });

  it('lists the kiosks that answer kiosk.discover', async () => {
    const app = await connectedConsole();
    expect(listed(app)).to.deep.equal(['kiosk-a', 'kiosk-b', 'kiosk-c']);
    expect(app.kiosks.get('kiosk-b')?.view.seq).to.equal(20);
  });

  it('adds a kiosk when its first view arrives, and moves one that needs staff to the top', async () => {
    const app = await connectedConsole();
    await world.publish(viewAs('kiosk-d', 'kiosk-4', 1));
    await waitUntil(() => app.kiosks.has('kiosk-d'), 'new kiosk not listed', GIVE_UP);
    await world.publish(viewAs('kiosk-c', 'kiosk-2', 31));
    await waitUntil(() => app.kiosks.get('kiosk-c')?.view.screen === 'staffAssist', 'view not followed', GIVE_UP);
    await settleAll(app);
    expect(listed(app)).to.deep.equal(['kiosk-c', 'kiosk-a', 'kiosk-b', 'kiosk-d']);
    expect(kioskCards(app)[0]!.hasAttribute('help')).to.equal(true);
    const status = app.shadowRoot!.querySelector('[role="status"]')!;
    expect(status.textContent).to.include('kiosk-c');
  });

  it('drops an older view, a view for another kiosk, and a message that is not a view', async () => {
    const app = await connectedConsole();
    await world.publish(viewAs('kiosk-b', 'kiosk-2', 15));
    await world.publish(viewAs('kiosk-x', 'kiosk-2', 99), 'kiosk-b');
    world.nc.publish('kiosk.kiosk-b.view', json({ seq: 500, screen: 'nowhere' }));
    await world.publish(viewAs('kiosk-b', 'kiosk-7', 21));
    await waitUntil(() => app.kiosks.get('kiosk-b')?.view.seq === 21, 'newer view not shown', GIVE_UP);
    expect(app.kiosks.get('kiosk-b')?.view.screen).to.equal('idChecksumWarning');
    expect(app.kiosks.has('kiosk-x')).to.equal(false);
  });

  it('keeps the newer view that arrives with the answer to its view.get', async () => {
    const app = await connectedConsole();
    // The engine answers view.get and publishes its next view at once: both arrive together, the
    // published one handled first; the answer, older, must not replace it.
    world.afterViewGet = (kioskId) => {
      if (kioskId === 'kiosk-b') void world.publish(viewAs('kiosk-b', 'kiosk-7', 22));
    };
    await world.publish(viewAs('kiosk-b', 'kiosk-2', 15));
    await waitUntil(() => world.views.get('kiosk-b')?.seq === 22, 'the engine published its next view', GIVE_UP);
    await waitUntil(() => app.kiosks.get('kiosk-b')?.view.seq === 22, 'the newer view was replaced by the older answer', GIVE_UP);
    await settleAll(app);
    expect(app.kiosks.get('kiosk-b')?.view.screen).to.equal('idChecksumWarning');
  });

  it('asks a kiosk for its current view when an older one arrives (the engine restarted)', async () => {
    const app = await connectedConsole();
    const restarted = viewAs('kiosk-a', 'kiosk-1', 2);
    world.views.set('kiosk-a', restarted);
    await world.publish(viewAs('kiosk-a', 'kiosk-4', 1), 'kiosk-a', false);
    await waitUntil(() => app.kiosks.get('kiosk-a')?.view.seq === 2, 'no view.get after a stale view', GIVE_UP);
    expect(app.kiosks.get('kiosk-a')?.view.screen).to.equal('enterUserCode');
  });

  it('marks a kiosk that stops answering as silent, and clears the mark when it answers again', async () => {
    const app = await connectedConsole();
    world.answering.delete('kiosk-a');
    app.shadowRoot!.querySelector<HTMLButtonElement>('[data-rediscover]')!.click();
    await waitUntil(() => app.kiosks.get('kiosk-a')?.answering === false, 'not marked silent', GIVE_UP);
    await settleAll(app);
    const card = kioskCards(app).find((c) => c.entry!.view.kioskId === 'kiosk-a')!;
    expect(card.shadowRoot!.querySelector('[data-badge="silent"]')?.textContent?.trim()).to.equal(staffStrings.badges.silent);
    expect(app.kiosks.get('kiosk-b')?.answering).to.equal(true);
    await world.publish(viewAs('kiosk-a', 'kiosk-1', 11));
    await waitUntil(() => app.kiosks.get('kiosk-a')?.answering === true, 'mark not cleared', GIVE_UP);
  });

  it('publishes staff.resume with the staff id and the staff token on the kiosk’s staff subject', async () => {
    world.add(viewAs('kiosk-h', 'kiosk-2', 40));
    const app = await connectedConsole();
    await select(app, 'kiosk-h');
    const count = world.heard.length;
    action(app, 'staff.resume').click();
    expect(await heardAfter(count, 1)).to.deep.equal([{ subject: 'kiosk.kiosk-h.staff', body: { type: 'staff.resume', staffId: STAFF_ID, token: TOKEN } }]);
    await waitUntil(() => detail(app).shadowRoot!.querySelector('[role="status"]') !== null, undefined, GIVE_UP);
    expect(detail(app).shadowRoot!.querySelector('[role="status"]')!.textContent).to.include('kiosk-h');
  });

  it('publishes staff.overrideIdWarning for a kiosk on the ID checksum warning', async () => {
    world.add(viewAs('kiosk-w', 'kiosk-7', 5));
    const app = await connectedConsole();
    await select(app, 'kiosk-w');
    const count = world.heard.length;
    action(app, 'staff.overrideIdWarning').click();
    expect(await heardAfter(count, 1)).to.deep.equal([{ subject: 'kiosk.kiosk-w.staff', body: { type: 'staff.overrideIdWarning', staffId: STAFF_ID, token: TOKEN } }]);
  });

  it('sends staff.abort and staff.takeCard only after their confirmation', async () => {
    world.add(viewAs('kiosk-h', 'kiosk-2', 40));
    const app = await connectedConsole();
    await select(app, 'kiosk-h');
    const count = world.heard.length;
    const confirmButton = () => detail(app).shadowRoot!.querySelector<HTMLButtonElement>('[data-confirm]');

    action(app, 'staff.abort').click();
    await settleAll(app);
    detail(app).shadowRoot!.querySelector<HTMLButtonElement>('[data-cancel]')!.click();
    await settleAll(app);
    action(app, 'staff.takeCard').click();
    await settleAll(app);
    expect(confirmButton()?.dataset.confirm).to.equal('staff.takeCard');
    // Nothing was sent by the two clicks above: the next message heard is the one confirmed.
    confirmButton()!.click();
    await waitUntil(() => detail(app).pending === undefined && detail(app).outcome !== undefined, 'take card not sent', GIVE_UP);
    await settleAll(app);
    action(app, 'staff.abort').click();
    await settleAll(app);
    confirmButton()!.click();
    expect(await heardAfter(count, 2)).to.deep.equal([
      { subject: 'kiosk.kiosk-h.staff', body: { type: 'staff.takeCard', staffId: STAFF_ID, token: TOKEN } },
      { subject: 'kiosk.kiosk-h.staff', body: { type: 'staff.abort', staffId: STAFF_ID, token: TOKEN } },
    ]);
  });

  it('unlock and continue: unlocks the kiosk’s card at the registry, then sends staff.unlocked', async () => {
    world.add(viewAs('kiosk-l', 'kiosk-8', 7));
    world.registry.set(REGISTRY_SUBJECTS.staffUnlock, (msg) => {
      const { history: _history, ...summary } = fixtureUnlockedCardReply(STAFF_ID);
      msg.respond(json({ ...summary, cardNumber: 'TT00000000000051' }));
    });
    const app = await connectedConsole();
    await select(app, 'kiosk-l');
    const count = world.heard.length;
    action(app, 'staff.unlocked').click();
    expect(await heardAfter(count, 2)).to.deep.equal([
      { subject: REGISTRY_SUBJECTS.staffUnlock, body: { cardNumber: 'TT00000000000051', staffId: STAFF_ID, token: TOKEN } },
      { subject: 'kiosk.kiosk-l.staff', body: { type: 'staff.unlocked', staffId: STAFF_ID, token: TOKEN } },
    ]);
  });

  it('does not tell the kiosk it is unlocked when the registry refuses', async () => {
    world.add(viewAs('kiosk-l', 'kiosk-8', 7));
    world.registry.set(REGISTRY_SUBJECTS.staffUnlock, (msg) => respondWithError(msg, new ContractError('4931', 'certificate revoked')));
    const app = await connectedConsole();
    await select(app, 'kiosk-l');
    const count = world.heard.length;
    action(app, 'staff.unlocked').click();
    await waitUntil(() => detail(app).shadowRoot!.querySelector('[role="alert"]') !== null, 'no error shown', GIVE_UP);
    const alert = detail(app).shadowRoot!.querySelector('[role="alert"]')!.textContent!;
    expect(alert).to.include(errorText('4931', 'zh-TW'));
    expect(alert).to.include('4931');
    expect(world.heard.slice(count).map((h) => h.subject)).to.deep.equal([REGISTRY_SUBJECTS.staffUnlock]);
  });

  it('card panel: looks the card up, unlocks it, tells the kiosk, and shows the record again', async () => {
    world.add(viewAs('kiosk-s', 'kiosk-2', 50));
    let unlocked = false;
    world.registry.set(REGISTRY_SUBJECTS.staffCard, (msg) => msg.respond(json(unlocked ? fixtureUnlockedCardReply(STAFF_ID) : fixtureLockedCardReply())));
    world.registry.set(REGISTRY_SUBJECTS.staffUnlock, (msg) => {
      unlocked = true;
      const { history: _history, ...summary } = fixtureUnlockedCardReply(STAFF_ID);
      msg.respond(json(summary));
    });
    const app = await connectedConsole();
    await select(app, 'kiosk-s');
    const root = panel(app).shadowRoot!;
    expect(root.querySelector('input')!.value).to.equal('TT00000000000052');
    const count = world.heard.length;
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await waitUntil(() => root.querySelector('[data-status]') !== null, 'no record shown', GIVE_UP);
    expect(root.querySelector('[data-status]')!.textContent).to.equal(staffStrings.statuses.locked);

    root.querySelector<HTMLButtonElement>('[data-op="unlock"]')!.click();
    await waitUntil(() => root.querySelector('[data-status="issued"]') !== null, 'record not shown again after unlock', GIVE_UP);
    expect(world.heard.slice(count)).to.deep.equal([
      { subject: REGISTRY_SUBJECTS.staffCard, body: { cardNumber: 'TT00000000000052', staffId: STAFF_ID, token: TOKEN } },
      { subject: REGISTRY_SUBJECTS.staffUnlock, body: { cardNumber: 'TT00000000000052', staffId: STAFF_ID, token: TOKEN } },
      { subject: 'kiosk.kiosk-s.staff', body: { type: 'staff.unlocked', staffId: STAFF_ID, token: TOKEN } },
      { subject: REGISTRY_SUBJECTS.staffCard, body: { cardNumber: 'TT00000000000052', staffId: STAFF_ID, token: TOKEN } },
    ]);
    const status = root.querySelector('[role="status"]')!.textContent!;
    expect(status).to.include(staffStrings.cardPanel.unlocked('TT00000000000052'));
    expect(status).to.include('kiosk-s');
    expect(root.querySelector('[data-op="unlock"]')).to.equal(null);
    expect(root.querySelector('tbody tr')?.getAttribute('data-event-type')).to.equal('unlocked');
  });

  it('card panel: a return is confirmed first, recorded at the registry, then the kiosk takes the card', async () => {
    world.add(viewAs('kiosk-r', 'kiosk-3', 12));
    let returned = false;
    const record = () => (returned ? { ...fixture27011CardReply(), status: 'returned', returnedAt: '2026-03-25T06:30:00.000Z' } : fixture27011CardReply());
    world.registry.set(REGISTRY_SUBJECTS.staffCard, (msg) => msg.respond(json(record())));
    world.registry.set(REGISTRY_SUBJECTS.staffReturn, (msg) => {
      returned = true;
      const { history: _history, ...summary } = record();
      msg.respond(json(summary));
    });
    const app = await connectedConsole();
    await select(app, 'kiosk-r');
    const root = panel(app).shadowRoot!;
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await waitUntil(() => root.querySelector('[data-op="return"]') !== null, 'no return offered', GIVE_UP);
    const count = world.heard.length;
    root.querySelector<HTMLButtonElement>('[data-op="return"]')!.click();
    await settleAll(app);
    expect(root.querySelector('#return-question')?.textContent).to.include(staffStrings.cardPanel.giveBackConfirm);
    const form = root.querySelector('ka-staff-return-form')!.shadowRoot!;
    const fill = (name: string, value: string) => ((form.querySelector(`[name="${name}"]`) as HTMLInputElement).value = value);
    fill('name', '王小明');
    fill('phone', '02-2345-6789');
    fill('address', '臺北市中正區測試路1號');
    form.querySelector<HTMLButtonElement>('[data-confirm="return"]')!.click();
    await waitUntil(() => app.slip !== undefined, 'no return slip', GIVE_UP);
    app.slip = undefined;
    await settleAll(app);
    await waitUntil(() => root.querySelector('[data-status="returned"]') !== null, 'returned record not shown', GIVE_UP);
    expect(world.heard.slice(count)).to.deep.equal([
      {
        subject: REGISTRY_SUBJECTS.staffReturn,
        body: { cardNumber: 'TT00000000000058', staffId: STAFF_ID, token: TOKEN, reason: '27011', contact: { name: '王小明', phone: '02-2345-6789', address: '臺北市中正區測試路1號' } },
      },
      { subject: 'kiosk.kiosk-r.staff', body: { type: 'staff.takeCard', staffId: STAFF_ID, token: TOKEN } },
      { subject: REGISTRY_SUBJECTS.staffCard, body: { cardNumber: 'TT00000000000058', staffId: STAFF_ID, token: TOKEN } },
    ]);
    expect(root.querySelector('[data-op="return"]')).to.equal(null);
  });

  it('card panel: another card is looked up without telling the kiosk anything', async () => {
    world.add(viewAs('kiosk-r', 'kiosk-3', 12));
    world.registry.set(REGISTRY_SUBJECTS.staffCard, (msg) => msg.respond(json(fixtureLockedCardReply())));
    world.registry.set(REGISTRY_SUBJECTS.staffUnlock, (msg) => {
      const { history: _history, ...summary } = fixtureUnlockedCardReply(STAFF_ID);
      msg.respond(json(summary));
    });
    const app = await connectedConsole();
    await select(app, 'kiosk-r');
    const root = panel(app).shadowRoot!;
    const input = root.querySelector('input')!;
    input.value = 'tt00000000000052';
    input.dispatchEvent(new Event('input'));
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await waitUntil(() => root.querySelector('[data-op="unlock"]') !== null, undefined, GIVE_UP);
    const count = world.heard.length;
    root.querySelector<HTMLButtonElement>('[data-op="unlock"]')!.click();
    await waitUntil(() => root.querySelector('[role="status"]') !== null, undefined, GIVE_UP);
    expect(world.heard.slice(count).map((h) => h.subject)).to.deep.equal([REGISTRY_SUBJECTS.staffUnlock, REGISTRY_SUBJECTS.staffCard]);
  });

  it('card panel: shows the registry’s error, and says so when the registry does not answer', async () => {
    world.add(viewAs('kiosk-s', 'kiosk-2', 50));
    world.registry.set(REGISTRY_SUBJECTS.staffCard, (msg) => respondWithError(msg, new ContractError('UNKNOWN_CARD', 'no such card')));
    const app = await connectedConsole();
    await select(app, 'kiosk-s');
    const root = panel(app).shadowRoot!;
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await waitUntil(() => root.querySelector('[role="alert"]') !== null, 'no error shown', GIVE_UP);
    const alert = root.querySelector('[role="alert"]')!.textContent!;
    expect(alert).to.include(errorText('UNKNOWN_CARD', 'zh-TW'));
    expect(alert).to.include('UNKNOWN_CARD');
    expect(root.querySelector('[data-status]')).to.equal(null);

    await world.stop();
    world = new World(await wsconnect({ servers: wsUrl, name: 'test-world-2' }));
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await waitUntil(() => root.querySelector('[role="alert"]')?.textContent?.includes(staffStrings.requestError.unreachable) === true, 'no "no answer" error', { timeout: 10_000 });
    expect(root.querySelector('[role="alert"]')!.textContent).to.include('3125');
  });

  it('never shows a field a view should not carry, even if an engine sent one', async () => {
    const app = await connectedConsole();
    const leaky = { ...viewAs('kiosk-b', 'kiosk-1', 21), secrets: { userCode: 'CANARY-UC-91' }, pin: 'CANARY-PIN-17' };
    await world.publish(leaky as View);
    await waitUntil(() => app.kiosks.get('kiosk-b')?.view.seq === 21, undefined, GIVE_UP);
    await select(app, 'kiosk-b');
    const everything = [app, ...deepAll(app, '*')].map((el) => `${el.shadowRoot?.innerHTML ?? ''}${el.outerHTML}`).join('');
    expect(everything).to.not.include('CANARY');
    expect(JSON.stringify([...app.kiosks.values()])).to.not.include('CANARY');
  });
});
