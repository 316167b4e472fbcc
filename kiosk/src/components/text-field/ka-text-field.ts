import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { define, emit } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { componentWithButtonsStyles } from '../kiosk-element.ts';
import type { KeyboardLayout } from '../keyboard/keyboard-layouts.ts';

/**
 * A labelled text field for the touchscreen. Typed into by a physical keyboard (natively) or by
 * `<ka-keyboard>` through `applyKey`. It never opens a system keyboard (`inputmode="none"`).
 *
 * @summary Labelled field with a large input, an error mark and a hint.
 * @fires ka-field-submit - Enter was pressed in the field.
 * @csspart input - the native input
 */
export class KaTextField extends LitElement {
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override properties = {
    label: {},
    name: { reflect: true },
    value: {},
    hint: {},
    invalid: { type: Boolean, reflect: true },
    invalidText: { attribute: 'invalid-text' },
    keyboard: {},
    maxLength: { type: Number, attribute: 'maxlength' },
    charset: {},
    accessibleName: { attribute: 'accessible-name' },
    narrow: { type: Boolean, reflect: true },
  };

  declare label: string;
  declare name: string;
  declare value: string;
  declare hint: string;
  declare invalid: boolean;
  /** Said next to the label when `invalid`: the mark is text and an icon, never colour alone. */
  declare invalidText: string;
  /** The on-screen keyboard layout this field wants. */
  declare keyboard: KeyboardLayout;
  declare maxLength: number;
  /** `digits` keeps only 0–9; `upper` turns letters into capitals (national IDs); `any` keeps all. */
  declare charset: 'any' | 'digits' | 'upper';
  /** When the visible label is short ("月"), the full name a screen reader says. */
  declare accessibleName: string;
  declare narrow: boolean;

  constructor() {
    super();
    this.label = '';
    this.name = '';
    this.value = '';
    this.hint = '';
    this.invalid = false;
    this.invalidText = '';
    this.keyboard = 'text';
    this.maxLength = 64;
    this.charset = 'any';
    this.accessibleName = '';
    this.narrow = false;
  }

  static override styles = [
    ...componentWithButtonsStyles,
    css`
      :host {
        display: block;
        margin-bottom: var(--ka-space-3);
      }
      label {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--ka-space-2);
        font-weight: 700;
        margin-bottom: var(--ka-space-1);
      }
      .mark {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        color: var(--ka-error);
        font-size: var(--ka-text-small);
      }
      .control {
        display: flex;
        gap: var(--ka-space-2);
        align-items: stretch;
      }
      input {
        flex: 1 1 auto;
        min-width: 0;
        min-height: var(--ka-target);
        padding: 0 var(--ka-space-3);
        font-family: var(--ka-font-mono), var(--ka-font);
        font-size: 36px;
        letter-spacing: 0.04em;
        color: var(--ka-text);
        background: var(--ka-surface);
        border: 3px solid var(--ka-border-strong);
        border-radius: var(--ka-radius);
      }
      input:focus {
        outline: 4px solid var(--ka-focus);
        outline-offset: 3px;
        box-shadow: 0 0 0 10px var(--ka-focus-halo);
      }
      :host([invalid]) input {
        border: 5px solid var(--ka-error);
        background: var(--ka-error-bg);
      }
      :host([narrow]) input {
        width: 100%;
        text-align: center;
        padding: 0 var(--ka-space-1);
      }
      .hint {
        margin: var(--ka-space-1) 0 0;
      }
    `,
  ];

  protected get inputType(): string {
    return 'text';
  }

  get input(): HTMLInputElement | null {
    return this.renderRoot.querySelector('input');
  }

  override render() {
    return html`<label for="input">
        <span>${this.label}</span>
        ${this.invalid ? html`<span class="mark">${icons.warning}${this.invalidText}</span>` : nothing}
      </label>
      <div class="control">
        <input
          id="input"
          part="input"
          type=${this.inputType}
          .value=${live(this.value)}
          inputmode="none"
          autocomplete="off"
          autocapitalize="off"
          autocorrect="off"
          spellcheck="false"
          maxlength=${this.maxLength}
          aria-label=${this.accessibleName || nothing}
          aria-invalid=${this.invalid ? 'true' : 'false'}
          aria-describedby=${this.hint ? 'hint' : nothing}
          @input=${this.onInput}
          @keydown=${this.onKeydown}
        />
        ${this.renderTrailing()}
      </div>
      ${this.hint ? html`<p id="hint" class="hint">${this.hint}</p>` : nothing}`;
  }

  protected renderTrailing(): unknown {
    return nothing;
  }

  /** Types one on-screen key into the field at the caret, as a physical key would. */
  applyKey(key: string): void {
    const input = this.input;
    if (!input) return;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    if (key === 'Backspace') {
      if (start === end && start === 0) return;
      input.setRangeText('', start === end ? start - 1 : start, end, 'end');
    } else {
      const text = this.clean(key);
      if (text === '' || input.value.length - (end - start) + text.length > this.maxLength) return;
      input.setRangeText(text, start, end, 'end');
    }
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }

  clear(): void {
    this.value = '';
    if (this.input) this.input.value = '';
  }

  private clean(text: string): string {
    if (this.charset === 'digits') return text.replace(/\D/g, '');
    if (this.charset === 'upper') return text.toUpperCase();
    return text;
  }

  private onInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    const cleaned = this.clean(input.value);
    if (cleaned !== input.value) {
      const caret = input.selectionStart ?? cleaned.length;
      const removed = input.value.length - cleaned.length;
      input.value = cleaned;
      input.setSelectionRange(Math.max(0, caret - removed), Math.max(0, caret - removed));
    }
    this.value = input.value;
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault();
      emit(this, 'ka-field-submit', {});
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('invalid') && this.invalid) this.scrollIntoView({ block: 'nearest' });
  }
}

define('ka-text-field', KaTextField);

declare global {
  interface HTMLElementTagNameMap {
    'ka-text-field': KaTextField;
  }
}
