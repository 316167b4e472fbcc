// Every screen renders from a view, in both languages: the right element and heading, only the
// buttons the view accepts, no axe-core violations, touch targets of at least 64 px.
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { View } from '../../machines/contract/messages.ts';
import { SCREENS } from '../../machines/contract/screens.ts';
import { SCREEN_TAGS } from '../../kiosk/src/kiosk-app.ts';
import { strings } from '../../kiosk/src/i18n.ts';
import { FIXTURE_NAMES, fixtureView } from '../../kiosk/fixtures/views.ts';
import { axeViolations, buttonsOf, deepAll, describeViolations, renderApp, screenOf, languagesReady } from './support/helpers.ts';

const LANGS = ['zh-TW', 'en'] as const;

describe('every screen', () => {
  before(async () => {
    await languagesReady();
    await setViewport({ width: 1080, height: 1920 });
  });

  it('has a fixture for each screen id of the contract', () => {
    const covered = new Set(FIXTURE_NAMES.map((name) => fixtureView(name).screen));
    expect([...SCREENS].filter((screen) => !covered.has(screen))).to.deep.equal([]);
  });

  for (const name of FIXTURE_NAMES) {
    for (const lang of LANGS) {
      describe(`${name} (${lang})`, () => {
        it('renders its screen with its heading in the view language', async () => {
          const view = fixtureView(name, lang);
          const app = await renderApp(view);
          const screen = screenOf(app);
          expect(screen.localName).to.equal(SCREEN_TAGS[view.screen]);
          const heading = screen.shadowRoot?.querySelector('h1')?.textContent?.trim();
          expect(heading).to.equal(strings(lang).screens[view.screen].title);
          expect(app.shadowRoot?.querySelector('.shell')?.getAttribute('lang')).to.equal(lang);
          expect(document.documentElement.lang).to.equal(lang);
        });

        it('shows a button for an event only when the view accepts it', async () => {
          const view = fixtureView(name, lang);
          const app = await renderApp(view);
          const eventButtons = deepAll(app, '[data-event]');
          for (const el of eventButtons) expect(view.accepts, el.outerHTML).to.include(el.dataset.event);
          const shown = new Set(eventButtons.map((el) => el.dataset.event));
          expect(shown.has('user.callStaff')).to.equal(view.accepts.includes('user.callStaff'));
          expect(shown.has('user.setLanguage')).to.equal(view.accepts.includes('user.setLanguage'));
        });

        it('has no axe-core violations', async () => {
          const app = await renderApp(fixtureView(name, lang));
          const violations = await axeViolations(app);
          expect(violations, describeViolations(violations)).to.deep.equal([]);
        });

        it('makes every control at least 64 × 64 CSS px', async () => {
          const app = await renderApp(fixtureView(name, lang));
          const controls = [...buttonsOf(app), ...deepAll<HTMLInputElement>(app, 'input')];
          for (const control of controls) {
            const { width, height } = control.getBoundingClientRect();
            expect(Math.min(width, height), `${control.outerHTML.slice(0, 120)} is ${width}×${height}`).to.be.at.least(64);
          }
        });
      });
    }
  }

  it('hides the buttons of events the view does not accept', async () => {
    const view: View = { ...fixtureView('enterPin'), accepts: ['user.reset'] };
    const app = await renderApp(view);
    const events = deepAll(app, '[data-event]').map((el) => el.dataset.event);
    expect(events).to.deep.equal(['user.reset']);
  });

  it('shows the step indicator from the view, with the current step marked', async () => {
    const app = await renderApp(fixtureView('enterUserCode'));
    const current = deepAll(app, 'li[aria-current="step"]');
    expect(current).to.have.length(1);
    expect(current[0]?.textContent).to.contain('3');
    expect(deepAll(app, 'ka-step-indicator')[0]?.shadowRoot?.textContent).to.contain('步驟 3／7');
  });

  it('shows the input error on the input screen, with the attempts left, and marks the field', async () => {
    const app = await renderApp(fixtureView('enterUserCode-3005'));
    const alert = deepAll(app, '[role="alert"]')[0];
    expect(alert?.textContent).to.contain('用戶代碼錯誤：3005');
    expect(alert?.textContent).to.contain('尚可嘗試 3 次');
    const input = deepAll<HTMLInputElement>(app, 'input')[0];
    expect(input?.getAttribute('aria-invalid')).to.equal('true');
    // The mark is words and an icon, not a colour alone.
    expect(deepAll(app, '.mark')[0]?.textContent).to.contain('請檢查此欄');
  });

  it('shows the ROC validity range on the card data screen', async () => {
    const app = await renderApp(fixtureView('confirmCardData'));
    expect(screenOf(app).shadowRoot?.textContent).to.contain('中華民國102年3月25日 到 中華民國102年4月25日');
  });

  it('shows what to do next on the failed screen, and customer service only where calling helps', async () => {
    const app = await renderApp(fixtureView('failed-27011'));
    const text = screenOf(app).shadowRoot?.textContent ?? '';
    expect(text).to.contain('錯誤代碼27011');
    expect(text).not.to.contain('412-1166');
    expect(text).to.contain(strings('zh-TW').remedies.staff);
    const revoked = screenOf(await renderApp(fixtureView('failed-4931'))).shadowRoot?.textContent ?? '';
    expect(revoked).to.contain('412-1166');
    expect(revoked).to.contain('(02/04/07)-412-1166');
  });

  it('counts down to the deadline on stillThere', async () => {
    const view = { ...fixtureView('stillThere'), deadline: new Date(Date.now() + 30_500).toISOString() };
    const app = await renderApp(view);
    const timer = deepAll(app, '[role="timer"]')[0];
    const seconds = Number(/(\d+) 秒/.exec(timer?.textContent ?? '')?.[1]);
    expect(seconds).to.be.within(29, 31);
  });

  it("moves the card picture's arrow down into the reader on insertCard and up out of it on removeCard", async () => {
    for (const [name, travel] of [
      ['insertCard', 18],
      ['removeCard', -18],
    ] as const) {
      const app = await renderApp(fixtureView(name));
      const arrow = deepAll(app, 'svg.art .arrow')[0] as Element;
      const [animation] = arrow.getAnimations();
      expect(animation, name).to.not.equal(undefined);
      // Halfway through its 1.6 s loop the arrow is furthest from where it starts.
      animation!.pause();
      animation!.currentTime = 800;
      expect(new DOMMatrix(getComputedStyle(arrow).transform).f, name).to.equal(travel);
    }
  });

  it('shows the demo card tray only when given demo cards', async () => {
    const app = await renderApp(fixtureView('insertCard'));
    expect(deepAll(app, 'ka-card-tray')).to.have.length(0);
    app.demoCards = [{ cardNumber: 'TT00000000000051', label: '測試公司1' }];
    await app.updateComplete;
    expect(deepAll(app, 'ka-card-tray')).to.have.length(1);
  });

  it('shows a waiting message before the first view', async () => {
    const { fixture, html } = await import('@open-wc/testing');
    const app = await fixture(html`<ka-kiosk-app></ka-kiosk-app>`);
    expect(app.shadowRoot?.textContent).to.contain(strings('zh-TW').starting);
  });
});
