// Feeds <ka-dashboard-app> over NATS: today's RA_EVENTS from the registry (`ra.dashboard.events`,
// from midnight Taipei time, then every few seconds what came after), and every kiosk's view
// through the consoles' shared ConsoleConnection (`kiosk.discover`, `kiosk.*.view`). The figures
// are recomputed as things arrive. The page's login has no JetStream API: it reads, and can make
// nothing publish anywhere (docs/security.md, "Read-only logins").
import type { NatsConnection } from '@nats-io/nats-core';
import * as v from 'valibot';
import { REGISTRY_SUBJECTS } from '../../machines/contract/subjects.ts';
import { DashboardEventsReplySchema } from '../../machines/contract/registry.ts';
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

/** How often the dashboard asks for new events (the page's own pace, not a synchronisation). */
const POLL_MS = 3_000;

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
    let after: number | undefined;
    while (!nc.isClosed()) {
      const ask = after === undefined ? { since: startOfTaipeiDay(Date.now()).toISOString() } : { after };
      const reply = v.parse(DashboardEventsReplySchema, (await nc.request(REGISTRY_SUBJECTS.dashboardEvents, JSON.stringify(ask), { timeout: 10_000 })).json());
      for (const event of reply.events) {
        const parsed = v.safeParse(EventSchema, event);
        if (parsed.success) this.#events.push(parsed.output);
      }
      if (reply.events.length > 0) {
        after = reply.last;
        this.#refresh();
      } else after ??= reply.last;
      if (!reply.more) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
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
