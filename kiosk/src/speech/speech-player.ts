// Plays the kiosk's spoken guidance: the build's `/speech/index.json` says which file speaks each
// key in each language (kiosk/tools/speech.ts); a screen is a short playlist of keys
// (spoken-text.ts, `speechKeysFor`), played one after another on one <audio> element.
import type { Language } from '../../../machines/contract/screens.ts';

export type SpeechIndex = Partial<Record<Language, Record<string, string>>>;

export const SPEECH_INDEX_URL = '/speech/index.json';

export class SpeechPlayer {
  readonly #audio: HTMLAudioElement;
  readonly #indexUrl: string;
  #index: Promise<SpeechIndex> | undefined;
  #queue: string[] = [];
  /** Bumped by every play and stop, so a playlist that was stopped while loading never starts. */
  #turn = 0;

  constructor(audio: HTMLAudioElement, indexUrl = SPEECH_INDEX_URL) {
    this.#audio = audio;
    this.#indexUrl = indexUrl;
    audio.addEventListener('ended', () => this.#next());
  }

  /** The index, fetched once; a failed fetch is tried again on the next press. */
  #loadIndex(): Promise<SpeechIndex> {
    this.#index ??= fetch(this.#indexUrl).then(
      (response) => (response.ok ? (response.json() as Promise<SpeechIndex>) : Promise.reject(new Error(`${this.#indexUrl}: ${response.status}`))),
    );
    this.#index.catch(() => (this.#index = undefined));
    return this.#index;
  }

  /**
   * Stops whatever plays and speaks `keys` in order. Resolves true once the first file plays;
   * false when there is nothing to play (no index, no audio for these keys) or it was stopped first.
   */
  async play(lang: Language, keys: readonly string[]): Promise<boolean> {
    this.stop();
    const turn = this.#turn;
    let index: SpeechIndex;
    try {
      index = await this.#loadIndex();
    } catch {
      return false;
    }
    if (turn !== this.#turn) return false;
    const base = new URL(this.#indexUrl, document.baseURI);
    this.#queue = keys.flatMap((key) => {
      const url = index[lang]?.[key];
      return url === undefined ? [] : [new URL(url, base).href];
    });
    return this.#next();
  }

  async #next(): Promise<boolean> {
    const turn = this.#turn;
    const url = this.#queue.shift();
    if (url === undefined) return false;
    this.#audio.src = url;
    try {
      await this.#audio.play();
      return turn === this.#turn;
    } catch {
      // Refused (no sound device, an autoplay policy) or interrupted by stop(): nothing more to play.
      if (turn === this.#turn) this.#queue = [];
      return false;
    }
  }

  /** Silence at once, and forget the rest of the playlist. */
  stop(): void {
    this.#turn++;
    this.#queue = [];
    if (this.#audio.getAttribute('src') === null) return;
    this.#audio.pause();
    this.#audio.removeAttribute('src');
    this.#audio.load();
  }

  get playing(): boolean {
    return !this.#audio.paused && !this.#audio.ended;
  }
}
