// Connects `<ka-inspector-app>` to NATS: finds the kiosks (the staff console's directory), and for
// the chosen one fetches the machine's structure and current view, follows its views and
// inspection events, and reads the engine's counters every few seconds. Everything it receives is
// checked against its schema first; fields a schema does not name are dropped, so nothing the
// engine should not have sent can reach the screen.
import type { ReactiveController } from 'lit';
import type { Subscription } from '@nats-io/nats-core';
import { decodeJson, InspectionEventSchema, ViewSchema } from '../../machines/contract/messages.ts';
import { ConsoleConnection, type ConsoleConnectionOptions } from '../consoles/connection.ts';
import { kioskSubjects } from '../../machines/contract/subjects.ts';
import type { KaInspectorApp } from './app/ka-inspector-app.ts';
import { inspectorStrings } from './inspector-strings.ts';
import { DescribedStateSchema, EngineStatsSchema } from './statechart.ts';

export interface InspectorControllerOptions extends ConsoleConnectionOptions {
  /** The kiosk to show first; default: `?kiosk=` in the page URL, else the config's kiosk. */
  kioskId?: string;
  /** How often to read the engine's counters (ms). */
  statsEveryMs?: number;
  requestTimeoutMs?: number;
}

export class InspectorController implements ReactiveController {
  readonly #host: KaInspectorApp;
  readonly #options: InspectorControllerOptions;
  readonly #connection: ConsoleConnection;
  #subscriptions: Subscription[] = [];
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  /** Which kiosk the pending requests are for: a late answer for another kiosk is dropped. */
  #following: string | undefined;

  constructor(host: KaInspectorApp, options: InspectorControllerOptions) {
    this.#host = host;
    this.#options = options;
    // The wanted kiosk is followed as soon as it answers; another one only once the first discover
    // round is over without it (or, if none answered, when the first kiosk shows up later).
    let wanted: string | undefined;
    let roundDone = false;
    const choose = (entries: ReadonlyMap<string, unknown>) => {
      if (this.#following !== undefined || entries.size === 0) return;
      if (wanted !== undefined && entries.has(wanted)) this.#follow(wanted);
      else if (roundDone) this.#follow([...entries.keys()].sort()[0]!);
    };
    this.#connection = new ConsoleConnection(host, 'inspector', options, {
      opened: (_nc, config) => {
        wanted = options.kioskId ?? new URLSearchParams(location.search).get('kiosk') ?? config.kioskId;
        roundDone = false;
      },
      kiosksChanged: (entries) => {
        host.kiosks = entries;
        choose(entries);
      },
      firstRoundDone: (entries) => {
        roundDone = true;
        choose(entries);
      },
      reconnected: () => {
        if (this.#following !== undefined) void this.#load(this.#following);
      },
    });
    host.addController(this);
  }

  hostConnected(): void {
    this.#host.addEventListener('ka-inspector-kiosk-select', this.#onSelect);
    this.#connection.start();
  }

  hostDisconnected(): void {
    this.#host.removeEventListener('ka-inspector-kiosk-select', this.#onSelect);
    this.#unfollow();
    this.#connection.stop();
  }

  /** Shows another kiosk: drop the old one's streams, subscribe to the new one's, load it. */
  #follow(kioskId: string): void {
    const nc = this.#connection.nc;
    if (!nc) return;
    this.#unfollow();
    this.#following = kioskId;
    const host = this.#host;
    host.clearSession();
    host.kioskId = kioskId;
    const subjects = kioskSubjects(kioskId);
    this.#subscriptions = [
      nc.subscribe(subjects.view, {
        callback: (error, msg) => {
          if (error) return;
          const decoded = decodeJson(ViewSchema, msg.data);
          if (decoded.ok && decoded.value.kioskId === kioskId) host.showView(decoded.value);
        },
      }),
      nc.subscribe(subjects.inspect, {
        callback: (error, msg) => {
          if (error) return;
          const decoded = decodeJson(InspectionEventSchema, msg.data);
          if (decoded.ok) host.recordInspection(decoded.value);
        },
      }),
    ];
    this.#statsTimer = setInterval(() => void this.#readStats(kioskId), this.#options.statsEveryMs ?? 2000);
    void this.#load(kioskId);
  }

  #unfollow(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions = [];
    clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
    this.#following = undefined;
  }

  async #load(kioskId: string): Promise<void> {
    await Promise.all([this.#readMachine(kioskId), this.#readView(kioskId), this.#readStats(kioskId)]);
  }

  async #request(subject: string): Promise<Uint8Array | undefined> {
    const nc = this.#connection.nc;
    if (!nc) return undefined;
    try {
      return (await nc.request(subject, undefined, { timeout: this.#options.requestTimeoutMs ?? 3000 })).data;
    } catch {
      return undefined;
    }
  }

  async #readMachine(kioskId: string): Promise<void> {
    const data = await this.#request(kioskSubjects(kioskId).inspectMachine);
    if (this.#following !== kioskId) return;
    const decoded = data === undefined ? undefined : decodeJson(DescribedStateSchema, data);
    if (decoded?.ok) {
      this.#host.machine = decoded.value;
      this.#host.problem = undefined;
    } else {
      this.#host.problem = `${kioskId}：${inspectorStrings.requestFailed(inspectorStrings.machineDescription)}（${kioskSubjects(kioskId).inspectMachine}）`;
    }
  }

  async #readView(kioskId: string): Promise<void> {
    const data = await this.#request(kioskSubjects(kioskId).viewGet);
    if (this.#following !== kioskId || data === undefined) return;
    const decoded = decodeJson(ViewSchema, data);
    if (decoded.ok && decoded.value.kioskId === kioskId) this.#host.showView(decoded.value);
  }

  async #readStats(kioskId: string): Promise<void> {
    const data = await this.#request(kioskSubjects(kioskId).engineStats);
    if (this.#following !== kioskId || data === undefined) return;
    const decoded = decodeJson(EngineStatsSchema, data);
    if (!decoded.ok) return;
    this.#host.stats = decoded.value;
    this.#host.statsAt = Date.now();
  }

  readonly #onSelect = (event: CustomEvent<{ kioskId: string }>): void => {
    if (event.detail.kioskId !== '' && event.detail.kioskId !== this.#following) this.#follow(event.detail.kioskId);
  };
}
