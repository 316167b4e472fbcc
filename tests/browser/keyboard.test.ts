// The on-screen keyboard types into the field being edited (letters, shift, digits, symbols,
// backspace), with real mouse clicks that must not take focus from that field; a physical
// keyboard types too; secret fields mask and unmask.
import { expect } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse, setViewport } from '@web/test-runner-commands';
import type { KaKioskApp } from '../../kiosk/src/kiosk-app.ts';
import type { KaTextField } from '../../kiosk/src/components/text-field/ka-text-field.ts';
import { fixtureView } from '../../kiosk/fixtures/views.ts';
import { center, deepActiveElement, deepAll, renderApp, settle } from './support/helpers.ts';

function keyboardOf(app: KaKioskApp) {
  const keyboard = deepAll(app, 'ka-keyboard')[0];
  if (!keyboard?.shadowRoot) throw new Error('no keyboard');
  return keyboard;
}

function key(app: KaKioskApp, label: string): HTMLButtonElement {
  const buttons = [...keyboardOf(app).shadowRoot!.querySelectorAll<HTMLButtonElement>('button')];
  const found = buttons.find((b) => (b.dataset.action ?? b.textContent?.trim()) === label);
  if (!found) throw new Error(`no key ${label}`);
  return found;
}

/** A real click at the key's centre, as a finger or mouse would do it. */
async function tap(app: KaKioskApp, ...labels: string[]): Promise<void> {
  for (const label of labels) {
    await sendMouse({ type: 'click', position: center(key(app, label)) });
    await settle(app);
  }
}

function field(app: KaKioskApp, name: string): KaTextField {
  const found = deepAll<KaTextField>(app, 'ka-text-field, ka-secret-field').find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

describe('on-screen keyboard', () => {
  before(async () => {
    await setViewport({ width: 1080, height: 1920 });
  });
  afterEach(async () => {
    await resetMouse();
  });

  it('types letters, shifted letters, digits and symbols, and deletes, into the focused field', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    const userCode = field(app, 'userCode');
    expect(deepActiveElement()).to.equal(userCode.input);
    await tap(app, 'a', 'shift', 'B', 'c', '3');
    expect(userCode.value).to.equal('aBc3');
    await tap(app, 'symbols', '$', '#', '\\', 'letters', 'z');
    expect(userCode.value).to.equal('aBc3$#\\z');
    await tap(app, 'backspace', 'backspace');
    expect(userCode.value).to.equal('aBc3$#');
    expect(userCode.input?.value).to.equal('aBc3$#');
    expect(deepActiveElement(), 'focus stayed on the field').to.equal(userCode.input);
  });

  it('reaches every printable ASCII symbol a user code or PIN may contain', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    await tap(app, 'symbols');
    const labels = new Set(
      [...keyboardOf(app).shadowRoot!.querySelectorAll('button:not([data-action])')].map((b) => b.textContent?.trim()),
    );
    const symbols = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
    expect(symbols.filter((s) => !labels.has(s))).to.deep.equal([]);
  });

  it('inserts at the caret, not only at the end', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    const userCode = field(app, 'userCode');
    await tap(app, 'a', 'c');
    userCode.input!.setSelectionRange(1, 1);
    await tap(app, 'b');
    expect(userCode.value).to.equal('abc');
  });

  it('stops at the field length (PIN: 8)', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    await tap(app, '1', '2', '3', '4', '5', '6', '7', '8', '9');
    expect(field(app, 'pin').value).to.equal('12345678');
  });

  it('moves to the next field with its "next" key and follows the field with its layout', async () => {
    const app = await renderApp(fixtureView('enterResponsibleId'));
    const keyboard = keyboardOf(app);
    expect(keyboard.getAttribute('layout')).to.equal('id');
    await tap(app, 'A', '1', '2');
    expect(field(app, 'responsibleId').value).to.equal('A12');
    await tap(app, 'next');
    expect(deepActiveElement()).to.equal(field(app, 'birthYear').input);
    expect(keyboard.getAttribute('layout')).to.equal('digits');
    await tap(app, '7', '5', 'next', '3', 'next', '9');
    expect([field(app, 'birthYear').value, field(app, 'birthMonth').value, field(app, 'birthDay').value]).to.deep.equal(['75', '3', '9']);
  });

  it('takes a physical keyboard too, keeping ID letters capital and date fields digits only', async () => {
    const app = await renderApp(fixtureView('enterResponsibleId'));
    await sendKeys({ type: 'a123456789' });
    expect(field(app, 'responsibleId').value).to.equal('A123456789');
    await sendKeys({ press: 'Tab' });
    expect(deepActiveElement()).to.equal(field(app, 'birthYear').input);
    await sendKeys({ type: '7x5' });
    expect(field(app, 'birthYear').value).to.equal('75');
  });

  it('types case-sensitively from a physical keyboard into a user code', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    await sendKeys({ type: 'Ab3$xyz9' });
    expect(field(app, 'userCode').value).to.equal('Ab3$xyz9');
    await sendKeys({ press: 'Backspace' });
    expect(field(app, 'userCode').value).to.equal('Ab3$xyz');
  });

  it('masks secret fields and shows them on request, without taking focus', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    const pin = field(app, 'pin');
    await tap(app, '1', '2', '3');
    expect(pin.input?.type).to.equal('password');
    const toggle = pin.shadowRoot!.querySelector<HTMLButtonElement>('button.toggle')!;
    expect(toggle.getAttribute('aria-label')).to.equal('顯示設定IC卡PIN碼');
    expect(toggle.textContent?.trim()).to.equal('顯示');
    await sendMouse({ type: 'click', position: center(toggle) });
    await settle(app);
    expect(pin.input?.type).to.equal('text');
    // The button now says what it will do next.
    expect(toggle.getAttribute('aria-label')).to.equal('隱藏設定IC卡PIN碼');
    expect(toggle.textContent?.trim()).to.equal('隱藏');
    expect(pin.input?.value).to.equal('123');
    expect(deepActiveElement()).to.equal(pin.input);
    await sendMouse({ type: 'click', position: center(toggle) });
    await settle(app);
    expect(pin.input?.type).to.equal('password');
  });

  it('never puts a typed secret into an attribute', async () => {
    const app = await renderApp(fixtureView('enterPin'));
    await sendKeys({ type: 'Zq7!Zq7!' });
    const attributes = deepAll(app, '*').flatMap((el) => [...el.attributes].map((a) => a.value));
    expect(attributes.filter((value) => value.includes('Zq7!'))).to.deep.equal([]);
  });
});
