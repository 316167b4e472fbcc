// The view controller against a real nats-server over websocket, with the test playing the
// engine: the current view on connect (view.get), newer views only, user events out on
// kiosk.<id>.input, demo tray requests, and a fresh view.get after the server comes back.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import type { UserEvent, View } from '../../machines/contract/messages.ts';
import type { KaKioskApp } from '../../kiosk/src/kiosk-app.ts';
import { parseKioskConfig, type KioskConfig } from '../../kiosk/src/config.ts';
import { ViewController } from '../../kiosk/src/view-controller.ts';
import { fixtureView, type FixtureName } from '../../kiosk/fixtures/views.ts';
import { button, settle } from './support/helpers.ts';

const KIOSK = 'kiosk-7';

interface EngineState {
  viewGets: number;
  inputs: UserEvent[];
  simRequests: { subject: string; body: unknown }[];
}

const engineState = () => executeServerCommand<EngineState, undefined>('nats-state');

function view(name: FixtureName, seq: number): View {
  return { ...fixtureView(name, 'zh-TW', KIOSK), seq };
}

async function connectedApp(config: KioskConfig): Promise<KaKioskApp> {
  const app = await fixture<KaKioskApp>(html`<ka-kiosk-app></ka-kiosk-app>`);
  new ViewController(app, { config });
  await waitUntil(() => app.connection === 'connected' && app.view !== undefined, 'no view from the engine', { timeout: 10_000 });
  await settle(app);
  return app;
}

describe('view controller over NATS', () => {
  let wsUrl = '';
  const config = (): KioskConfig => ({ natsWsUrl: wsUrl, kioskId: KIOSK, simulatedReader: false });

  before(async () => {
    await setViewport({ width: 1080, height: 1920 });
    ({ wsUrl } = await executeServerCommand<{ wsUrl: string }, { kioskId: string; view: View }>('nats-start', {
      kioskId: KIOSK,
      view: view('insertCard', 3),
    }));
  });

  after(async () => {
    await executeServerCommand('nats-stop');
  });

  it('shows the engine current view on connect, from view.get', async () => {
    const before = (await engineState()).viewGets;
    const app = await connectedApp(config());
    expect(app.view?.seq).to.equal(3);
    expect(app.screen).to.equal('insertCard');
    expect((await engineState()).viewGets).to.equal(before + 1);
  });

  it('renders newer published views and ignores older ones', async () => {
    await executeServerCommand('nats-set-view', { view: view('choosePath', 5) });
    const app = await connectedApp(config());
    expect(app.view?.seq).to.equal(5);
    await executeServerCommand('nats-publish-view', { view: view('enterUserCode', 6) });
    await waitUntil(() => app.view?.seq === 6, 'newer view not shown');
    expect(app.screen).to.equal('enterUserCode');

    // An older view is dropped; the controller asks for the current one instead.
    const gets = (await engineState()).viewGets;
    await executeServerCommand('nats-set-view', { view: view('enterUserCode', 6) });
    await executeServerCommand('nats-publish-view', { view: view('insertCard', 4) });
    await waitUntil(async () => (await engineState()).viewGets > gets, 'no view.get after a stale view');
    expect(app.view?.seq).to.equal(6);
    expect(app.screen).to.equal('enterUserCode');
  });

  it('ignores a published message that is not a view', async () => {
    await executeServerCommand('nats-set-view', { view: view('choosePath', 8) });
    const app = await connectedApp(config());
    await executeServerCommand('nats-publish-view', { view: { seq: 99, screen: 'nowhere' } });
    await executeServerCommand('nats-publish-view', { view: view('enterPin', 9) });
    await waitUntil(() => app.view?.seq === 9);
    expect(app.screen).to.equal('enterPin');
  });

  it('publishes user events on kiosk.<id>.input', async () => {
    await executeServerCommand('nats-set-view', { view: view('stillThere', 11) });
    const app = await connectedApp(config());
    const before = (await engineState()).inputs.length;
    button(app, '我還在，繼續作業').click();
    await waitUntil(async () => (await engineState()).inputs.length > before, 'no input reached the engine');
    expect((await engineState()).inputs.slice(before)).to.deep.equal([{ type: 'user.stillHere' }]);
  });

  it('sends the demo tray to the simulated reader', async () => {
    await executeServerCommand('nats-set-view', { view: view('insertCard', 12) });
    const app = await connectedApp({ ...config(), simulatedReader: true, demoCards: [{ cardNumber: 'TT00000000000051', label: '測試公司1' }] });
    await settle(app);
    const before = (await engineState()).simRequests.length;
    // The tray is a drawer: opened for each choice, closed after it.
    button(app, '示範卡片').click();
    await settle(app);
    button(app, '插入：測試公司1').click();
    await settle(app);
    button(app, '示範卡片').click();
    await settle(app);
    button(app, '取出卡片').click();
    await waitUntil(async () => (await engineState()).simRequests.length >= before + 2);
    expect((await engineState()).simRequests.slice(before)).to.deep.equal([
      { subject: `kiosk.${KIOSK}.card.sim.insert`, body: { cardNumber: 'TT00000000000051' } },
      { subject: `kiosk.${KIOSK}.card.sim.remove`, body: {} },
    ]);
  });

  it('hides the demo tray when the reader is real', async () => {
    const app = await connectedApp(config());
    expect(app.demoCards).to.equal(undefined);
  });

  it('asks for the current view again after the server comes back', async () => {
    await executeServerCommand('nats-set-view', { view: view('enterPin', 20) });
    const app = await connectedApp(config());
    const gets = (await engineState()).viewGets;
    await executeServerCommand('nats-set-view', { view: view('settingPin', 21) });
    await executeServerCommand('nats-restart');
    await waitUntil(() => app.view?.seq === 21, 'no view after reconnect', { timeout: 15_000, interval: 100 });
    expect(app.screen).to.equal('settingPin');
    expect(app.connection).to.equal('connected');
    expect((await engineState()).viewGets).to.be.greaterThan(gets);
  });

  it('fetches its config from config-url', async () => {
    await executeServerCommand('nats-set-view', { view: view('choosePath', 30) });
    const body = JSON.stringify(config());
    const app = await fixture<KaKioskApp>(html`<ka-kiosk-app></ka-kiosk-app>`);
    new ViewController(app, { configUrl: `data:application/json,${encodeURIComponent(body)}` });
    await waitUntil(() => app.view?.seq === 30, 'no view', { timeout: 10_000 });
  });

  it('shows a bad config instead of guessing', async () => {
    const app = await fixture<KaKioskApp>(html`<ka-kiosk-app></ka-kiosk-app>`);
    new ViewController(app, { configUrl: `data:application/json,${encodeURIComponent('{"kioskId":"Bad Id"}')}` });
    await waitUntil(() => app.connection === 'disconnected');
    await settle(app);
    expect(app.shadowRoot?.textContent).to.contain('config.json');
  });
});

