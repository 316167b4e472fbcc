import { css, html, nothing } from 'lit';
import { define } from '../../events.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The waiting screens: readingCard, verifying, accepting, settingPin. The engine works; the user
 * is asked to wait and to leave the card in.
 *
 * @summary A "please wait" screen for one of the four busy steps.
 */
export class KaProgressScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .spinner {
        width: 140px;
        height: 140px;
        border-radius: 50%;
        border: 14px solid #c7d2e0;
        border-top-color: var(--ka-brand);
        margin-bottom: var(--ka-space-5);
        animation: spin 1.1s linear infinite;
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .spinner {
          animation: none;
          border-style: dotted;
        }
      }
    `,
  ];

  override render() {
    const screen = this.view.screen as 'readingCard' | 'verifying' | 'accepting' | 'settingPin';
    const text = this.s.screens[screen];
    return html`<div class="content center" aria-busy="true">
      <div class="spinner" aria-hidden="true"></div>
      ${this.heading(text.title)}
      <p class="lead" role="status">${text.body}</p>
      ${this.accepts('user.cancel') ? html`<div class="actions">${this.cancelAction()}</div>` : nothing}
    </div>`;
  }
}

define('ka-progress-screen', KaProgressScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-progress-screen': KaProgressScreen;
  }
}
