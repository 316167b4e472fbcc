// Connects `<ka-kiosk-app>` to the kiosk engine over the kiosk's NATS websocket: the engine's
// views in, the user's events out. It holds no flow logic either: it passes views on (newest
// first, by `seq`) and publishes what the screens send.
import type { ReactiveController } from 'lit';
import { wsconnect, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { kioskSubjects } from '../../machines/contract/subjects.ts';
import { decodeJson, ViewSchema, type UserEvent, type View } from '../../machines/contract/messages.ts';
import { natsLoginOptions, parseKioskConfig, type KioskConfig } from './config.ts';
import type { KaKioskApp } from './kiosk-app.ts';

const encoder = new TextEncoder();

export interface ViewControllerOptions {
  /** Where to fetch the config; ignored when `config` is given. */
  configUrl?: string;
  config?: KioskConfig;
  /** How long to wait for `view.get`; the view stream still arrives if it times out. */
  requestTimeoutMs?: number;
  /**
   * The view the page was served with (initial-view.ts): shown at once, before the config fetch
   * and the websocket, busy until the websocket is up; the engine's `view.get` answer replaces it.
   */
  initialView?: View;
}

export class ViewController implements ReactiveController {
  private readonly host: KaKioskApp;
  private readonly options: ViewControllerOptions;
  private nc: NatsConnection | undefined;
  private subscription: Subscription | undefined;
  private subjects: ReturnType<typeof kioskSubjects> | undefined;
  private stopped = false;
  private lastSeq = -1;

  constructor(host: KaKioskApp, options: ViewControllerOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostConnected(): void {
    this.stopped = false;
    this.host.addEventListener('ka-input-send', this.onInput);
    this.host.addEventListener('ka-card-insert', this.onCardInsert);
    this.host.addEventListener('ka-card-remove', this.onCardRemove);
    void this.start();
  }

  hostDisconnected(): void {
    this.stopped = true;
    this.host.removeEventListener('ka-input-send', this.onInput);
    this.host.removeEventListener('ka-card-insert', this.onCardInsert);
    this.host.removeEventListener('ka-card-remove', this.onCardRemove);
    const nc = this.nc;
    this.nc = undefined;
    this.subscription = undefined;
    void nc?.close();
  }

  private async start(): Promise<void> {
    this.host.connection = 'connecting';
    // The served view is shown at once but busy (its buttons disabled) until the websocket is up:
    // a tap before then would have nowhere to go.
    const initial = this.options.initialView;
    const waiting = initial !== undefined && this.lastSeq < 0 ? { ...initial, busy: true } : undefined;
    if (initial !== undefined && waiting !== undefined) {
      this.lastSeq = initial.seq;
      this.host.view = waiting;
    }
    let config: KioskConfig;
    try {
      config = this.options.config ?? parseKioskConfig(await (await fetch(this.options.configUrl ?? '/config.json')).json());
    } catch (error) {
      this.host.connection = 'disconnected';
      this.host.problem = error instanceof Error ? error.message : String(error);
      return;
    }
    this.subjects = kioskSubjects(config.kioskId);
    this.host.demoCards = config.simulatedReader ? (config.demoCards ?? []) : undefined;
    const nc = await wsconnect({
      servers: config.natsWsUrl,
      name: `kiosk-ui-${config.kioskId}`,
      ...natsLoginOptions(config),
      // A kiosk never gives up: the engine or the server may restart under it.
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    if (this.stopped) {
      await nc.close();
      return;
    }
    this.nc = nc;
    this.subscription = nc.subscribe(this.subjects.view, {
      callback: (error, msg) => {
        if (!error) this.accept(msg.data, false);
      },
    });
    this.host.connection = 'connected';
    if (waiting !== undefined && initial !== undefined && this.host.view === waiting) this.host.view = initial;
    void this.watchStatus(nc);
    await this.refresh();
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.host.connection = 'disconnected';
      if (status.type === 'reconnect') {
        this.host.connection = 'connected';
        await this.refresh();
      }
    }
  }

  /** Asks the engine for the current view: on connect, on reconnect, and when the stream looks stale. */
  private async refresh(): Promise<void> {
    const nc = this.nc;
    if (!nc || !this.subjects) return;
    try {
      const reply = await nc.request(this.subjects.viewGet, undefined, { timeout: this.options.requestTimeoutMs ?? 3000 });
      this.accept(reply.data, true);
    } catch {
      // No engine yet: its first published view will arrive on the subscription.
    }
  }

  /**
   * A published view older than the one shown is dropped. The reply to `view.get` is the engine's
   * current state and always wins: after an engine restart its `seq` may start again from low.
   */
  private accept(data: Uint8Array, authoritative: boolean): void {
    const decoded = decodeJson(ViewSchema, data);
    if (!decoded.ok) return;
    const view: View = decoded.value;
    if (!authoritative && view.seq <= this.lastSeq) {
      if (view.seq < this.lastSeq) void this.refresh();
      return;
    }
    this.lastSeq = view.seq;
    this.host.view = view;
  }

  private readonly onInput = (event: CustomEvent<UserEvent>): void => {
    if (!this.nc || !this.subjects) return;
    this.nc.publish(this.subjects.input, encoder.encode(JSON.stringify(event.detail)));
  };

  private readonly onCardInsert = (event: CustomEvent<{ cardNumber: string }>): void => {
    void this.simRequest('cardSimInsert', { cardNumber: event.detail.cardNumber });
  };

  private readonly onCardRemove = (): void => {
    void this.simRequest('cardSimRemove', {});
  };

  private async simRequest(subject: 'cardSimInsert' | 'cardSimRemove', body: object): Promise<void> {
    if (!this.nc || !this.subjects) return;
    try {
      await this.nc.request(this.subjects[subject], encoder.encode(JSON.stringify(body)), { timeout: 5000 });
    } catch {
      // The tray is a demo aid: the engine's next view shows what happened to the card.
    }
  }
}
