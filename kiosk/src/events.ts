// The DOM events of the kiosk UI. The screens emit `ka-input-send` with a user event of the
// contract; `<ka-kiosk-app>` lets it through and the view controller publishes it. The demo card
// tray emits `ka-card-insert` / `ka-card-remove`. All bubble and cross shadow roots.
import type { UserEvent } from '../../machines/contract/messages.ts';

export interface KeyPress {
  /** One printable character, or a named key: `Backspace`, `Tab` (next field). */
  key: string;
}

export interface CardInsert {
  cardNumber: string;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'ka-input-send': CustomEvent<UserEvent>;
    'ka-key-press': CustomEvent<KeyPress>;
    'ka-card-insert': CustomEvent<CardInsert>;
    'ka-card-remove': CustomEvent<Record<string, never>>;
    'ka-field-submit': CustomEvent<Record<string, never>>;
  }
}

export function emit<K extends keyof GlobalEventHandlersEventMap>(
  from: EventTarget,
  type: K,
  detail: GlobalEventHandlersEventMap[K] extends CustomEvent<infer D> ? D : never,
): void {
  from.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Registers a custom element once (a test page may import a module twice under different URLs). */
export function define(tag: string, element: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
