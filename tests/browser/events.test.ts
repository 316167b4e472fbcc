// Buttons send the contract's user events with the right payloads, and only those.
import { expect, oneEvent } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import type { View } from '../../machines/contract/messages.ts';
import type { KaTextField } from '../../kiosk/src/components/text-field/ka-text-field.ts';
import type { KaKioskApp } from '../../kiosk/src/kiosk-app.ts';
import { fixtureView } from '../../kiosk/fixtures/views.ts';
import { button, buttonsOf, deepActiveElement, deepAll, recordInputs, renderApp, settle, languagesReady } from './support/helpers.ts';

function field(app: KaKioskApp, name: string): KaTextField {
  const found = deepAll<KaTextField>(app, 'ka-text-field, ka-secret-field').find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

async function typeInto(app: KaKioskApp, name: string, text: string): Promise<void> {
  field(app, name).focus();
  await sendKeys({ type: text });
  await settle(app);
}

describe('user events', () => {
  before(async () => {
    await languagesReady();
    await setViewport({ width: 1080, height: 1920 });
  });

  it('讀取卡片資料 sends user.submitUserCode with what was typed', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    const sent = recordInputs(app);
    await typeInto(app, 'userCode', 'Ab3$xyz9');
    button(app, '讀取卡片資料').click();
    expect(sent).to.deep.equal([{ type: 'user.submitUserCode', userCode: 'Ab3$xyz9' }]);
  });

  it('Enter in the last field submits like the main button', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    const sent = recordInputs(app);
    await typeInto(app, 'userCode', 'Ab3$xyz9');
    await sendKeys({ press: 'Enter' });
    expect(sent).to.deep.equal([{ type: 'user.submitUserCode', userCode: 'Ab3$xyz9' }]);
  });

  it('Enter in an earlier field moves on instead of submitting', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    const sent = recordInputs(app);
    await typeInto(app, 'pin', '123456');
    await sendKeys({ press: 'Enter' });
    expect(sent).to.deep.equal([]);
    expect(deepActiveElement()).to.equal(field(app, 'pinConfirm').input);
  });

  it('sends the ROC birth date as typed (year/month/day, read by the machine alone), and none when it is left empty', async () => {
    const app = await renderApp(fixtureView('enterResponsibleId'));
    const sent = recordInputs(app);
    await typeInto(app, 'responsibleId', 'A123456789');
    button(app, '讀取卡片資料').click();
    await typeInto(app, 'birthYear', '75');
    await typeInto(app, 'birthMonth', '3');
    await typeInto(app, 'birthDay', '9');
    button(app, '讀取卡片資料').click();
    expect(sent).to.deep.equal([
      { type: 'user.submitResponsibleId', responsibleId: 'A123456789' },
      { type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '75/3/9' },
    ]);
  });

  it('passes an incomplete birth date on as it is, for the engine to refuse', async () => {
    const app = await renderApp(fixtureView('enterResponsibleId'));
    const sent = recordInputs(app);
    await typeInto(app, 'responsibleId', 'A123456789');
    await typeInto(app, 'birthYear', '75');
    button(app, '讀取卡片資料').click();
    expect(sent).to.deep.equal([{ type: 'user.submitResponsibleId', responsibleId: 'A123456789', birthDate: '75//' }]);
  });

  it('keeps the ID typed when the registry asks only for the birth date, and not after a wrong ID', async () => {
    const app = await renderApp(fixtureView('enterResponsibleId'));
    const sent = recordInputs(app);
    await typeInto(app, 'responsibleId', 'A123456789');
    button(app, '讀取卡片資料').click();
    expect(sent).to.deep.equal([{ type: 'user.submitResponsibleId', responsibleId: 'A123456789' }]);
    // As the contract's table marks them: the birth-date codes only the date, 3005 and ID_FORMAT the ID too.
    const answered = (code: 'BIRTH_DATE_FORMAT' | 'ID_FORMAT'): View => {
      const view = fixtureView('enterResponsibleId-BIRTH_DATE_REQUIRED');
      return { ...view, error: { ...view.error!, code } };
    };
    for (const [step, idAfter] of [
      ['enterResponsibleId-BIRTH_DATE_REQUIRED', 'A123456789'],
      ['BIRTH_DATE_FORMAT', 'A123456789'],
      ['enterResponsibleId-3005', ''],
      ['ID_FORMAT', ''],
    ] as const) {
      field(app, 'responsibleId').clear();
      await typeInto(app, 'responsibleId', 'A123456789');
      button(app, '讀取卡片資料').click();
      app.view = { ...fixtureView('verifying'), path: 'registration-bundled' };
      await settle(app);
      app.view = step === 'BIRTH_DATE_FORMAT' || step === 'ID_FORMAT' ? answered(step) : fixtureView(step);
      await settle(app);
      expect(field(app, 'responsibleId').value, step).to.equal(idAfter);
      expect(field(app, 'birthYear').value, step).to.equal('');
    }
    // Once another screen has shown, the page no longer holds the ID.
    await typeInto(app, 'responsibleId', 'A123456789');
    button(app, '讀取卡片資料').click();
    app.view = fixtureView('confirmCardData');
    await settle(app);
    app.view = fixtureView('enterResponsibleId-BIRTH_DATE_REQUIRED');
    await settle(app);
    expect(field(app, 'responsibleId').value, 'dropped once another screen showed').to.equal('');
  });

  it('進行憑證接受 on the contact screen sends user.submitContact with all three fields', async () => {
    const app = await renderApp(fixtureView('enterContact'));
    const sent = recordInputs(app);
    await typeInto(app, 'email', 'sales@example.com.tw');
    await typeInto(app, 'userCode', 'New#code1');
    await typeInto(app, 'userCodeConfirm', 'New#code1');
    button(app, '進行憑證接受').click();
    expect(sent).to.deep.equal([
      { type: 'user.submitContact', email: 'sales@example.com.tw', userCode: 'New#code1', userCodeConfirm: 'New#code1' },
    ]);
  });

  it('設定IC卡PIN碼 sends user.submitPin {pin, pinConfirm}', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    const sent = recordInputs(app);
    await typeInto(app, 'pin', 'Pin!2345');
    await typeInto(app, 'pinConfirm', 'Pin!2346');
    button(app, '設定IC卡PIN碼').click();
    expect(sent).to.deep.equal([{ type: 'user.submitPin', pin: 'Pin!2345', pinConfirm: 'Pin!2346' }]);
  });

  it('重新輸入 clears every field and sends user.reset', async () => {
    const app = await renderApp(fixtureView('enterContact'));
    const sent = recordInputs(app);
    await typeInto(app, 'email', 'a@b.tw');
    await typeInto(app, 'userCode', 'abcdef');
    button(app, '重新輸入').click();
    await settle(app);
    expect(sent).to.deep.equal([{ type: 'user.reset' }]);
    for (const name of ['email', 'userCode', 'userCodeConfirm']) {
      expect(field(app, name).value).to.equal('');
      expect(field(app, name).input?.value).to.equal('');
    }
  });

  it('keeps typed values when a new view of the same screen brings an input error', async () => {
    // (A PIN mismatch is the exception: both hidden PINs are typed again, manual-words.test.ts.)
    const app = await renderApp(fixtureView('enterContact'));
    await typeInto(app, 'email', 'a@b.tw');
    await typeInto(app, 'userCode', 'abcdef12');
    await typeInto(app, 'userCodeConfirm', 'abcdef13');
    app.view = fixtureView('enterContact-mismatch');
    await settle(app);
    expect(field(app, 'email').value).to.equal('a@b.tw');
    expect(field(app, 'userCode').value).to.equal('abcdef12');
    expect(field(app, 'userCodeConfirm').invalid).to.equal(true);
    expect(deepActiveElement(), 'focus goes to the field to correct').to.equal(field(app, 'userCodeConfirm').input);
  });

  it('disables the main button while the view is busy', async () => {
    const view: View = { ...fixtureView('enterUserCode'), busy: true };
    const app = await renderApp(view);
    const sent = recordInputs(app);
    const main = button(app, '讀取卡片資料');
    expect(main.disabled).to.equal(true);
    main.click();
    await sendKeys({ press: 'Enter' });
    expect(sent).to.deep.equal([]);
  });

  const simple: { fixture: Parameters<typeof fixtureView>[0]; name: string; event: unknown }[] = [
    { fixture: 'choosePath', name: '於工商憑證網站自行申請', event: { type: 'user.choosePath', path: 'self-applied' } },
    {
      fixture: 'choosePath',
      name: '透過登記機關之公司或商業『設立/變更登記表』併案申請工商憑證',
      event: { type: 'user.choosePath', path: 'registration-bundled' },
    },
    { fixture: 'confirmCardData', name: '資料正確，下一步', event: { type: 'user.confirmCardData' } },
    { fixture: 'confirmCardData', name: '資料有誤', event: { type: 'user.disputeCardData' } },
    { fixture: 'idChecksumWarning', name: '是', event: { type: 'user.confirmIdWarning' } },
    { fixture: 'idChecksumWarning', name: '否', event: { type: 'user.correctId' } },
    { fixture: 'stillThere', name: '我還在，繼續作業', event: { type: 'user.stillHere' } },
    { fixture: 'stillThere', name: '結束作業', event: { type: 'user.cancel' } },
    { fixture: 'failed-3125', name: '再試一次', event: { type: 'user.reset' } },
    {
      fixture: 'failed-WRONG_PATH',
      name: '改選：透過登記機關之公司或商業『設立/變更登記表』併案申請工商憑證',
      event: { type: 'user.choosePath', path: 'registration-bundled' },
    },
    { fixture: 'insertCard', name: '呼叫櫃檯服務人員', event: { type: 'user.callStaff' } },
    { fixture: 'insertCard', name: 'English', event: { type: 'user.setLanguage', lang: 'en' } },
  ];
  for (const { fixture, name, event } of simple) {
    it(`${fixture}: ${name} sends ${JSON.stringify(event)}`, async () => {
      const app = await renderApp(fixtureView(fixture));
      const sent = recordInputs(app);
      const target = name === '於工商憑證網站自行申請' || name.startsWith('透過')
        ? deepAll<HTMLButtonElement>(app, 'button.path').find((b) => b.textContent?.trim().startsWith(name))
        : button(app, name);
      target?.click();
      expect(sent).to.deep.equal([event]);
    });
  }

  it('the language toggle in English goes back to 中文', async () => {
    const app = await renderApp(fixtureView('insertCard', 'en'));
    const sent = recordInputs(app);
    button(app, '中文').click();
    expect(sent).to.deep.equal([{ type: 'user.setLanguage', lang: 'zh-TW' }]);
  });

  it('offers the card route on WRONG_PATH when the view carries the card', async () => {
    const view: View = {
      ...fixtureView('failed-WRONG_PATH'),
      path: 'registration-bundled',
      card: { ...fixtureView('confirmCardData').card!, route: 'self-applied' },
    };
    const app = await renderApp(view);
    const sent = recordInputs(app);
    button(app, '改選：於工商憑證網站自行申請').click();
    expect(sent).to.deep.equal([{ type: 'user.choosePath', path: 'self-applied' }]);
  });

  it('the demo tray asks to insert and remove cards', async () => {
    const app = await renderApp(fixtureView('insertCard'));
    app.demoCards = [{ cardNumber: 'TT00000000000051', label: '測試公司1' }];
    await settle(app);
    // The tray is a closed drawer: only its tab shows until it is opened, and it closes after each choice.
    expect(buttonsOf(app).some((b) => b.textContent?.includes('插入：'))).to.equal(false);
    button(app, '示範卡片').click();
    await settle(app);
    const inserted = oneEvent(app, 'ka-card-insert');
    button(app, '插入：測試公司1').click();
    expect((await inserted).detail).to.deep.equal({ cardNumber: 'TT00000000000051' });
    await settle(app);
    button(app, '示範卡片').click();
    await settle(app);
    const removed = oneEvent(app, 'ka-card-remove');
    button(app, '取出卡片').click();
    await removed;
  });

  it('never writes a typed secret to the console', async () => {
    const logged: unknown[][] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    methods.forEach((m) => (console[m] = (...args: unknown[]) => void logged.push(args)));
    try {
      const app = await renderApp(fixtureView('enterPin'));
      await typeInto(app, 'pin', 'Cn4ry!99');
      await typeInto(app, 'pinConfirm', 'Cn4ry!99');
      button(app, '設定IC卡PIN碼').click();
      app.view = fixtureView('settingPin');
      await settle(app);
    } finally {
      methods.forEach((m, i) => (console[m] = originals[i]!));
    }
    expect(logged.map((args) => args.map(String).join(' ')).filter((line) => line.includes('Cn4ry'))).to.deep.equal([]);
  });

  it('events cross shadow roots and bubble to the page', async () => {
    const app = await renderApp(fixtureView('stillThere'));
    const seen = oneEvent(document.body, 'ka-input-send');
    button(app, '我還在，繼續作業').click();
    expect((await seen).detail).to.deep.equal({ type: 'user.stillHere' });
  });
});
