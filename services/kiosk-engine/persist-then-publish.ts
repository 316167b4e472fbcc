// Persist, then publish: the one order in which a change of the session leaves the engine. Each
// change's record is written to the snapshot store, and only then is its view published (when the
// screen changed) — one change at a time, in the order they happened — so the kiosk never shows a
// screen that a crash right after could not come back to.
//
// Whoever must not act before some state is stored waits for that state itself (`writtenWhere`),
// not for a moment: the registry's `complete` leaves once the record holding the card's proof is
// written, whichever order XState starts the request and tells its observers in.
import type { View } from '../../machines/contract/index.ts';
import type { Logger } from '../../platform/log.ts';
import type { StoredSession } from './snapshot-store.ts';

export interface PersistThenPublishOptions {
  /** Writes a record (the snapshot store's `save`). */
  save: (record: StoredSession) => Promise<void>;
  /** Publishes a view on the kiosk's view subject. */
  publish: (view: View) => void;
  log: Logger;
}

export interface WriteCounts {
  snapshotsPersisted: number;
  persistFailures: number;
  viewsPublished: number;
}

interface Waiter {
  holds: (record: StoredSession) => boolean;
  resolve: () => void;
}

export class PersistThenPublish {
  readonly #options: PersistThenPublishOptions;
  readonly #counts: WriteCounts = { snapshotsPersisted: 0, persistFailures: 0, viewsPublished: 0 };
  readonly #waiters = new Set<Waiter>();
  #chain: Promise<void> = Promise.resolve();
  #lastWritten: StoredSession | undefined;
  #published: View | undefined;

  constructor(options: PersistThenPublishOptions) {
    this.#options = options;
  }

  /**
   * Writes `record` after every record before it, then publishes `view` if given. Resolves once
   * both are done. A write KV refuses is logged and counted, and the view still follows: the
   * kiosk goes on, as it would with no store at all.
   */
  write(record: StoredSession, view?: View): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#options.save(record);
        this.#counts.snapshotsPersisted++;
      } catch (error) {
        this.#counts.persistFailures++;
        this.#options.log.error('could not persist the session snapshot', { error });
      }
      this.#lastWritten = record;
      for (const waiter of this.#waiters) {
        if (!waiter.holds(record)) continue;
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
      if (view !== undefined) {
        this.#options.publish(view);
        this.#published = view;
        this.#counts.viewsPublished++;
      }
    });
    return this.#chain;
  }

  /**
   * Resolves once a record for which `holds` is true has been written: at once when the newest
   * written record holds, else at the next write that does.
   */
  writtenWhere(holds: (record: StoredSession) => boolean): Promise<void> {
    if (this.#lastWritten !== undefined && holds(this.#lastWritten)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.add({ holds, resolve }));
  }

  /** The newest view published, so already persisted (what `view.get` answers). */
  get published(): View | undefined {
    return this.#published;
  }

  counts(): WriteCounts {
    return { ...this.#counts };
  }

  /** Resolves once every record so far is written and its view published. */
  idle(): Promise<void> {
    return this.#chain;
  }
}
