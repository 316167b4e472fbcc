// Feeds <ka-dashboard-app> over NATS: today's RA_EVENTS through an ordered consumer starting at
// midnight Taipei time (then live), and every kiosk's view through the staff console's
// KioskDirectory (`kiosk.discover`, `kiosk.*.view`). The figures are recomputed as things arrive.
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { JETSTREAM } from '../../machines/contract/subjects.ts';
import { connectConsole, fetchConsoleConfig, watchConnection } from '../consoles/connection.ts';
import { KioskDirectory } from '../consoles/kiosk-directory.ts';
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
  #events: RegistryEventLike[] = [];
  #directory: KioskDirectory | undefined;
  #nc: NatsConnection | undefined;
  #minuteTimer: ReturnType<typeof setInterval> | undefined;

  constructor(app: KaDashboardApp, options: { configUrl: string }) {
    this.#app = app;
    // A config or connection that fails shows as "disconnected", never as connecting for ever.
    this.#start(options.configUrl).catch((error: unknown) => {
      this.#app.connection = 'disconnected';
      console.error('dashboard: cannot follow the registry', error);
    });
  }

  async #start(configUrl: string): Promise<void> {
    this.#app.connection = 'connecting';
    const nc = await connectConsole(await fetchConsoleConfig(configUrl), 'office-dashboard');
    this.#nc = nc;
    this.#app.connection = 'connected';
    void watchConnection(nc, (state) => (this.#app.connection = state), () => void this.#directory?.discover());
    this.#directory = new KioskDirectory(nc, () => this.#refresh());
    await this.#directory.start();
    // A minute timer moves the day on at midnight and keeps "today" honest without new events.
    this.#minuteTimer = setInterval(() => this.#refresh(), 60_000);
    await this.#follow(nc);
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
    const views = [...(this.#directory?.entries.values() ?? [])].map((entry) => entry.view);
    this.#app.figures = computeFigures(this.#events, views, now);
  }

  async close(): Promise<void> {
    clearInterval(this.#minuteTimer);
    this.#directory?.stop();
    await this.#nc?.close();
  }
}
