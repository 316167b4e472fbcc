// The manual's words at the counter (issue 18), read off the rendered screens in both languages:
// only the manual's codes are shown or asked for, a phone number only where calling helps and then
// every number the manual lists, 27011 and unreadable cards as one mail-in message, the wrong kind
// of card told to take it back, 3125 by step, OU wherever the holder is named, the slip in the
// office's voice, and the small ways a session finishes cleanly.
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { CUSTOMER_SERVICE, ERROR_CODES, ERRORS } from '../../machines/contract/errors.ts';
import type { View } from '../../machines/contract/messages.ts';
import { errorText, strings } from '../../kiosk/src/i18n.ts';
import { FIXTURE_NAMES, fixtureView, type FixtureName } from '../../kiosk/fixtures/views.ts';
import { machineView } from '../../kiosk/consoles/fixtures.ts';
import { staffStrings } from '../../kiosk/staff/staff-strings.ts';
import type { KaStaffReturnSlip } from '../../kiosk/staff/return-slip/ka-staff-return-slip.ts';
import type { KaStaffKioskDetail } from '../../kiosk/staff/kiosk-detail/ka-staff-kiosk-detail.ts';
import type { KaTextField } from '../../kiosk/src/components/text-field/ka-text-field.ts';
import '../../kiosk/staff/return-slip/ka-staff-return-slip.ts';
import '../../kiosk/staff/kiosk-detail/ka-staff-kiosk-detail.ts';
import { deepAll, renderApp, settle, languagesReady } from './support/helpers.ts';

const LANGS = ['zh-TW', 'en'] as const;

/** All text under `el`, through every shadow root (what a person at the counter can read). */
function pageText(el: Element): string {
  const parts: string[] = [];
  const visit = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
    if (node instanceof Element && node.shadowRoot) visit(node.shadowRoot);
    for (const child of node.childNodes) visit(child);
  };
  visit(el);
  return parts.join(' ').replace(/\s+/g, ' ');
}

/** Our own codes: every catalogue code that is not one of the manual's numbers. */
const INTERNAL_CODES = ERROR_CODES.filter((code) => !/^\d+$/.test(code));
const PHONES = [CUSTOMER_SERVICE.phone, CUSTOMER_SERVICE.phoneSixDigitArea, CUSTOMER_SERVICE.phoneFromMobile, CUSTOMER_SERVICE.phoneFromAbroad];

const failureFixtures = FIXTURE_NAMES.filter((name) => name.startsWith('failed') || name === 'outOfService' || name.includes('3005'));

