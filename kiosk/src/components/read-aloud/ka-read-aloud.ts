import { css, html, svg, type PropertyValues } from 'lit';
import type { View } from '../../../../machines/contract/messages.ts';
import { define } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { speechKeysFor } from '../../speech/spoken-text.ts';
import { SpeechPlayer, SPEECH_INDEX_URL } from '../../speech/speech-player.ts';
import { componentWithButtonsStyles, KioskElement } from '../kiosk-element.ts';

const speaker = html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor"
  stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round">
  ${svg`<path d="M4 9h4l5-4v14l-5-4H4z" /><path d="M16.5 8.5a5 5 0 0 1 0 7" /><path d="M19.5 5.5a9 9 0 0 1 0 13" />`}
</svg>`;

/**
 * 語音說明 / "Read aloud": speaks the screen on display (its title and instruction; on a failure,
 * the error and what to do next) from the audio the build made (docs/ui.md, "Spoken guidance").
 * Pressed again, it stops. When the view says `autoSpeech` (a staff setting), each new screen is
 * spoken as it appears. Whatever plays stops as soon as the screen changes or the session ends.
 *
 * @summary The read-aloud button and its audio.
 */
export class KaReadAloud extends KioskElement {
  static override properties = {
    ...KioskElement.properties,
    view: { attribute: false },
    indexUrl: { attribute: false },
    playing: { state: true },
  };

  declare view: View | undefined;
  /** Where the build's index is (the UI server serves it beside the page). */
  declare indexUrl: string;
  declare playing: boolean;

  #player: SpeechPlayer | undefined;
  /** What the screen on display speaks (language and keys): a change is a new screen to speak. */
  #onScreen = '';

  constructor() {
    super();
    this.view = undefined;
    this.indexUrl = SPEECH_INDEX_URL;
    this.playing = false;
  }

  static override styles = [
    ...componentWithButtonsStyles,
    css`
      :host {
        display: inline-block;
        flex: none;
      }
      button {
        min-height: max(64px, var(--ka-target));
        min-width: max(64px, var(--ka-target));
      }
    `,
  ];

  override render() {
    const label = strings(this.view?.lang ?? this.lang).readAloud;
    return html`<button type="button" class="read-aloud" aria-pressed=${this.playing ? 'true' : 'false'} @click=${this.toggle}>
        ${speaker}${label}
      </button>
      <audio
        class="speech"
        preload="none"
        @playing=${() => (this.playing = true)}
        @pause=${() => (this.playing = false)}
        @emptied=${() => (this.playing = false)}
      ></audio>`;
  }

  private get player(): SpeechPlayer | undefined {
    const audio = this.renderRoot.querySelector('audio');
    if (audio && !this.#player) this.#player = new SpeechPlayer(audio, this.indexUrl);
    return this.#player;
  }

  /** Speaks the screen on display, or stops if it is already speaking. */
  private toggle(): void {
    if (this.playing) {
      this.player?.stop();
      return;
    }
    this.speak();
  }

  private speak(): void {
    if (this.view) void this.player?.play(this.view.lang, speechKeysFor(this.view));
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('view')) return;
    const onScreen = this.view ? `${this.view.lang} ${speechKeysFor(this.view).join(' ')}` : '';
    if (onScreen === this.#onScreen) return;
    this.#onScreen = onScreen;
    this.player?.stop();
    if (this.view?.autoSpeech === true) this.speak();
  }

  override disconnectedCallback(): void {
    this.#player?.stop();
    super.disconnectedCallback();
  }
}

define('ka-read-aloud', KaReadAloud);

declare global {
  interface HTMLElementTagNameMap {
    'ka-read-aloud': KaReadAloud;
  }
}
