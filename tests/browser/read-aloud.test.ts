// The read-aloud button (docs/ui.md, "Spoken guidance") in real Chromium, with the audio the build
// made (served by support/speech-plugin.ts as the UI server serves it): on every screen a visible
// 語音說明 button of at least 64 px; pressing it plays the screen's words, and on a failure the
// error's and the advice's; it stops when the screen changes and when the session ends; with the
// staff setting `autoSpeech` each new screen speaks by itself.
import { expect, waitUntil } from '@open-wc/testing';
import { sendMouse, setViewport } from '@web/test-runner-commands';
import type { View } from '../../machines/contract/messages.ts';
import type { KaKioskApp } from '../../kiosk/src/kiosk-app.ts';
import { strings } from '../../kiosk/src/i18n.ts';
import { adviceKey, errorKey, screenKey, speechKeysFor, spokenTexts } from '../../kiosk/src/speech/spoken-text.ts';
import { FIXTURE_NAMES, fixtureView } from '../../kiosk/fixtures/views.ts';
import { deepAll, renderApp, settle, languagesReady } from './support/helpers.ts';

type Index = Record<string, Record<string, string>>;

const readAloud = (app: KaKioskApp) => {
  const [button] = deepAll<HTMLButtonElement>(app, 'button.read-aloud');
  if (!button) throw new Error('no read-aloud button');
  return button;
};
const audioOf = (app: KaKioskApp) => {
  const [audio] = deepAll<HTMLAudioElement>(app, 'audio.speech');
  if (!audio) throw new Error('no speech audio element');
  return audio;
};
/** Playing for real: not paused, and the clock has moved past the start. */
const isPlaying = (audio: HTMLAudioElement) => !audio.paused && audio.currentTime > 0;
const isSilent = (audio: HTMLAudioElement) => audio.paused || audio.getAttribute('src') === null;

/** A real pointer press in the middle of the element, as a finger on the touchscreen. */
async function press(element: HTMLElement): Promise<void> {
  const box = element.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
}

/** All the text of `root`, through every shadow root, as a person reads it. */
function deepText(root: Node): string {
  let text = '';
  const visit = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) text += ` ${node.textContent ?? ''}`;
    if (node instanceof Element && node.shadowRoot) visit(node.shadowRoot);
    for (const child of node.childNodes) visit(child);
  };
  visit(root);
  return text;
}
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

async function show(app: KaKioskApp, view: View): Promise<void> {
  app.view = view;
  await settle(app);
}

describe('read aloud', () => {
  let index: Index;

  before(async () => {
    await languagesReady();
    await setViewport({ width: 1080, height: 1920 });
    index = (await (await fetch('/speech/index.json')).json()) as Index;
  });

  it('every screen shows a 語音說明 / Read aloud button of at least 64 × 64 px', async () => {
    for (const name of FIXTURE_NAMES) {
      for (const lang of ['zh-TW', 'en'] as const) {
        const app = await renderApp(fixtureView(name, lang));
        const button = readAloud(app);
        const { width, height } = button.getBoundingClientRect();
        expect(Math.min(width, height), `${name} ${lang}: ${width}×${height}`).to.be.at.least(64);
        expect(button.textContent?.trim(), `${name} ${lang}`).to.equal(strings(lang).readAloud);
        expect(getComputedStyle(button).visibility, name).to.equal('visible');
      }
    }
  });

  it('says only what the screen shows: every spoken line is on the screen', async () => {
    for (const name of FIXTURE_NAMES) {
      for (const lang of ['zh-TW', 'en'] as const) {
        const view = fixtureView(name, lang);
        const app = await renderApp(view);
        const shown = squeeze(deepText(app));
        const texts = spokenTexts(lang);
        for (const key of speechKeysFor(view)) {
          expect(index[lang]?.[key], `${name} ${lang}: ${key} has no audio`).to.be.a('string');
          for (const line of (texts[key] ?? '').split('\n')) expect(shown, `${name} ${lang}: ${key}`).to.include(squeeze(line));
        }
      }
    }
  });

  it('pressing it plays the screen on display, in its language', async () => {
    const app = await renderApp(fixtureView('insertCard', 'zh-TW'));
    const audio = audioOf(app);
    expect(isSilent(audio)).to.equal(true);
    await press(readAloud(app));
    await waitUntil(() => isPlaying(audio), 'the insert-card speech did not play', { timeout: 15_000 });
    expect(new URL(audio.src).pathname).to.equal(index['zh-TW']?.[screenKey('insertCard')]);
    expect(readAloud(app).getAttribute('aria-pressed')).to.equal('true');
    // Pressed again: silence.
    await press(readAloud(app));
    await waitUntil(() => isSilent(audio), 'a second press did not stop the speech');
  });

  it('on a failure it goes on to the error and what to do next', async () => {
    const view = fixtureView('failed-LOCKED', 'en');
    expect(speechKeysFor(view)).to.deep.equal([screenKey('failed'), errorKey('LOCKED'), adviceKey('staff')]);
    const app = await renderApp(view);
    const audio = audioOf(app);
    await press(readAloud(app));
    await waitUntil(() => isPlaying(audio), 'the failure title did not play', { timeout: 15_000 });
    expect(new URL(audio.src).pathname).to.equal(index.en?.[screenKey('failed')]);
    await waitUntil(() => new URL(audio.src).pathname === index.en?.[errorKey('LOCKED')] && isPlaying(audio), 'the error was not spoken next', {
      timeout: 30_000,
    });
    await waitUntil(() => new URL(audio.src).pathname === index.en?.[adviceKey('staff')] && isPlaying(audio), 'the advice was not spoken last', {
      timeout: 60_000,
    });
  });

  it('stops when the screen changes, and when the session ends', async () => {
    const app = await renderApp(fixtureView('enterUserCode', 'zh-TW'));
    const audio = audioOf(app);
    await press(readAloud(app));
    await waitUntil(() => isPlaying(audio), 'the user-code speech did not play', { timeout: 15_000 });
    await show(app, fixtureView('verifying', 'zh-TW'));
    await waitUntil(() => isSilent(audio), 'the speech went on after the screen changed');

    await press(readAloud(app));
    await waitUntil(() => isPlaying(audio), 'the verifying speech did not play', { timeout: 15_000 });
    // The session ends (cancelled, timed out, staff abort): the kiosk is back at the insert-card screen.
    await show(app, fixtureView('insertCard', 'zh-TW'));
    await waitUntil(() => isSilent(audio), 'the speech went on after the session ended');
  });

  it('with automatic speech on, each new screen speaks without a press; off, none does', async () => {
    const app = await renderApp({ ...fixtureView('insertCard', 'en'), autoSpeech: true });
    const audio = audioOf(app);
    await waitUntil(() => isPlaying(audio), 'the first screen did not speak by itself', { timeout: 15_000 });
    expect(new URL(audio.src).pathname).to.equal(index.en?.[screenKey('insertCard')]);
    await show(app, { ...fixtureView('choosePath', 'en'), autoSpeech: true });
    await waitUntil(
      () => new URL(audio.src).pathname === index.en?.[screenKey('choosePath')] && isPlaying(audio),
      'the next screen did not speak by itself',
      { timeout: 15_000 },
    );
    await show(app, { ...fixtureView('enterUserCode', 'en'), autoSpeech: false });
    await waitUntil(() => isSilent(audio), 'the speech went on after the screen changed');
    // Nothing starts by itself with the setting off: the audio element stays without a source.
    await show(app, fixtureView('verifying', 'en'));
    expect(audio.getAttribute('src')).to.equal(null);
  });
});
