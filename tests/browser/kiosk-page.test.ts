// The built page itself (kiosk/dist: index.html + the minified bundle, under the stack's content
// security policy) in a frame, against a real nats-server over websocket: it shows the engine's
// view, sends input, follows new views, and after a reload shows the current screen again.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import type { UserEvent, View } from '../../machines/contract/messages.ts';
import type { KaKioskApp } from '../../kiosk/src/kiosk-app.ts';
import { fixtureView, type FixtureName } from '../../kiosk/fixtures/views.ts';
import { deepAll } from './support/helpers.ts';

const KIOSK = 'kiosk-page';
const view = (name: FixtureName, seq: number): View => ({ ...fixtureView(name, 'zh-TW', KIOSK), seq });
const engineState = () => executeServerCommand<{ viewGets: number; inputs: UserEvent[] }, undefined>('nats-state');

describe('the built kiosk page', () => {
  let frame: HTMLIFrameElement;
  let url = '';
  const app = () => frame.contentDocument?.querySelector('ka-kiosk-app') as KaKioskApp | null;

  before(async () => {
    await setViewport({ width: 1080, height: 1920 });
    await executeServerCommand('nats-start', { kioskId: KIOSK, view: view('choosePath', 1) });
    ({ url } = await executeServerCommand<{ url: string }, undefined>('kiosk-build'));
    frame = document.createElement('iframe');
    frame.style.cssText = 'width:1080px;height:1920px;border:0';
    document.body.append(frame);
  });

  after(async () => {
    frame.remove();
    await executeServerCommand('nats-stop');
  });

  it('connects from config.json and shows the engine view', async () => {
    const securityErrors: string[] = [];
    frame.src = url;
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    frame.contentDocument?.addEventListener('securitypolicyviolation', (e) => securityErrors.push(e.violatedDirective));
    await waitUntil(() => app()?.screen === 'choosePath', 'the page did not show the engine view', { timeout: 15_000 });
    expect(frame.contentDocument?.documentElement.lang).to.equal('zh-TW');
    expect(securityErrors).to.deep.equal([]);
  });

  it('sends the user input to the engine and follows its next view', async () => {
    const before = (await engineState()).inputs.length;
    const choose = deepAll<HTMLButtonElement>(app()!, 'button.path').find((b) => b.dataset.path === 'self-applied');
    choose!.click();
    await waitUntil(async () => (await engineState()).inputs.length > before);
    expect((await engineState()).inputs.slice(before)).to.deep.equal([{ type: 'user.choosePath', path: 'self-applied' }]);
    await executeServerCommand('nats-set-view', { view: view('enterUserCode', 2) });
    await executeServerCommand('nats-publish-view', { view: view('enterUserCode', 2) });
    await waitUntil(() => app()?.screen === 'enterUserCode');
  });

  it('shows the current screen again after a reload', async () => {
    const gets = (await engineState()).viewGets;
    frame.contentWindow!.location.reload();
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    await waitUntil(() => app()?.screen === 'enterUserCode', 'no screen after reload', { timeout: 15_000 });
    expect(app()?.view?.seq).to.equal(2);
    expect((await engineState()).viewGets).to.be.greaterThan(gets);
  });
});
