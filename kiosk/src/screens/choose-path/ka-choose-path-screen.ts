import { css, html, nothing } from 'lit';
import type { ActivationPath } from '../../../../machines/contract/screens.ts';
import { ACTIVATION_PATHS } from '../../../../machines/contract/screens.ts';
import { define } from '../../events.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The two ways a certificate was issued, as the manual's two buttons. Each button's accessible
 * name starts with the manual's label and goes on with what it means and what the user will need
 * (all of its visible text, so a voice user can say what they see).
 *
 * @summary Choose the activation path.
 */
export class KaChoosePathScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .paths {
        display: grid;
        gap: var(--ka-space-4);
        margin-top: var(--ka-space-4);
      }
      @media (orientation: landscape) {
        .paths {
          grid-template-columns: 1fr 1fr;
        }
      }
      button.path {
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        text-align: start;
        gap: var(--ka-space-2);
        padding: var(--ka-space-4);
        min-height: 220px;
        font-weight: 400;
      }
      .path-title {
        font-size: var(--ka-text-large);
        font-weight: 700;
        color: var(--ka-brand);
      }
      .path-who {
        color: var(--ka-text);
      }
      .path-needs {
        color: var(--ka-text);
        font-weight: 700;
        font-size: var(--ka-text-small);
      }
    `,
  ];

  override render() {
    const text = this.s.screens.choosePath;
    return html`<div class="content">
      ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
      <div class="paths">${this.accepts('user.choosePath') ? ACTIVATION_PATHS.map((path) => this.pathButton(path)) : nothing}</div>
      <div class="actions">${this.cancelAction()}</div>
    </div>`;
  }

  private pathButton(path: ActivationPath) {
    return html`<button
      type="button"
      class="path"
      data-event="user.choosePath"
      data-path=${path}
      @click=${() => this.send({ type: 'user.choosePath', path })}
    >
      <span class="path-title">${this.s.paths[path]}</span>
      <span class="path-who">${this.s.pathWho[path]}</span>
      <span class="path-needs">${this.s.pathNeeds[path]}</span>
    </button>`;
  }
}

define('ka-choose-path-screen', KaChoosePathScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-choose-path-screen': KaChoosePathScreen;
  }
}
