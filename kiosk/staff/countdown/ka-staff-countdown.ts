import { html, LitElement } from 'lit';
import { define } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { staffStrings } from '../staff-strings.ts';

/**
 * Seconds left until a kiosk's `deadline` (its idle timeout or screen timer), ticking once a second.
 * Not a live region: a list of kiosks each announcing every second would drown a screen reader.
 *
 * @summary A small countdown to a view's deadline.
 */
export class KaStaffCountdown extends LitElement {
  static override properties = {
    deadline: {},
    now: { state: true },
  };

  declare deadline: string;
  declare now: number;

  #timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.deadline = '';
    this.now = Date.now();
  }

  static override styles = consoleStyles;

  get secondsLeft(): number {
    const end = Date.parse(this.deadline);
    return Number.isNaN(end) ? 0 : Math.max(0, Math.ceil((end - this.now) / 1000));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.now = Date.now();
    this.#timer = setInterval(() => (this.now = Date.now()), 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  override render() {
    const left = this.secondsLeft;
    return html`<span class="badge quiet">${icons.clock}${left > 0 ? staffStrings.secondsLeft(left) : staffStrings.expired}</span>`;
  }
}

define('ka-staff-countdown', KaStaffCountdown);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-countdown': KaStaffCountdown;
  }
}
