import { css, html } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * Staff has been called: 請稍候，服務人員將協助您.
 *
 * @summary Waiting for the counter staff.
 * @fires ka-input-send - `user.cancel`, when accepted
 */
export class KaStaffAssistScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .badge svg.icon {
        width: 160px;
        height: 160px;
        color: var(--ka-brand);
        margin-bottom: var(--ka-space-4);
      }
    `,
  ];

  override render() {
    const text = this.s.screens.staffAssist;
    return html`<div class="content center">
      <div class="badge">${icons.staff}</div>
      ${this.heading(text.title)}
      <p class="lead" role="status">${text.body}</p>
      <div class="actions">${this.cancelAction()}</div>
    </div>`;
  }
}

define('ka-staff-assist-screen', KaStaffAssistScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-assist-screen': KaStaffAssistScreen;
  }
}