describe('parseKioskConfig', () => {
  it('keeps the known fields and drops unknown ones', () => {
    expect(
      parseKioskConfig({
        natsWsUrl: 'ws://127.0.0.1:9222',
        kioskId: 'kiosk-1',
        simulatedReader: true,
        demoCards: [{ cardNumber: 'TT1', label: 'a', extra: 1 }],
      }),
    ).to.deep.equal({
      natsWsUrl: 'ws://127.0.0.1:9222',
      kioskId: 'kiosk-1',
      simulatedReader: true,
      demoCards: [{ cardNumber: 'TT1', label: 'a' }],
    });
    expect(parseKioskConfig({ natsWsUrl: 'ws://x', kioskId: 'kiosk-1' }).simulatedReader).to.equal(false);
  });

  it('refuses a malformed demo card or NATS login instead of guessing (the contract schema)', () => {
    expect(() => parseKioskConfig({ natsWsUrl: 'ws://x', kioskId: 'kiosk-1', demoCards: [{ cardNumber: 5 }] })).to.throw(/demoCards/);
    expect(() => parseKioskConfig({ natsWsUrl: 'ws://x', kioskId: 'kiosk-1', nats: { user: 'u' } })).to.throw(/nats/);
  });

  it('refuses a config without a websocket URL or a valid kiosk id', () => {
    expect(() => parseKioskConfig({ natsWsUrl: 'http://x', kioskId: 'kiosk-1' })).to.throw(/natsWsUrl/);
    expect(() => parseKioskConfig({ natsWsUrl: 'ws://x', kioskId: 'Kiosk 1' })).to.throw(/kioskId/);
    expect(() => parseKioskConfig(null)).to.throw();
  });
});
