// What every screen shares. A screen renders one view and sends user events; it decides nothing
// about the flow. A button appears only when the view's `accepts` has its event type.
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { UserEvent, View } from '../../../machines/contract/messages.ts';
import type { ActivationPath } from '../../../machines/contract/screens.ts';
import type { ErrorCode } from '../../../machines/contract/errors.ts';
import { fieldsMarkedBy } from '../../../machines/contract/input-errors.ts';
import type { KaTextField } from '../components/text-field/ka-text-field.ts';
import type { KeyboardLayout } from '../components/keyboard/keyboard-layouts.ts';
import { emit } from '../events.ts';
import { errorText, strings, type Strings } from '../i18n.ts';
import { icons } from '../styles/icons.ts';
import { base, buttons, notices } from '../styles/shared.ts';
import { tokens } from '../styles/tokens.ts';
import '../components/keyboard/ka-keyboard.ts';
import '../components/secret-field/ka-secret-field.ts';

export type UserEventType = UserEvent['type'];

const screenLayout = css`
  :host {
    display: block;
    height: 100%;
    min-height: 0;
  }
  .content {
    height: 100%;
    overflow-y: auto;
    padding: var(--ka-space-5) var(--ka-space-5) var(--ka-space-4);
  }
  .lead {
    font-size: var(--ka-text-large);
  }
  .center {
    display: flex;
    flex-direction: column;
    align-items: center;
    text-align: center;
    justify-content: center;
    min-height: 100%;
  }
  @media (orientation: landscape) {
    .content {
      padding: var(--ka-space-4) var(--ka-space-5) var(--ka-space-3);
    }
    h1 {
      font-size: 40px;
      margin-bottom: var(--ka-space-2);
    }
  }
  ul.lines {
    margin: 0;
    padding-inline-start: 1.2em;
  }
  .center .actions {
    justify-content: center;
    width: 100%;
    max-width: 900px;
  }
`;

export abstract class ScreenElement extends LitElement {
  static override properties = { view: { attribute: false } };

  declare view: View;

  static override styles = [tokens, base, buttons, notices, screenLayout];

  protected get s(): Strings {
    return strings(this.view.lang);
  }

  protected accepts(type: UserEventType): boolean {
    return this.view.accepts.includes(type);
  }

  protected send(event: UserEvent): void {
    emit(this, 'ka-input-send', event);
  }

  /** A button for one event, or nothing when the view does not accept that event now. */
  protected action(
    type: UserEventType,
    label: string,
    onClick: () => void,
    options: { primary?: boolean; icon?: TemplateResult; disabled?: boolean } = {},
  ) {
    if (!this.accepts(type)) return nothing;
    return html`<button
      type="button"
      class=${options.primary ? 'primary' : ''}
      data-event=${type}
      ?disabled=${options.disabled ?? false}
      @click=${onClick}
    >
      ${options.icon ?? nothing}${label}
    </button>`;
  }

  /** Where focus goes when the screen appears: its heading, so a screen reader reads it first. */
  focusInitial(): void {
    this.renderRoot.querySelector<HTMLElement>('h1')?.focus();
  }

  protected cancelAction() {
    return this.action('user.cancel', this.s.buttons.cancel, () => this.send({ type: 'user.cancel' }));
  }

  /** 客服專線 with every number the manual lists: shown only where calling the CA can help. */
  protected customerService() {
    return html`<div class="notice info service">
      ${icons.phone}
      <div>
        <p class="title">${this.s.customerService}</p>
        <ul class="body lines">
          ${this.s.customerServiceLines.map((line) => html`<li>${line}</li>`)}
        </ul>
        <p class="body">${this.s.customerServiceEmail}</p>
      </div>
    </div>`;
  }

  /** The path the session is on: the one chosen, else the card's. */
  protected get path(): ActivationPath | undefined {
    return this.view.path ?? this.view.card?.route;
  }

  protected heading(text: string) {
    return html`<h1 tabindex="-1">${text}</h1>`;
  }

  protected errorNotice() {
    const error = this.view.error;
    if (!error) return nothing;
    return html`<div class="notice error" role="alert">
      ${icons.error}
      <div>
        <p class="title">${this.s.inputError}</p>
        <p class="body">${errorText(error.code, this.view.lang, this.path)}</p>
        ${error.attemptsLeft === undefined ? nothing : html`<p class="body attempts">${this.s.attemptsLeft(error.attemptsLeft)}</p>`}
        ${error.code === '3005' ? html`<p class="body call-if-sure">${icons.phone}${this.s.callIfSure[this.path ?? 'self-applied']}</p>` : nothing}
      </div>
    </div>
    ${error.code === '3005' ? this.customerService() : nothing}`;
  }
}

const inputLayout = css`
  .form {
    display: grid;
    grid-template-rows: minmax(0, 1fr) auto;
    height: 100%;
  }
  .form > .content {
    height: auto;
    min-height: 0;
  }
  .fields-row {
    display: flex;
    gap: var(--ka-space-3);
    align-items: flex-end;
  }
  .fields-row > * {
    flex: 1;
  }
  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
  }
  legend {
    font-weight: 700;
    padding: 0;
    margin-bottom: var(--ka-space-1);
  }
  @media (orientation: landscape) {
    .form {
      grid-template-rows: none;
      grid-template-columns: minmax(0, 11fr) minmax(0, 9fr);
    }
    ka-keyboard {
      border-top: 0;
      border-left: 2px solid var(--ka-border);
      align-self: stretch;
      display: flex;
      align-items: center;
    }
  }
`;

