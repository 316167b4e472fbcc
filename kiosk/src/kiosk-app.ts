import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { View } from '../../machines/contract/messages.ts';
import type { ErrorCode } from '../../machines/contract/errors.ts';
import { fieldsMarkedBy } from '../../machines/contract/input-errors.ts';
import type { Screen } from '../../machines/contract/screens.ts';
import type { DemoCard } from './components/card-tray/ka-card-tray.ts';
import { define, emit } from './events.ts';
import { DEFAULT_LANGUAGE, hasLanguage, loadLanguage, strings } from './i18n.ts';
import { FIRST_SCREEN_MARK, INTERACTIVE_MARK } from './initial-view.ts';
import { icons } from './styles/icons.ts';
import { base, buttons, notices } from './styles/shared.ts';
import { tokens } from './styles/tokens.ts';
import type { ScreenElement } from './screens/screen-base.ts';
import './components/card-tray/ka-card-tray.ts';
import './components/read-aloud/ka-read-aloud.ts';
import './components/step-indicator/ka-step-indicator.ts';
import './screens/activated/ka-activated-screen.ts';
import './screens/card-removed/ka-card-removed-screen.ts';
import './screens/choose-path/ka-choose-path-screen.ts';
import './screens/confirm-card-data/ka-confirm-card-data-screen.ts';
import './screens/enter-contact/ka-enter-contact-screen.ts';
import './screens/enter-pin/ka-enter-pin-screen.ts';
import './screens/enter-responsible-id/ka-enter-responsible-id-screen.ts';
import './screens/enter-user-code/ka-enter-user-code-screen.ts';
import './screens/failed/ka-failed-screen.ts';
import './screens/id-checksum-warning/ka-id-checksum-warning-screen.ts';
import './screens/insert-card/ka-insert-card-screen.ts';
import './screens/out-of-service/ka-out-of-service-screen.ts';
import './screens/progress/ka-progress-screen.ts';
import './screens/remove-card/ka-remove-card-screen.ts';
import './screens/staff-assist/ka-staff-assist-screen.ts';
import './screens/still-there/ka-still-there-screen.ts';

export type ConnectionState = 'offline' | 'connecting' | 'connected' | 'disconnected';

/** The element that renders each screen id. */
export const SCREEN_TAGS: Record<Screen, keyof HTMLElementTagNameMap> = {
  outOfService: 'ka-out-of-service-screen',
  insertCard: 'ka-insert-card-screen',
  readingCard: 'ka-progress-screen',
  choosePath: 'ka-choose-path-screen',
  enterUserCode: 'ka-enter-user-code-screen',
  enterResponsibleId: 'ka-enter-responsible-id-screen',
  idChecksumWarning: 'ka-id-checksum-warning-screen',
  verifying: 'ka-progress-screen',
  confirmCardData: 'ka-confirm-card-data-screen',
  enterContact: 'ka-enter-contact-screen',
  accepting: 'ka-progress-screen',
  enterPin: 'ka-enter-pin-screen',
  settingPin: 'ka-progress-screen',
  activated: 'ka-activated-screen',
  cardRemoved: 'ka-card-removed-screen',
  stillThere: 'ka-still-there-screen',
  failed: 'ka-failed-screen',
  staffAssist: 'ka-staff-assist-screen',
  removeCard: 'ka-remove-card-screen',
};

/** Where the ID typed on path B is kept: its own screen, the fig. 19 warning and the check between. */
const ID_SCREENS: ReadonlySet<Screen | undefined> = new Set(['enterResponsibleId', 'idChecksumWarning', 'verifying']);
/**
 * Whether an answer leaves the ID typed standing: none yet, or an input error of the ID screen that
 * concerns other fields only (the birth date), as the contract's table says. Any other lets it go.
 */
function leavesTheIdStanding(code: ErrorCode | undefined): boolean {
  if (code === undefined) return true;
  const marked = fieldsMarkedBy('enterResponsibleId', code);
  return marked.length > 0 && !marked.includes('responsibleId');
}

/**
 * The kiosk page: header (who, which path, language), progress, the current screen, and the
 * always-there call for staff. It renders `view` and nothing else; set it directly (tests,
 * screenshots) or let a `ViewController` feed it from the engine.
 *
 * @summary The kiosk touchscreen application.
 * @fires ka-input-send - from the screens: a user event of the contract, for the engine.
 * @fires ka-card-insert - from the demo card tray.
 * @fires ka-card-remove - from the demo card tray.
 */
