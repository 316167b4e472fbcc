import { css, html, nothing } from 'lit';
import { ERRORS, type Remedy } from '../../../../machines/contract/errors.ts';
import { ACTIVATION_PATHS, type ActivationPath } from '../../../../machines/contract/screens.ts';
import { define } from '../../events.ts';
import { errorText } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * An error the user cannot fix on an input screen: the catalogue's text, what to do next (by the
 * error's remedy), 客服專線, and the buttons the view accepts. For WRONG_PATH the choose-path
 * button offers the path the card was issued by (the card's route, else the one not chosen).
 *
 * @summary The error screen.
 * @fires ka-input-send - `user.choosePath {path}`, `user.reset`, `user.cancel`
 */
export class KaFailedScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .notice.error .title {
        font-size: var(--ka-text-large);
      }
      .code {
        font-size: var(--ka-text-small);
        color: var(--ka-text-muted);
      }
      .actions button.wide {
        flex-basis: 100%;
      }
      .service {
        margin-top: var(--ka-space-4);
      }
      h2 {
        font-size: var(--ka-text-large);
        margin: var(--ka-space-4) 0 var(--ka-space-2);
      }
    `,
  ];

  override render() {
    const error = this.view.error;
    const text = this.s.screens.failed;
    const remedy = error ? ERRORS[error.code].remedy : 'staff';
    const offersPath = this.accepts('user.choosePath');
    return html`<div class="content">
      ${this.heading(text.title)}
      <div class="notice error" role="alert">
        ${icons.error}
        <div>
          ${error ? html`<p class="title">${errorText(error.code, this.view.lang)}</p>` : nothing}
          ${error?.attemptsLeft === undefined ? nothing : html`<p class="body">${this.s.attemptsLeft(error.attemptsLeft)}</p>`}
          ${error ? html`<p class="code">${error.code}</p>` : nothing}
        </div>
      </div>
      <h2>${this.s.whatNext}</h2>
      <p class="lead">${offersPath ? this.s.remedyOtherPath : this.s.remedies[remedy]}</p>
      <div class="actions">${this.renderActions(remedy, offersPath)}</div>
      ${this.customerService()}
    </div>`;
  }

  private renderActions(remedy: Remedy, offersPath: boolean) {
    const b = this.s.buttons;
    const resetLabel = remedy === 'retry' ? b.retry : remedy === 'correctInput' ? b.reset : b.startOver;
    const resetIsMain = !offersPath && (remedy === 'retry' || remedy === 'correctInput' || remedy === 'startOver');
    return html`${offersPath ? this.pathButtons() : nothing}
    ${this.action('user.reset', resetLabel, () => this.send({ type: 'user.reset' }), { primary: resetIsMain })}
    ${this.cancelAction()}`;
  }

  private pathButtons() {
    const right = this.view.card?.route ?? otherPath(this.view.path);
    const offered: readonly ActivationPath[] = right ? [right] : ACTIVATION_PATHS;
    return offered.map(
      (path) =>
        html`<button
          type="button"
          class="primary wide"
          data-event="user.choosePath"
          data-path=${path}
          @click=${() => this.send({ type: 'user.choosePath', path })}
        >
          ${this.s.buttons.switchPath(this.s.paths[path])}
        </button>`,
    );
  }
}

function otherPath(path: ActivationPath | undefined): ActivationPath | undefined {
  if (path === undefined) return undefined;
  return ACTIVATION_PATHS.find((p) => p !== path);
}

define('ka-failed-screen', KaFailedScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-failed-screen': KaFailedScreen;
  }
}
