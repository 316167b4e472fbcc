// Events reach the session in the order they arrived. Most steps are ready at once; a staff event
// is ready only after its token check (asynchronous). Whatever arrives while a step is not ready
// waits behind it, so that a staff abort sent before a card insert never lands after it.

/** A step ready to run, or one that becomes ready (a staff event once its token is checked). */
export type ArrivingStep = (() => void) | Promise<() => void>;

export class ArrivalOrder {
  readonly #onFailure: (error: unknown) => void;
  /** Steps taken but not yet run. */
  #waiting = 0;
  #backlog: Promise<void> = Promise.resolve();

  /** `onFailure` hears of a step that threw or a check that failed to produce one. */
  constructor(onFailure: (error: unknown) => void) {
    this.#onFailure = onFailure;
  }

  /** Runs `step` now when nothing waits before it, else once everything taken before it has run. */
  take(step: ArrivingStep): void {
    if (this.#waiting === 0 && typeof step === 'function') {
      step();
      return;
    }
    this.#waiting++;
    this.#backlog = this.#backlog
      .then(() => step)
      .then((run) => run())
      .catch((error: unknown) => this.#onFailure(error))
      .finally(() => {
        this.#waiting--;
      });
  }

  /** Steps taken and not yet run. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves once every step taken so far has run. */
  idle(): Promise<void> {
    return this.#backlog;
  }
}
