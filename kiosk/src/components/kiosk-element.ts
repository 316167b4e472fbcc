// What the kiosk's own components share, so each one states only what is its own.
import { LitElement } from 'lit';
import type { Language } from '../../../machines/contract/screens.ts';
import { base, buttons } from '../styles/shared.ts';
import { tokens } from '../styles/tokens.ts';

/** Under every component: the design tokens and the base rules (font, focus ring, visually-hidden). */
export const componentStyles = [tokens, base];

/** The same with the kiosk's button rules, for components that show buttons. */
export const componentWithButtonsStyles = [...componentStyles, buttons];

/**
 * A kiosk component that shows words of its own: it speaks the view's language, and the `lang`
 * attribute is reflected so fonts and screen readers follow it. Chinese until told otherwise, as
 * the kiosk starts.
 */
export class KioskElement extends LitElement {
  static override properties = {
    lang: { reflect: true },
  };

  declare lang: Language;

  constructor() {
    super();
    this.lang = 'zh-TW';
  }

  static override styles = componentStyles;
}

/** For `@mousedown` on a button beside a field: the tap must not move focus off the field being edited. */
export function keepFocus(event: Event): void {
  event.preventDefault();
}