/**
 * A screen with fields and the on-screen keyboard. The keyboard types into the field that last
 * had focus; Enter or the keyboard's "next" key moves on, and Enter in the last field submits.
 * Input errors come back in the view (`error`) and mark the field they concern.
 */
export abstract class InputScreen extends ScreenElement {
  static override properties = {
    ...ScreenElement.properties,
    layout: { state: true },
  };

  declare layout: KeyboardLayout;

  private active: KaTextField | undefined;

  constructor() {
    super();
    this.layout = 'text';
  }

  static override styles = [...ScreenElement.styles, inputLayout];

  /** The event to send with what was typed. */
  protected abstract submit(): void;

  protected abstract renderFields(): unknown;

  /** The label of the screen's main button (the one that sends `submitType()`). */
  protected abstract submitLabel(): string;

  /** The screen's buttons: its main one (off while busy), 重新輸入 and 結束作業, each only when the view accepts it. */
  protected renderActions() {
    return html`${this.action(this.submitType(), this.submitLabel(), () => this.submit(), { primary: true, disabled: this.view.busy })}
    ${this.action('user.reset', this.s.buttons.reset, () => this.reset())} ${this.cancelAction()}`;
  }

  /** A hidden field (user code, PIN) with its show/hide control, marked when the view's input error concerns it. */
  protected secretField(name: string, label: string, maxLength: number) {
    return html`<ka-secret-field
      name=${name}
      label=${label}
      lang=${this.view.lang}
      keyboard="text"
      maxlength=${maxLength}
      ?invalid=${this.isInvalid(name)}
      invalid-text=${this.s.fields.invalid}
    ></ka-secret-field>`;
  }

  protected fields(): KaTextField[] {
    return [...this.renderRoot.querySelectorAll<KaTextField>('ka-text-field, ka-secret-field')];
  }

  protected field(name: string): KaTextField | undefined {
    return this.fields().find((f) => f.name === name);
  }

  protected typed(name: string): string {
    return this.field(name)?.value ?? '';
  }

  /** Whether the view's input error concerns field `name` (the contract's table, machines/contract/input-errors.ts). */
  protected isInvalid(name: string): boolean {
    return fieldsMarkedBy(this.view.screen, this.view.error?.code).includes(name);
  }

  /** 重新輸入: clears what was typed here and tells the engine. */
  protected reset(): void {
    for (const field of this.fields()) field.clear();
    this.send({ type: 'user.reset' });
    this.fields()[0]?.focus();
  }

  override focusInitial(): void {
    const fields = this.fields();
    (fields.find((f) => f.invalid) ?? fields[0])?.focus();
  }

  override render() {
    return html`<div class="form" @focusin=${this.onFocusIn} @ka-field-submit=${this.onFieldSubmit}>
      <div class="content">
        ${this.renderIntro()} ${this.errorNotice()} ${this.renderFields()}
        ${this.view.busy ? html`<p class="notice info" role="status">${icons.clock}<span>${this.s.busy}</span></p>` : nothing}
        <div class="actions">${this.renderActions()}</div>
      </div>
      <ka-keyboard .layout=${this.layout} lang=${this.view.lang} @ka-key-press=${this.onKey}></ka-keyboard>
    </div>`;
  }

  protected abstract renderIntro(): unknown;

  /** The fields an input error empties, so the user types them afresh (a PIN mismatch: both PINs). */
  protected fieldsToClearFor(_code: ErrorCode): string[] {
    return [];
  }

  protected override updated(changed: PropertyValues<this>): void {
    const before = changed.get('view') as View | undefined;
    if (before && this.view.error && (before.error?.code !== this.view.error.code || before.seq !== this.view.seq)) {
      for (const name of this.fieldsToClearFor(this.view.error.code)) this.field(name)?.clear();
      // A new input error: put the user on the field to correct.
      this.fields()
        .find((f) => f.invalid)
        ?.focus();
    }
  }

  private onFocusIn(event: FocusEvent): void {
    const field = event.composedPath().find((node): node is KaTextField => node instanceof HTMLElement && 'applyKey' in node);
    if (!field) return;
    this.active = field;
    this.layout = field.keyboard;
    field.scrollIntoView({ block: 'nearest' });
  }

  private onKey(event: CustomEvent<{ key: string }>): void {
    const field = this.active ?? this.fields()[0];
    if (!field) return;
    if (event.detail.key === 'Tab') {
      this.focusNext(field);
      return;
    }
    field.applyKey(event.detail.key);
  }

  private onFieldSubmit(event: Event): void {
    const field = event.composedPath()[0] as KaTextField;
    const fields = this.fields();
    if (fields.indexOf(field) === fields.length - 1) this.submitIfAllowed();
    else this.focusNext(field);
  }

  private focusNext(field: KaTextField): void {
    const fields = this.fields();
    const next = fields[(fields.indexOf(field) + 1) % fields.length];
    next?.focus();
  }

  /** Enter in the last field does what the screen's main button does, when that button is there. */
  protected abstract submitType(): UserEventType;

  private submitIfAllowed(): void {
    if (this.accepts(this.submitType()) && !this.view.busy) this.submit();
  }
}
