// At both kiosk screens (1080×1920 portrait, 1920×1080 landscape) the field being edited stays in
// view and clear of the on-screen keyboard, whichever field it is, and every control keeps a
// 64 px touch target.
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { KaTextField } from '../../kiosk/src/components/text-field/ka-text-field.ts';
import { fixtureView, type FixtureName } from '../../kiosk/fixtures/views.ts';
import { buttonsOf, deepAll, deepElementFromPoint, renderApp, settle } from './support/helpers.ts';

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
