import { css, html, nothing } from 'lit';
import { define, emit } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { componentWithButtonsStyles, keepFocus, KioskElement } from '../kiosk-element.ts';
import { keyRows, type KeyAction, type KeyboardLayout, type KeyboardPage, type KeySpec } from './keyboard-layouts.ts';

/**
 * The on-screen keyboard. It never takes focus from the field being edited (a key press is
 * handled on click, and mouse/touch-down is kept from moving focus), and it says which key was
 * pressed; the screen that hosts it types into its active field.
 *
 * @summary Touch keyboard: letters with shift, digits, symbols; a digits-first layout for IDs and dates.
 * @fires ka-key-press - `{key}`: a character, `Backspace`, or `Tab` (go to the next field).
 * @csspart row - one row of keys
 */
export class KaKeyboard extends KioskElement {
  static override properties = {
    ...KioskElement.properties,
    layout: { reflect: true },
    page: { state: true },
    shifted: { state: true },
  };

  declare layout: KeyboardLayout;
  declare page: KeyboardPage;
  declare shifted: boolean;

  constructor() {
    super();
    this.layout = 'text';
    this.startOver();
  }

  static override styles = [
    ...componentWithButtonsStyles,
    css`
      :host {
        display: block;
        --gap: 10px;
        --unit: calc((100% - 9 * var(--gap)) / 10);
        background: #dfe3ea;
        border-top: 2px solid var(--ka-border);
        padding: var(--ka-space-2);
        user-select: none;
        -webkit-user-select: none;
      }
      .rows {
        display: flex;
        flex-direction: column;
        gap: var(--gap);
        width: 100%;
        max-width: 1100px;
        margin: 0 auto;
      }
      :host([layout='digits']) .rows {
        max-width: 560px;
      }
      .row {
        display: flex;
        justify-content: center;
        gap: var(--gap);
      }
      button.key {
        flex: 0 0 calc(var(--unit) * var(--w, 1) + var(--gap) * (var(--w, 1) - 1));
        min-width: 0;
        min-height: var(--ka-key);
        padding: 0 4px;
        border: 2px solid var(--ka-border);
        border-radius: 10px;
        background: var(--ka-surface);
        color: var(--ka-text);
        font-family: var(--ka-font-mono), var(--ka-font);
        font-size: 34px;
        font-weight: 600;
        box-shadow: 0 2px 0 #9ca3af;
      }
      :host([layout='digits']) button.key {
        flex: 1 1 0;
        font-size: 40px;
      }
      /* Action keys keep one label size on every layout (the digits pad's 40 px would wrap 下一欄). */
      button.action,
      :host([layout='digits']) button.action {
        font-family: var(--ka-font);
        font-size: var(--ka-text-small);
        white-space: nowrap;
        background: #c9d1dc;
        border-color: var(--ka-border-strong);
      }
      button.action[aria-pressed='true'] {
        background: var(--ka-brand);
        color: var(--ka-brand-text);
        border-width: 4px;
      }
      button.key:active {
        background: #cbd5e1;
      }
    `,
  ];

  override render() {
    const rows = keyRows(this.layout, this.page, this.shifted);
    return html`<div class="rows" role="group" aria-label=${strings(this.lang).keyboard.name}>
      ${rows.map((row) => html`<div class="row" part="row">${row.map((key) => this.renderKey(key))}</div>`)}
    </div>`;
  }

  private renderKey(key: KeySpec) {
    if ('char' in key) {
      return html`<button
        type="button"
        class="key"
        @mousedown=${keepFocus}
        @click=${() => this.typeChar(key.char)}
      >
        ${key.char}
      </button>`;
    }
    const k = strings(this.lang).keyboard;
    const label: Record<KeyAction, string> = {
      shift: k.shift,
      backspace: k.backspace,
      symbols: k.symbols,
      letters: k.letters,
      next: k.next,
    };
    const icon = key.action === 'shift' ? icons.shift : key.action === 'backspace' ? icons.backspace : key.action === 'next' ? icons.next : nothing;
    return html`<button
      type="button"
      class="key action"
      data-action=${key.action}
      style="--w: ${key.width ?? 1}"
      aria-pressed=${key.action === 'shift' ? String(this.shifted) : nothing}
      @mousedown=${keepFocus}
      @click=${() => this.act(key.action)}
    >
      ${icon}<span>${label[key.action]}</span>
    </button>`;
  }

  private typeChar(char: string): void {
    emit(this, 'ka-key-press', { key: char });
    // Shift holds for one letter, as on a phone keyboard: user codes are mostly lower case.
    if (this.shifted && /[a-z]/i.test(char)) this.shifted = false;
  }

  private act(action: KeyAction): void {
    switch (action) {
      case 'shift':
        this.shifted = !this.shifted;
        return;
      case 'symbols':
        this.page = 'symbols';
        return;
      case 'letters':
        this.page = 'letters';
        return;
      case 'backspace':
        emit(this, 'ka-key-press', { key: 'Backspace' });
        return;
      case 'next':
        emit(this, 'ka-key-press', { key: 'Tab' });
        return;
    }
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('layout') && changed.get('layout') !== undefined) this.startOver();
  }

  /** Letters, unshifted: how the keyboard starts, and starts again when a field wants another layout. */
  private startOver(): void {
    this.page = 'letters';
    this.shifted = false;
  }
}

define('ka-keyboard', KaKeyboard);

declare global {
  interface HTMLElementTagNameMap {
    'ka-keyboard': KaKeyboard;
  }
}
