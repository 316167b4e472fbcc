// The staff console's speech setting for a kiosk (docs/staff-console.md, "Spoken guidance"): the
// kiosk detail says whether automatic speech is on, and its one button sends the staff event that
// turns it the other way (through the console's backend, as every staff action goes); the
// kiosk's next view shows the change. It is offered on any screen, beside the flow's actions.
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { KaStaffApp } from '../../kiosk/staff/app/ka-staff-app.ts';
import type { StaffBackend } from '../../kiosk/staff/staff-client.ts';
import { STAFF_SESSION_STORAGE_KEY } from '../../kiosk/staff/staff-session.ts';
import { fixtureKiosks } from '../../kiosk/consoles/fixtures.ts';
import { applyView, type StaffEventType } from '../../kiosk/consoles/kiosk-status.ts';
import { speechStrings, staffStrings } from '../../kiosk/staff/staff-strings.ts';
import { axeViolations, deepAll, describeViolations } from './support/helpers.ts';

async function settleAll(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const all = [root, ...deepAll(root, '*')].filter((el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
    await Promise.all(all.map((el) => el.updateComplete));
  }
}

/** A backend that records the staff events sent; nothing else is asked of it here. */
function recordingBackend(sent: { kioskId: string; type: StaffEventType; staffId: string }[]): StaffBackend {
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    sendStaffEvent: async (kioskId, type, staffId) => void sent.push({ kioskId, type, staffId }),
    lookupCard: unused,
    unlockCard: unused,
    returnCard: unused,
  };
}

const settingButton = (app: KaStaffApp) => deepAll<HTMLButtonElement>(app, 'button[data-setting]');
const speechState = (app: KaStaffApp) => deepAll(app, '.speech-state')[0]?.textContent?.trim();

describe('staff console: the kiosk speech setting', () => {
  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
    sessionStorage.setItem(
      STAFF_SESSION_STORAGE_KEY,
      JSON.stringify({ token: 'fixture-token', staffId: 'A1023', name: '林小姐', expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() }),
    );
  });
  after(() => sessionStorage.clear());

  for (const kioskId of ['kiosk-4', 'kiosk-2']) {
    it(`${kioskId}: shows the setting off and turns it on, then off once the kiosk says it is on`, async () => {
      const kiosks = fixtureKiosks();
      const sent: { kioskId: string; type: StaffEventType; staffId: string }[] = [];
      const app = await fixture<KaStaffApp>(html`<ka-staff-app .kiosks=${kiosks} .selectedKioskId=${kioskId}></ka-staff-app>`);
      app.backend = recordingBackend(sent);
      await settleAll(app);

      expect(speechState(app)).to.equal(speechStrings.off);
      const [turnOn] = settingButton(app);
      expect(turnOn?.dataset.setting).to.equal('staff.speechOn');
      expect(turnOn?.textContent?.trim()).to.equal(staffStrings.actions.byType['staff.speechOn'].label);
      turnOn!.click();
      await settleAll(app);
      expect(sent).to.deep.equal([{ kioskId, type: 'staff.speechOn', staffId: 'A1023' }]);

      // The kiosk's next view carries the setting: the console offers the way back.
      const entry = kiosks.get(kioskId)!;
      const moved = applyView(entry, { ...entry.view, seq: entry.view.seq + 1, autoSpeech: true }, { authoritative: false, now: Date.now() });
      app.kiosks = new Map(kiosks).set(kioskId, moved.entry);
      await settleAll(app);
      expect(speechState(app)).to.equal(speechStrings.on);
      const [turnOff] = settingButton(app);
      expect(turnOff?.dataset.setting).to.equal('staff.speechOff');
      turnOff!.click();
      await settleAll(app);
      expect(sent.at(-1)).to.deep.equal({ kioskId, type: 'staff.speechOff', staffId: 'A1023' });
      const violations = await axeViolations(app);
      expect(violations, describeViolations(violations)).to.deep.equal([]);
    });
  }
});