export class KaKioskApp extends LitElement {
  static override properties = {
    view: { attribute: false },
    demoCards: { attribute: false },
    connection: { reflect: true },
    problem: { attribute: false },
    screen: { reflect: true },
  };

  declare view: View | undefined;
  /** Set only when the kiosk runs the simulated reader: shows the demo card tray. */
  declare demoCards: DemoCard[] | undefined;
  declare connection: ConnectionState;
  /** Why the controller could not start (a bad config.json), shown to staff. */
  declare problem: string | undefined;
  /** The screen id on display, reflected for styling and for tests. */
  declare screen: Screen | undefined;

  private interactiveMarked = false;

  /**
   * The UI server's snapshot of the first screen (docs/ui.md, "First screen"): the page came with
   * this element's shadow root already in it, declared in the HTML. Kept on show until the app can
   * draw the same view in its language (a catalogue may still be on its way), then taken away
   * whole and the app renders in its place.
   */
  private servedScreen: ShadowRoot | undefined;
  /** Changes that came while the snapshot was kept: the first real update sees them all. */
  private heldChanges = new Map<PropertyKey, unknown>();
  /** A language whose catalogue could not be loaded: the snapshot is not kept waiting for it. */
  private failedLanguages = new Set<View['lang']>();

  /**
   * The ID just submitted on path B, for the checksum warning to show as typed (fig. 19) and for
   * the ID screen to keep when the registry asks only for the birth date (BIRTH_DATE_REQUIRED), so
   * the user does not type the ID again. Held by the page only while the ID screens and the
   * check between them are up; dropped on any other screen. Pure UI state, never in the view: the
   * ID is a secret, and the view goes to the staff consoles, the inspector and the engine's
   * persisted snapshot (docs/security.md), so it carries none.
   */
  private typedResponsibleId: string | undefined;

  private readonly rememberTypedId = (event: Event): void => {
    const detail = (event as CustomEvent<{ type?: string; responsibleId?: string }>).detail;
    if (detail?.type === 'user.submitResponsibleId') this.typedResponsibleId = detail.responsibleId;
    // 重新輸入, or 否 on the fig. 19 warning: the user types the ID again, so the page lets it go.
    if (detail?.type === 'user.reset' || detail?.type === 'user.correctId') this.typedResponsibleId = undefined;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('ka-input-send', this.rememberTypedId);
  }

  override disconnectedCallback(): void {
    this.removeEventListener('ka-input-send', this.rememberTypedId);
    super.disconnectedCallback();
  }

  constructor() {
    super();
    this.view = undefined;
    this.demoCards = undefined;
    this.connection = 'offline';
    this.problem = undefined;
    this.screen = undefined;
  }

  static override styles = [
    tokens,
    base,
    buttons,
    notices,
    css`
      :host {
        display: block;
        height: 100vh;
        height: 100dvh;
        width: 100%;
        background: var(--ka-bg);
        overflow: hidden;
      }
      .shell {
        display: flex;
        flex-direction: column;
        height: 100%;
      }
      header {
        display: flex;
        align-items: center;
        gap: var(--ka-space-3);
        padding: var(--ka-space-3) var(--ka-space-5);
        background: var(--ka-brand);
        color: var(--ka-brand-text);
      }
      .brand {
        flex: 1;
        min-width: 0;
      }
      .org {
        margin: 0;
        font-size: var(--ka-text-small);
      }
      .product {
        margin: 0;
        font-size: var(--ka-text-large);
        font-weight: 700;
        line-height: 1.25;
      }
      .path {
        margin: 0;
        font-size: var(--ka-text-small);
      }
      header button {
        border-color: var(--ka-brand-text);
        background: transparent;
        color: var(--ka-brand-text);
        flex: none;
      }
      .steps {
        padding: var(--ka-space-3) var(--ka-space-5);
        background: var(--ka-surface);
        border-bottom: 2px solid #c7ced8;
      }
      .banner {
        margin: 0;
        border-radius: 0;
        border-width: 0 0 3px;
      }
      main {
        flex: 1 1 0;
        min-height: 0;
        background: var(--ka-bg);
      }
      main > * {
        height: 100%;
      }
      footer {
        display: flex;
        align-items: center;
        gap: var(--ka-space-3);
        padding: var(--ka-space-2) var(--ka-space-5);
        background: var(--ka-surface);
        border-top: 2px solid #c7ced8;
        min-height: calc(var(--ka-target) + 2 * var(--ka-space-2));
      }
      footer .service {
        flex: 1;
        margin: 0;
        font-size: var(--ka-text-small);
        color: var(--ka-text-muted);
      }
      .waiting {
        display: flex;
        align-items: center;
        justify-content: center;
        height: 100%;
        font-size: var(--ka-text-large);
        padding: var(--ka-space-5);
        text-align: center;
      }
      @media (orientation: landscape) {
        header {
          padding: var(--ka-space-2) var(--ka-space-5);
        }
        .steps {
          padding: var(--ka-space-2) var(--ka-space-5);
        }
      }
    `,
  ];

