import { css, html } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * Done: 恭喜您已完成開卡作業.
 *
 * @summary Activation complete.
 * @fires ka-input-send - `user.cancel` (完成), `user.reset` (重新開始), when accepted
 */
export class KaActivatedScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .badge {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 180px;
        height: 180px;
        border-radius: 50%;
        background: var(--ka-success-bg);
        color: var(--ka-success);
        border: 8px solid var(--ka-success);
        margin-bottom: var(--ka-space-4);
      }
      .badge svg.icon {
        width: 110px;
        height: 110px;
      }
    `,
  ];

  override render() {
    const text = this.s.screens.activated;
    const b = this.s.buttons;
    return html`<div class="content center">
      <div class="badge">${icons.check}</div>
      ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
      <p class="notice info">${icons.card}<span>${text.hint}</span></p>
      <div class="actions">
        ${this.action('user.cancel', b.done, () => this.send({ type: 'user.cancel' }), { primary: true })}
        ${this.action('user.reset', b.startOver, () => this.send({ type: 'user.reset' }))}
      </div>
    </div>`;
  }
}

define('ka-activated-screen', KaActivatedScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-activated-screen': KaActivatedScreen;
  }
}