describe('the manual words at the counter', () => {
  before(async () => {
    await languagesReady();
    await setViewport({ width: 1080, height: 1920 });
  });

  for (const name of failureFixtures) {
    for (const lang of LANGS) {
      it(`${name} (${lang}): only the manual's codes, and every number where one is given`, async () => {
        const view = fixtureView(name, lang);
        const text = pageText(await renderApp(view));
        for (const code of INTERNAL_CODES) expect(text, `${code} shown on ${name}`).not.to.match(new RegExp(`\\b${code}\\b`));
        const code = view.error?.code;
        if (code !== undefined && ERRORS[code].manualCode !== undefined) expect(text).to.contain(ERRORS[code].manualCode);
        const callHelps = code !== undefined && ERRORS[code].callHelps === true;
        if (callHelps) for (const phone of PHONES) expect(text, `${phone} on ${name}`).to.contain(phone);
        else expect(text, `a number on ${name}, where calling does not help`).not.to.contain('1166');
        expect(text).not.to.contain('Error:3125');
      });
    }
  }

  it('27011 and unreadable cards: 解卡 or 檢測 by mail, with the CA address, and no 解鎖', async () => {
    for (const lang of LANGS) {
      const used = pageText(await renderApp(fixtureView('failed-27011', lang)));
      expect(used).to.contain(strings(lang).caMailAddress);
      expect(used).to.contain('解卡');
      expect(used).not.to.contain('解鎖');
      expect(used).not.to.match(/to be unlocked/);
      const unreadable = pageText(await renderApp(fixtureView('failed-CARD_UNREADABLE', lang)));
      expect(unreadable).to.contain(strings(lang).caMailAddress);
      expect(unreadable).to.contain(strings(lang).mailIn.test);
    }
    expect(pageText(await renderApp(fixtureView('failed-27011')))).to.contain('須寄回憑證管理中心進行解卡');
  });

  it('a card of the wrong kind is told to take the card back: no mail-in, no staff, no number', async () => {
    for (const lang of LANGS) {
      const app = await renderApp(fixtureView('failed-NOT_BUSINESS_CARD', lang));
      const text = pageText(app);
      expect(text).to.contain(errorText('NOT_BUSINESS_CARD', lang));
      expect(text).to.contain(strings(lang).notBusinessCard);
      expect(deepAll(app, '.mail-in')).to.have.length(0);
      expect(text).not.to.contain(strings(lang).caMailAddress);
      expect(text).not.to.contain(strings(lang).remedies.staff);
    }
    expect(pageText(await renderApp(fixtureView('failed-NOT_BUSINESS_CARD')))).to.contain('不是工商憑證IC卡');
  });

  it('3125 says what did not happen at its step and what the kiosk does, in both languages', async () => {
    const steps = ['identify', 'verify', 'accept', 'pinGrant'] as const;
    for (const lang of LANGS) {
      const texts = await Promise.all(steps.map(async (step) => pageText(await renderApp(fixtureView(`failed-3125-${step}` as FixtureName, lang)))));
      steps.forEach((step, index) => {
        expect(texts[index]).to.contain(strings(lang).failed3125[step].what);
        expect(texts[index]).to.contain(strings(lang).failed3125[step].next);
        expect(texts[index]).to.contain('10011502');
      });
    }
    const identify = pageText(await renderApp(fixtureView('failed-3125-identify')));
    expect(identify).not.to.contain('未收到您的憑證接受');
  });

  it('after the session ends with the card in, the screen asks for it back (not 請插入)', async () => {
    for (const lang of LANGS) {
      const app = await renderApp(fixtureView('removeCard', lang));
      const text = pageText(app);
      expect(text).to.contain(strings(lang).screens.removeCard.title);
      expect(text).not.to.contain(strings(lang).screens.insertCard.title);
      expect(deepAll(app, 'ka-step-indicator')).to.have.length(0);
    }
  });

  it('shows no step count on the path choice, before a path is chosen', async () => {
    const app = await renderApp(fixtureView('choosePath'));
    expect(deepAll(app, 'ka-step-indicator')).to.have.length(0);
    expect(pageText(app)).not.to.match(/步驟 \d／\d/);
  });

  it('a PIN mismatch empties both PIN fields', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    const fields = () => deepAll<KaTextField>(app, 'ka-secret-field');
    for (const field of fields()) field.applyKey('1');
    await settle(app);
    expect(fields().map((field) => field.value)).to.deep.equal(['1', '1']);
    app.view = fixtureView('enterPin-mismatch');
    await settle(app);
    expect(fields().map((field) => field.value)).to.deep.equal(['', '']);
    expect(fields().map((field) => field.invalid)).to.deep.equal([true, true]);
  });

  it('the show/hide button says what it will do, in both languages', async () => {
    for (const lang of LANGS) {
      const app = await renderApp(fixtureView('enterPin', lang));
      const field = deepAll<KaTextField>(app, 'ka-secret-field')[0]!;
      const toggle = field.shadowRoot!.querySelector<HTMLButtonElement>('button.toggle')!;
      expect(toggle.textContent?.trim()).to.equal(strings(lang).buttons.show);
      toggle.click();
      await settle(app);
      expect(toggle.textContent?.trim()).to.equal(strings(lang).buttons.hide);
      expect(toggle.getAttribute('aria-label')).to.equal(strings(lang).fields.hideSecret(strings(lang).fields.pin));
    }
  });

  it('the return slip names the branch, quotes only the manual, and speaks as the office', async () => {
    const slip = await fixture<KaStaffReturnSlip>(html`<ka-staff-return-slip
      .slip=${{
        cardNumber: 'TT00000000000051',
        holderName: '測試公司1',
        orgUnit: '測試分公司1',
        reason: 'CARD_UNREADABLE',
        takenAt: '2026-03-25T06:00:00.000Z',
        staffId: 'A1023',
        contact: { name: '王小明', phone: '02-2345-6789', address: '臺北市中正區' },
      }}
    ></ka-staff-return-slip>`);
    const text = pageText(slip);
    expect(text).to.contain('C=TW,O=測試公司1,OU=測試分公司1');
    expect(text).not.to.contain('CARD_UNREADABLE');
    expect(text).to.contain('不明連接卡');
    expect(text).to.contain('本櫃檯已收下');
    expect(text).not.to.contain('本中心');
    slip.slip = { ...slip.slip!, reason: '27011' };
    await slip.updateComplete;
    expect(pageText(slip)).to.contain('錯誤代碼27011');
    expect(pageText(slip)).to.contain('進行解卡');
    expect(pageText(slip)).not.to.contain('請將');
  });

  it('staff see the manual advice to try the reader with another card before treating one as unreadable', async () => {
    const view: View = machineView({ kioskId: 'kiosk-9', value: { session: { failed: 'cardUnreadable' } }, seq: 9 });
    const detail = await fixture<KaStaffKioskDetail>(html`<ka-staff-kiosk-detail
      .entry=${{ view, changedAt: Date.now(), answering: true }}
    ></ka-staff-kiosk-detail>`);
    await detail.updateComplete;
    expect(pageText(detail)).to.contain(staffStrings.readerAdvice);
    expect(staffStrings.readerAdvice).to.contain('其他憑證IC卡');
  });
});
