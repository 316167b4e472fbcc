// The NATS connection of the consoles: `/config.json` says where the websocket is (the same file
// the kiosk page reads), then `wsconnect`, retrying for ever. `ConsoleConnection` is the whole
// lifecycle the staff console and the inspector share, up to the kiosk directory.
import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { natsLoginOptions, parseKioskConfig, type KioskConfig } from '../src/config.ts';
import { KioskDirectory, type KioskDirectoryOptions } from './kiosk-directory.ts';
import type { KioskEntry } from './kiosk-status.ts';

export type ConnectionState = 'offline' | 'connecting' | 'connected' | 'disconnected';

export async function fetchConsoleConfig(configUrl: string): Promise<KioskConfig> {
  const response = await fetch(configUrl, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${configUrl}: HTTP ${response.status}`);
  return parseKioskConfig(await response.json());
}

export async function connectConsole(config: KioskConfig, name: string): Promise<NatsConnection> {
  return wsconnect({
    servers: config.natsWsUrl,
    name,
    ...natsLoginOptions(config),
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  });
}

/** Reports disconnects and reconnects until the connection closes. */
export async function watchConnection(
  nc: NatsConnection,
  onState: (state: ConnectionState) => void,
  onReconnect: () => void,
): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect') onState('disconnected');
    if (status.type === 'reconnect') {
      onState('connected');
      onReconnect();
    }
  }
}

/** The console element: it shows the connection's state and, when it could not connect, why. */
export interface ConsoleConnectionHost extends EventTarget {
  connection: ConnectionState;
  problem: string | undefined;
}

export interface ConsoleConnectionOptions {
  configUrl?: string;
  /** The config itself, instead of fetching `configUrl` (tests). */
  config?: KioskConfig;
  directory?: KioskDirectoryOptions;
}

/** Where a console's own work joins the shared lifecycle. */
export interface ConsoleConnectionHooks {
  /** The connection is open, before the host shows it as connected: set up what talks over it. */
  opened?(nc: NatsConnection, config: KioskConfig): void;
  /** The kiosks known now, on every change. */
  kiosksChanged(entries: ReadonlyMap<string, KioskEntry>): void;
  /** The first discover round is over: every kiosk that answers has answered. */
  firstRoundDone?(entries: ReadonlyMap<string, KioskEntry>): void;
  /** The connection came back; the kiosks are being asked again already. */
  reconnected?(): void;
}

/**
 * The config, the websocket and the kiosk directory of one console element, from `start` (the
 * element connected) to `stop` (it went). The host shows `connecting`, then `connected` or
 * `disconnected` with the problem, and every disconnect and reconnect after. A
 * `ka-staff-rediscover` from the host asks the kiosks again.
 */
export class ConsoleConnection {
  readonly #host: ConsoleConnectionHost;
  readonly #name: string;
  readonly #options: ConsoleConnectionOptions;
  readonly #hooks: ConsoleConnectionHooks;
  #nc: NatsConnection | undefined;
  #directory: KioskDirectory | undefined;
  #stopped = false;

  constructor(host: ConsoleConnectionHost, name: string, options: ConsoleConnectionOptions, hooks: ConsoleConnectionHooks) {
    this.#host = host;
    this.#name = name;
    this.#options = options;
    this.#hooks = hooks;
  }

  /** The open connection; undefined before it opened and after `stop`. */
  get nc(): NatsConnection | undefined {
    return this.#nc;
  }

  start(): void {
    this.#stopped = false;
    this.#host.addEventListener('ka-staff-rediscover', this.#rediscover);
    void this.#open();
  }

  stop(): void {
    this.#stopped = true;
    this.#host.removeEventListener('ka-staff-rediscover', this.#rediscover);
    this.#directory?.stop();
    this.#directory = undefined;
    const nc = this.#nc;
    this.#nc = undefined;
    void nc?.close();
  }

  async #open(): Promise<void> {
    const host = this.#host;
    host.connection = 'connecting';
    let nc: NatsConnection;
    let config: KioskConfig;
    try {
      config = this.#options.config ?? (await fetchConsoleConfig(this.#options.configUrl ?? '/config.json'));
      nc = await connectConsole(config, this.#name);
    } catch (error) {
      host.connection = 'disconnected';
      host.problem = error instanceof Error ? error.message : String(error);
      return;
    }
    // The element went while the connection was opening: nobody will close it later.
    if (this.#stopped) {
      await nc.close();
      return;
    }
    this.#nc = nc;
    this.#hooks.opened?.(nc, config);
    host.connection = 'connected';
    const directory = new KioskDirectory(nc, (entries) => this.#hooks.kiosksChanged(entries), this.#options.directory);
    this.#directory = directory;
    void watchConnection(
      nc,
      (state) => (host.connection = state),
      () => {
        void directory.discover();
        this.#hooks.reconnected?.();
      },
    );
    await directory.start();
    this.#hooks.firstRoundDone?.(directory.entries);
  }

  readonly #rediscover = (): void => {
    void this.#directory?.discover();
  };
}
