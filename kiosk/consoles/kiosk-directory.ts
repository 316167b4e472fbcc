// Finds every kiosk and follows its view live, for the staff console and the inspector. On start
// it asks `kiosk.discover` (every engine answers with its current view) and subscribes to
// `kiosk.*.view`, so a kiosk that starts later appears with its first view. It asks again now and
// then: a kiosk that stops answering is marked as silent, not dropped (staff should see it).
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { decodeJson, ViewSchema, type View } from '../../machines/contract/messages.ts';
import {
  ALL_KIOSK_VIEWS_SUBJECT,
  KIOSK_DISCOVER_SUBJECT,
  kioskIdOfViewSubject,
  kioskSubjects,
} from '../../machines/contract/subjects.ts';
import { applyView, markAnswering, type KioskEntry } from './kiosk-status.ts';

export interface KioskDirectoryOptions {
  /** How long a discover round collects answers (ms). */
  discoverWaitMs?: number;
  /** How often to discover again (ms); 0 turns it off. */
  rediscoverMs?: number;
  /** How long to wait for `view.get` (ms). */
  requestTimeoutMs?: number;
}

export class KioskDirectory {
  readonly #nc: NatsConnection;
  readonly #onChange: (entries: ReadonlyMap<string, KioskEntry>) => void;
  readonly #options: Required<KioskDirectoryOptions>;
  #entries = new Map<string, KioskEntry>();
  #subscription: Subscription | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    nc: NatsConnection,
    onChange: (entries: ReadonlyMap<string, KioskEntry>) => void,
    options: KioskDirectoryOptions = {},
  ) {
    this.#nc = nc;
    this.#onChange = onChange;
    this.#options = { discoverWaitMs: 600, rediscoverMs: 20_000, requestTimeoutMs: 3000, ...options };
  }

  get entries(): ReadonlyMap<string, KioskEntry> {
    return this.#entries;
  }

  /** Subscribes first, then discovers: a view published in between is not lost. */
  async start(): Promise<void> {
    this.#subscription = this.#nc.subscribe(ALL_KIOSK_VIEWS_SUBJECT, {
      callback: (error, msg) => {
        if (error) return;
        const kioskId = kioskIdOfViewSubject(msg.subject);
        if (kioskId !== undefined) this.#accept(kioskId, msg.data, false);
      },
    });
    await this.discover();
    if (this.#options.rediscoverMs > 0) {
      this.#timer = setInterval(() => void this.discover(), this.#options.rediscoverMs);
    }
  }

  /** One discover round: every engine that answers within the wait is listed and marked answering. */
  async discover(): Promise<void> {
    const answered = new Set<string>();
    try {
      const replies = await this.#nc.requestMany(KIOSK_DISCOVER_SUBJECT, undefined, {
        strategy: 'timer',
        maxWait: this.#options.discoverWaitMs,
      });
      for await (const msg of replies) {
        const kioskId = this.#accept(undefined, msg.data, true);
        if (kioskId !== undefined) answered.add(kioskId);
      }
    } catch {
      // No engine at all (no responders) or the connection dropped: nobody answered this round.
    }
    this.#entries = markAnswering(this.#entries, answered);
    this.#onChange(this.#entries);
  }

  /**
   * Asks one kiosk for its current view (after a stale one, or on demand). The answer is taken as
   * the kiosk's truth (its engine may have restarted, with lower numbers) unless a view of the
   * kiosk was taken in while it was on its way: the engine published that one after the view it
   * answered with became current, so it is at least as new (the two can arrive together, the
   * published one handled first).
   */
  async refresh(kioskId: string): Promise<void> {
    const asked = this.#entries.get(kioskId)?.view;
    try {
      const reply = await this.#nc.request(kioskSubjects(kioskId).viewGet, undefined, {
        timeout: this.#options.requestTimeoutMs,
      });
      if (this.#entries.get(kioskId)?.view !== asked) return;
      this.#accept(kioskId, reply.data, true);
    } catch {
      // The kiosk's next published view will bring it up to date.
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  /**
   * Takes a view in; returns the kiosk id it belongs to. A view published under one kiosk's
   * subject that names another kiosk is dropped: a kiosk speaks only for itself.
   */
  #accept(fromKiosk: string | undefined, data: Uint8Array, authoritative: boolean): string | undefined {
    const decoded = decodeJson(ViewSchema, data);
    if (!decoded.ok) return undefined;
    const view: View = decoded.value;
    if (fromKiosk !== undefined && view.kioskId !== fromKiosk) return undefined;
    const { entry, stale } = applyView(this.#entries.get(view.kioskId), view, { authoritative, now: Date.now() });
    if (entry !== this.#entries.get(view.kioskId)) {
      this.#entries = new Map(this.#entries).set(view.kioskId, entry);
      this.#onChange(this.#entries);
    }
    if (stale) void this.refresh(view.kioskId);
    return view.kioskId;
  }
}
