// The card agent's reader and card events on `kiosk.<kiosk>.card.events` (docs/card-agent.md,
// "Subjects"). Events go out only once the agent answers: an engine told `reader.attached` checks
// the reader at once, and a check that found nobody answering would put the kiosk out of service.
// Then, and again after each reconnect to NATS, the agent announces itself with `reader.attached`
// for every reader it has: an engine that checked while the agent was away checks again at once
// instead of waiting out its retry timer; one already in service ignores it.
import type { Logger } from '../platform/log.ts';
import type { CardReaders, ReaderEvent } from './readers/reader.ts';

export interface ReaderAnnouncerOptions {
  readers: Pick<CardReaders, 'readers' | 'subscribe'>;
  /** Puts one event on the wire. */
  publish: (event: ReaderEvent) => void;
  log: Logger;
}

export class ReaderAnnouncer {
  readonly #options: ReaderAnnouncerOptions;
  readonly #unsubscribe: () => void;
  #answering = false;

  /** Follows the readers from now on; what happens before `start` is not published. */
  constructor(options: ReaderAnnouncerOptions) {
    this.#options = options;
    this.#unsubscribe = options.readers.subscribe((event) => {
      if (this.#answering) this.#publish(event);
    });
  }

  /** The agent answers now: reader events go out from here on, and the readers are announced. */
  start(): void {
    this.#answering = true;
    this.announce();
  }

  /** `reader.attached` for every reader there is (at start and after each reconnect). */
  announce(): void {
    if (!this.#answering) return;
    const at = new Date().toISOString();
    for (const reader of this.#options.readers.readers()) this.#publish({ type: 'reader.attached', reader: reader.name, at });
  }

  /** Publishes nothing more. */
  stop(): void {
    this.#answering = false;
    this.#unsubscribe();
  }

  #publish(event: ReaderEvent): void {
    this.#options.publish(event);
    this.#options.log.info('card event', { type: event.type, reader: event.reader });
  }
}
