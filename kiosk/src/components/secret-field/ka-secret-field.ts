import { css, html } from 'lit';
import { define } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { keepFocus } from '../kiosk-element.ts';
import { KaTextField } from '../text-field/ka-text-field.ts';
import type { Language } from '../../../../machines/contract/screens.ts';

/**
 * A masked field for a PIN or a user code, with a show toggle. The value lives only here and in
 * the event the screen sends; it is never written to an attribute.
 *
 * @summary Masked field with a show/hide toggle.
 */
export class KaSecretField extends KaTextField {
  static override properties = {
    ...KaTextField.properties,
    revealed: { type: Boolean, reflect: true },
    lang: { reflect: true },
  };

  declare revealed: boolean;
  declare lang: Language;

  constructor() {
    super();
    this.revealed = false;
    this.lang = 'zh-TW';
  }

  static override styles = [
    ...KaTextField.styles,
    css`
      button.toggle {
        flex: none;
        padding: 0 var(--ka-space-3);
        font-size: var(--ka-text-small);
      }
      button.toggle.revealed {
        background: var(--ka-brand);
        color: var(--ka-brand-text);
      }
    `,
  ];

  protected override get inputType(): string {
    return this.revealed ? 'text' : 'password';
  }

  protected override renderTrailing() {
    const s = strings(this.lang);
    // The button says what pressing it will do (顯示 / 隱藏), so it carries no aria-pressed.
    return html`<button
      type="button"
      class=${this.revealed ? 'toggle revealed' : 'toggle'}
      aria-label=${this.revealed ? s.fields.hideSecret(this.label) : s.fields.showSecret(this.label)}
      @mousedown=${keepFocus}
      @click=${() => (this.revealed = !this.revealed)}
    >
      ${this.revealed ? icons.eyeOff : icons.eye}<span>${this.revealed ? s.buttons.hide : s.buttons.show}</span>
    </button>`;
  }

  override clear(): void {
    super.clear();
    this.revealed = false;
  }
}

define('ka-secret-field', KaSecretField);

declare global {
  interface HTMLElementTagNameMap {
    'ka-secret-field': KaSecretField;
  }
}