  /** The view as shown: in the default language while the view's own has not arrived (i18n.ts). */
  private shown: { of: View; as: View } | undefined;

  private shownView(): View | undefined {
    const view = this.view;
    if (view === undefined || hasLanguage(view.lang)) return view;
    if (this.shown?.of !== view) this.shown = { of: view, as: { ...view, lang: DEFAULT_LANGUAGE } };
    return this.shown.as;
  }

  /**
   * Fetches a language's words (chosen, or the view's), then shows them. Until then the page keeps
   * the language it shows; a failed fetch keeps it too, and the next switch to that language tries again.
   */
  private wantLanguage(lang: View['lang']): void {
    if (hasLanguage(lang)) return;
    void loadLanguage(lang).then((arrived) => {
      if (arrived) this.failedLanguages.delete(lang);
      else this.failedLanguages.add(lang);
      this.requestUpdate();
    });
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    // Lit keeps a shadow root the element already has and would render beside its content.
    const served = this.shadowRoot !== null && this.shadowRoot.childNodes.length > 0 ? this.shadowRoot : undefined;
    const root = super.createRenderRoot();
    if (served !== undefined) {
      this.servedScreen = served;
      // Lit's content goes after the snapshot, which is gone by the first render.
      this.renderOptions.renderBefore = null;
    }
    return root;
  }

  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    const lang = this.view?.lang;
    if (this.servedScreen !== undefined && lang !== undefined && !hasLanguage(lang) && !this.failedLanguages.has(lang)) {
      for (const [key, before] of changed) if (!this.heldChanges.has(key)) this.heldChanges.set(key, before);
      this.wantLanguage(lang);
      return false;
    }
    const all = changed as Map<PropertyKey, unknown>;
    for (const [key, before] of this.heldChanges) if (!all.has(key)) all.set(key, before);
    this.heldChanges.clear();
    return super.shouldUpdate(changed);
  }

  protected override update(changed: PropertyValues<this>): void {
    const served = this.servedScreen;
    if (served !== undefined) {
      this.servedScreen = undefined;
      served.replaceChildren();
      // The snapshot's root was declared with no element registry; from now on it is the page's.
      (customElements as CustomElementRegistry & { initialize?(root: Node): void }).initialize?.(served);
    }
    super.update(changed);
  }

  override render() {
    const view = this.shownView();
    const lang = view?.lang ?? DEFAULT_LANGUAGE;
    const s = strings(lang);
    return html`<div class="shell" lang=${lang}>
      <header>
        <div class="brand">
          <p class="org">${s.org}</p>
          <p class="product">${s.product}</p>
          ${view?.path ? html`<p class="path">${s.paths[view.path]}</p>` : nothing}
        </div>
        ${view && view.accepts.includes('user.setLanguage')
          ? html`<button
              type="button"
              data-event="user.setLanguage"
              lang=${s.otherLanguageTag}
              @click=${() => {
                const chosen = s.otherLanguageTag === 'en' ? 'en' : 'zh-TW';
                this.wantLanguage(chosen);
                emit(this, 'ka-input-send', { type: 'user.setLanguage', lang: chosen });
              }}
            >
              ${icons.globe}${s.otherLanguage}
            </button>`
          : nothing}
      </header>
      ${view?.step
        ? html`<div class="steps">
            <ka-step-indicator .index=${view.step.index} .of=${view.step.of} lang=${lang}></ka-step-indicator>
          </div>`
        : nothing}
      ${this.connection === 'disconnected'
        ? html`<div class="notice warning banner" role="status">${icons.warning}<p class="body">${this.problem ?? s.disconnected}</p></div>`
        : nothing}
      <main aria-busy=${view?.busy ? 'true' : 'false'}>${view ? this.renderScreen(view) : html`<p class="waiting" role="status">${s.starting}</p>`}</main>
      <footer>
        <!-- No phone number here: a number is given only where calling helps, with the manual's full list. -->
        <span class="service"></span>
        ${this.demoCards ? html`<ka-card-tray .cards=${this.demoCards} lang=${lang}></ka-card-tray>` : nothing}
        ${view ? html`<ka-read-aloud .view=${view} lang=${lang}></ka-read-aloud>` : nothing}
        ${view?.accepts.includes('user.callStaff')
          ? html`<button type="button" data-event="user.callStaff" @click=${() => emit(this, 'ka-input-send', { type: 'user.callStaff' })}>
              ${icons.staff}${s.buttons.callStaff}
            </button>`
          : nothing}
      </footer>
    </div>`;
  }

  private renderScreen(view: View) {
    switch (SCREEN_TAGS[view.screen]) {
      case 'ka-out-of-service-screen':
        return html`<ka-out-of-service-screen .view=${view}></ka-out-of-service-screen>`;
      case 'ka-insert-card-screen':
        return html`<ka-insert-card-screen .view=${view}></ka-insert-card-screen>`;
      case 'ka-choose-path-screen':
        return html`<ka-choose-path-screen .view=${view}></ka-choose-path-screen>`;
      case 'ka-enter-user-code-screen':
        return html`<ka-enter-user-code-screen .view=${view}></ka-enter-user-code-screen>`;
      case 'ka-enter-responsible-id-screen':
        return html`<ka-enter-responsible-id-screen .view=${view} .keptId=${this.typedResponsibleId}></ka-enter-responsible-id-screen>`;
      case 'ka-id-checksum-warning-screen':
        return html`<ka-id-checksum-warning-screen .view=${view} .typedId=${this.typedResponsibleId}></ka-id-checksum-warning-screen>`;
      case 'ka-confirm-card-data-screen':
        return html`<ka-confirm-card-data-screen .view=${view}></ka-confirm-card-data-screen>`;
      case 'ka-enter-contact-screen':
        return html`<ka-enter-contact-screen .view=${view}></ka-enter-contact-screen>`;
      case 'ka-enter-pin-screen':
        return html`<ka-enter-pin-screen .view=${view}></ka-enter-pin-screen>`;
      case 'ka-activated-screen':
        return html`<ka-activated-screen .view=${view}></ka-activated-screen>`;
      case 'ka-card-removed-screen':
        return html`<ka-card-removed-screen .view=${view}></ka-card-removed-screen>`;
      case 'ka-still-there-screen':
        return html`<ka-still-there-screen .view=${view}></ka-still-there-screen>`;
      case 'ka-failed-screen':
        return html`<ka-failed-screen .view=${view}></ka-failed-screen>`;
      case 'ka-staff-assist-screen':
        return html`<ka-staff-assist-screen .view=${view}></ka-staff-assist-screen>`;
      case 'ka-remove-card-screen':
        return html`<ka-remove-card-screen .view=${view}></ka-remove-card-screen>`;
      default:
        return html`<ka-progress-screen .view=${view}></ka-progress-screen>`;
    }
  }

  /** The element showing the current screen. */
  get screenElement(): ScreenElement | null {
    return this.renderRoot.querySelector('main > *') as ScreenElement | null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('view')) {
      this.screen = this.view?.screen;
      // A view in a language not here yet (chosen elsewhere, or the page's first view): fetch it once per switch.
      const before = changed.get('view') as View | undefined;
      if (this.view !== undefined && before?.lang !== this.view.lang) this.wantLanguage(this.view.lang);
    }
    if (!ID_SCREENS.has(this.view?.screen) || !leavesTheIdStanding(this.view?.error?.code)) this.typedResponsibleId = undefined;
  }

  protected override async updated(changed: PropertyValues<this>): Promise<void> {
    const shownLang = this.shownView()?.lang;
    if (shownLang !== undefined) {
      document.documentElement.lang = shownLang;
      document.title = strings(shownLang).product;
    }
    if (changed.has('view') && this.view) {
      const before = changed.get('view') as View | undefined;
      const screenEl = this.screenElement;
      if (screenEl && !(before && before.screen === this.view.screen && before.lang === this.view.lang)) {
        await screenEl.updateComplete;
        screenEl.focusInitial();
      }
    }
    this.markProgress();
  }

  /** The page's two marks (initial-view.ts), each once: a screen is shown; and the app is live. */
  private markProgress(): void {
    if (this.view === undefined || this.screenElement === null) return;
    // A served snapshot marked its own moment already (the script file right after it).
    if (performance.getEntriesByName(FIRST_SCREEN_MARK, 'mark').length === 0) performance.mark(FIRST_SCREEN_MARK);
    if (!this.interactiveMarked && this.connection === 'connected') {
      this.interactiveMarked = true;
      performance.mark(INTERACTIVE_MARK);
    }
  }
}

define('ka-kiosk-app', KaKioskApp);

declare global {
  interface HTMLElementTagNameMap {
    'ka-kiosk-app': KaKioskApp;
  }
}
