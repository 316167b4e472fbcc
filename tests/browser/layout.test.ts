// At both kiosk screens (1080×1920 portrait, 1920×1080 landscape) the field being edited stays in
// view and clear of the on-screen keyboard, whichever field it is, and every control keeps a
// 64 px touch target.
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { KaTextField } from '../../kiosk/src/components/text-field/ka-text-field.ts';
import { fixtureView, type FixtureName } from '../../kiosk/fixtures/views.ts';
import { buttonsOf, deepAll, deepElementFromPoint, renderApp, settle, languagesReady } from './support/helpers.ts';

const VIEWPORTS = [
  { name: 'portrait', width: 1080, height: 1920 },
  { name: 'landscape', width: 1920, height: 1080 },
];
const INPUT_SCREENS: FixtureName[] = ['enterUserCode', 'enterUserCode-3005', 'enterResponsibleId', 'enterContact', 'enterContact-mismatch', 'enterPin', 'enterPin-mismatch'];

function overlaps(a: DOMRect, b: DOMRect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

for (const viewport of VIEWPORTS) {
  describe(`layout at ${viewport.width}×${viewport.height}`, () => {
    before(async () => {
      await languagesReady();
      await setViewport({ width: viewport.width, height: viewport.height });
    });

    for (const name of INPUT_SCREENS) {
      for (const lang of ['zh-TW', 'en'] as const) {
        it(`${name} (${lang}): every field, when focused, is visible and not under the keyboard`, async () => {
          const app = await renderApp(fixtureView(name, lang));
          const keyboard = deepAll(app, 'ka-keyboard')[0]!;
          const fields = deepAll<KaTextField>(app, 'ka-text-field, ka-secret-field');
          expect(fields.length).to.be.greaterThan(0);
          for (const field of [...fields, ...[...fields].reverse()]) {
            field.focus();
            await settle(app);
            const input = field.input!;
            const box = input.getBoundingClientRect();
            const label = `${field.name} at ${JSON.stringify(box)}`;
            expect(box.top, label).to.be.at.least(0);
            expect(box.bottom, label).to.be.at.most(window.innerHeight);
            expect(overlaps(box, keyboard.getBoundingClientRect()), `${label} overlaps the keyboard`).to.equal(false);
            // Nothing (a scroll clip, a footer) covers the field: its centre hits the input.
            const [x, y] = [box.left + Math.min(box.width / 2, 40), box.top + box.height / 2];
            expect(deepElementFromPoint(x, y), label).to.equal(input);
          }
        });
      }
    }

    // The demo card tray (npm start) is on every screen: its closed tab must cover nothing a
    // screen shows (it once sat over the card-data table's right edge).
    for (const name of ['insertCard', 'enterUserCode', 'confirmCardData', 'enterContact', 'enterPin', 'failed-3125'] as FixtureName[]) {
      for (const lang of ['zh-TW', 'en'] as const) {
        it(`${name} (${lang}): the demo tray's tab covers nothing of the screen`, async () => {
          const app = await renderApp(fixtureView(name, lang));
          app.demoCards = [{ cardNumber: 'TT00000000000051', label: '測試公司1' }];
          await settle(app);
          const tab = deepAll(app, 'ka-card-tray')[0]!.shadowRoot!.querySelector('.tab')!.getBoundingClientRect();
          // The screen (whatever of it is scrolled into view) and the footer's other controls.
          const footerControls = [...(app.shadowRoot?.querySelectorAll('footer button') ?? [])];
          const content = [...deepAll(app, 'main'), ...footerControls];
          expect(footerControls.length).to.be.greaterThan(0);
          for (const element of content) {
            const box = element.getBoundingClientRect();
            expect(overlaps(tab, box), `the tab ${JSON.stringify(tab)} covers ${element.outerHTML.slice(0, 80)}`).to.equal(false);
          }
          expect(tab.right).to.be.at.most(window.innerWidth);
          expect(tab.bottom).to.be.at.most(window.innerHeight);
        });
      }
    }

    for (const name of ['insertCard', 'choosePath', 'confirmCardData', 'failed-WRONG_PATH', 'stillThere', 'enterResponsibleId'] as FixtureName[]) {
      it(`${name}: controls are at least 64 px and not clipped off screen`, async () => {
        const app = await renderApp(fixtureView(name));
        app.demoCards = [{ cardNumber: 'TT00000000000051', label: '測試公司1' }];
        await settle(app);
        for (const control of buttonsOf(app)) {
          const r = control.getBoundingClientRect();
          expect(Math.min(r.width, r.height), control.outerHTML.slice(0, 100)).to.be.at.least(64);
          expect(r.left, control.outerHTML.slice(0, 100)).to.be.at.least(0);
          expect(r.right, control.outerHTML.slice(0, 100)).to.be.at.most(window.innerWidth);
        }
      });
    }
  });
}
