import { css, html } from 'lit';
import { define } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { componentStyles, KioskElement } from '../kiosk-element.ts';

/**
 * Seconds left until the view's `deadline`. It only shows time: what happens at zero is the
 * engine's business (the view changes).
 *
 * @summary Countdown to a deadline, in whole seconds.
 */
export class KaCountdown extends KioskElement {
  static override properties = {
    ...KioskElement.properties,
    deadline: {},
    now: { state: true },
  };

  declare deadline: string;
  declare now: number;

  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.deadline = '';
    this.now = Date.now();
  }

  static override styles = [
    ...componentStyles,
    css`
      :host {
        display: block;
        margin: var(--ka-space-2) 0 var(--ka-space-4);
      }
      .timer {
        display: inline-flex;
        align-items: center;
        gap: var(--ka-space-3);
        padding: var(--ka-space-3) var(--ka-space-4);
        border: 4px solid var(--ka-brand);
        border-radius: var(--ka-radius);
        background: var(--ka-surface);
        color: var(--ka-brand);
      }
      .timer svg.icon {
        width: 64px;
        height: 64px;
      }
      .label {
        font-size: var(--ka-text-body);
        color: var(--ka-text);
      }
      .value {
        font-size: 72px;
        font-weight: 700;
        line-height: 1;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** Whole seconds left, never negative; 0 when there is no deadline. */
  get secondsLeft(): number {
    const end = Date.parse(this.deadline);
    if (Number.isNaN(end)) return 0;
    return Math.max(0, Math.ceil((end - this.now) / 1000));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.now = Date.now();
    this.timer = setInterval(() => (this.now = Date.now()), 250);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  override render() {
    const s = strings(this.lang).countdown;
    return html`<div class="timer" role="timer" aria-atomic="true">
      ${icons.clock}
      <span class="label">${s.label}</span>
      <span class="value">${s.seconds(this.secondsLeft)}</span>
    </div>`;
  }
}

define('ka-countdown', KaCountdown);

declare global {
  interface HTMLElementTagNameMap {
    'ka-countdown': KaCountdown;
  }
}
