// Feeds <ka-dashboard-app> over NATS: today's RA_EVENTS through an ordered consumer starting at
// midnight Taipei time (then live), and every kiosk's view through the consoles' shared
// ConsoleConnection (`kiosk.discover`, `kiosk.*.view`). The figures are recomputed as things arrive.
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { JETSTREAM } from '../../machines/contract/subjects.ts';
import type { View } from '../../machines/contract/messages.ts';
import { ConsoleConnection } from '../consoles/connection.ts';
import { computeFigures, dayOf, type RegistryEventLike } from './dashboard-model.ts';
import type { KaDashboardApp } from './ka-dashboard-app.ts';

const EventSchema = v.object({
  type: v.string(),
  cardNumber: v.string(),
  at: v.pipe(v.string(), v.isoTimestamp()),
  // Kept loose: a route the page does not know counts as unknown, not as a dropped event.
  route: v.optional(v.string()),
  kioskId: v.optional(v.string()),
  activation: v.optional(v.string()),
  attemptsLeft: v.optional(v.number()),
});

/** Midnight of today in Taipei (UTC+8, no daylight saving). */
export function startOfTaipeiDay(now: number): Date {
  return new Date(`${dayOf(now)}T00:00:00+08:00`);
}

export class DashboardController {
  readonly #app: KaDashboardApp;
  readonly #connection: ConsoleConnection;
  #events: RegistryEventLike[] = [];
  #views: View[] = [];
  #minuteTimer: ReturnType<typeof setInterval> | undefined;

  constructor(app: KaDashboardApp, options: { configUrl: string }) {
    this.#app = app;
    // The consoles' lifecycle: config, websocket with reconnects, the kiosk directory; a config or
    // connection that fails shows as "disconnected" with the reason, never as connecting for ever.
    this.#connection = new ConsoleConnection(app, 'office-dashboard', { configUrl: options.configUrl }, {
      opened: (nc) => {
        // A minute timer moves the day on at midnight and keeps "today" honest without new events.
        this.#minuteTimer = setInterval(() => this.#refresh(), 60_000);
        this.#follow(nc).catch((error: unknown) => {
          app.connection = 'disconnected';
          app.problem = error instanceof Error ? error.message : String(error);
        });
      },
      kiosksChanged: (entries) => {
        this.#views = [...entries.values()].map((entry) => entry.view);
        this.#refresh();
      },
    });
    this.#connection.start();
  }

  async #follow(nc: NatsConnection): Promise<void> {
    const consumer = await jetstream(nc).consumers.get(JETSTREAM.registryEventsStream, {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: startOfTaipeiDay(Date.now()).toISOString(),
    });
    const messages = await consumer.consume();
    for await (const message of messages) {
      const parsed = v.safeParse(EventSchema, message.json());
      if (parsed.success) this.#events.push(parsed.output);
      if (message.info.pending === 0) this.#refresh();
    }
  }

  #refresh(): void {
    const now = Date.now();
    const today = dayOf(now);
    this.#events = this.#events.filter((event) => dayOf(Date.parse(event.at)) === today);
    this.#app.figures = computeFigures(this.#events, this.#views, now);
  }

  close(): void {
    clearInterval(this.#minuteTimer);
    this.#connection.stop();
  }
}
