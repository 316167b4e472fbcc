// The staff console's speech setting for a kiosk (docs/staff-console.md, "What it shows"), against
// a real nats-server over websocket: the kiosk detail says whether automatic speech is on, and its
// one button publishes the staff event that turns it the other way, with the staff token, on the
// kiosk's staff subject (as every staff action goes). The test plays the kiosk's engine: it
// answers `kiosk.discover` and `view.get` and, hearing the event, publishes its next view with the
// setting changed, which the console then shows. Offered on any screen, beside the flow's actions.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import { wsconnect, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { View } from '../../machines/contract/messages.ts';
import { KaStaffApp } from '../../kiosk/staff/app/ka-staff-app.ts';
import { StaffController } from '../../kiosk/staff/staff-controller.ts';
import { STAFF_SESSION_STORAGE_KEY } from '../../kiosk/staff/staff-session.ts';
import { fixtureKioskView } from '../../kiosk/consoles/fixtures.ts';
import { speechStrings, staffStrings } from '../../kiosk/staff/staff-strings.ts';
import { axeViolations, deepAll, describeViolations } from './support/helpers.ts';

const STAFF_ID = 'S-0042';
/** Stands for a staff token here: the test plays the engine (the real check is in tests/integration/engine.test.ts). */
const TOKEN = 'test-staff-token';
const GIVE_UP = { timeout: 10_000 };
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** One kiosk's engine, as far as the console sees it: its view, and the staff events it hears. */
class Engine {
  readonly heard: Record<string, unknown>[] = [];
  private readonly subscriptions: Subscription[] = [];

  constructor(
    readonly nc: NatsConnection,
    public view: View,
  ) {}

  async start(): Promise<void> {
    const listen = (subject: string, handle: (msg: import('@nats-io/nats-core').Msg) => void) =>
      this.subscriptions.push(this.nc.subscribe(subject, { callback: (_e, msg) => handle(msg) }));
    listen('kiosk.discover', (msg) => this.nc.publish(msg.reply!, json(this.view)));
    listen(`kiosk.${this.view.kioskId}.view.get`, (msg) => msg.respond(json(this.view)));
    listen(`kiosk.${this.view.kioskId}.staff`, (msg) => {
      const body = msg.json<Record<string, unknown>>();
      this.heard.push(body);
      if (body.type !== 'staff.speechOn' && body.type !== 'staff.speechOff') return;
      const { autoSpeech: _before, ...rest } = this.view;
      this.view = { ...rest, seq: this.view.seq + 1, ...(body.type === 'staff.speechOn' ? { autoSpeech: true } : {}) };
      this.nc.publish(`kiosk.${this.view.kioskId}.view`, json(this.view));
    });
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

const settingButton = (app: KaStaffApp) => deepAll<HTMLButtonElement>(app, 'button[data-setting]')[0];
const speechState = (app: KaStaffApp) => deepAll(app, '.speech-state')[0]?.textContent?.trim();

describe('staff console: the kiosk speech setting, over NATS', () => {
  let wsUrl = '';

  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
    ({ wsUrl } = await executeServerCommand<{ wsUrl: string }, { kioskId: string }>('nats-start', { kioskId: 'wtr-unused' }));
  });
  after(async () => {
    sessionStorage.clear();
    await executeServerCommand('nats-stop');
  });

  // An idle kiosk, and one whose user called staff: the setting is there whatever the screen.
  for (const like of ['kiosk-4', 'kiosk-2']) {
    it(`turns automatic speech on and off for a kiosk like ${like}`, async () => {
      const engine = new Engine(await wsconnect({ servers: wsUrl, name: 'test-engine' }), { ...fixtureKioskView(like), kioskId: 'kiosk-s', seq: 5 });
      await engine.start();
      try {
        sessionStorage.setItem(
          STAFF_SESSION_STORAGE_KEY,
          JSON.stringify({ token: TOKEN, staffId: STAFF_ID, name: '林小姐', expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() }),
        );
        const app = await fixture<KaStaffApp>(html`<ka-staff-app .selectedKioskId=${'kiosk-s'}></ka-staff-app>`);
        new StaffController(app, {
          config: { natsWsUrl: wsUrl, kioskId: 'kiosk-1', simulatedReader: false },
          directory: { discoverWaitMs: 300, rediscoverMs: 0 },
        });
        await waitUntil(() => app.connection === 'connected' && app.kiosks.has('kiosk-s') && app.backend !== undefined, 'the console did not list the kiosk', GIVE_UP);
        await settleAll(app);

        expect(speechState(app)).to.equal(speechStrings.off);
        expect(settingButton(app)?.dataset.setting).to.equal('staff.speechOn');
        expect(settingButton(app)?.textContent?.trim()).to.equal(staffStrings.actions.byType['staff.speechOn'].label);
        settingButton(app)!.click();
        await waitUntil(() => app.kiosks.get('kiosk-s')?.view.autoSpeech === true, 'the kiosk did not turn speech on', GIVE_UP);
        expect(engine.heard).to.deep.equal([{ type: 'staff.speechOn', staffId: STAFF_ID, token: TOKEN }]);
        await settleAll(app);
        expect(speechState(app)).to.equal(speechStrings.on);
        const violations = await axeViolations(app);
        expect(violations, describeViolations(violations)).to.deep.equal([]);

        expect(settingButton(app)?.dataset.setting).to.equal('staff.speechOff');
        settingButton(app)!.click();
        await waitUntil(() => app.kiosks.get('kiosk-s')?.view.autoSpeech === undefined, 'the kiosk did not turn speech off', GIVE_UP);
        expect(engine.heard.at(-1)).to.deep.equal({ type: 'staff.speechOff', staffId: STAFF_ID, token: TOKEN });
        await settleAll(app);
        expect(speechState(app)).to.equal(speechStrings.off);
      } finally {
        await engine.stop();
      }
    });
  }
});
