// Connects `<ka-staff-app>` to NATS: the config, the websocket, the kiosk directory (discover and
// every kiosk's view stream) and the staff backend. A reactive controller, as the kiosk page's
// ViewController: it starts with the element and closes the connection when the element goes.
import type { ReactiveController } from 'lit';
import type { NatsConnection } from '@nats-io/nats-core';
import type { KioskConfig } from '../src/config.ts';
import { connectConsole, fetchConsoleConfig, watchConnection } from '../consoles/connection.ts';
import { KioskDirectory, type KioskDirectoryOptions } from '../consoles/kiosk-directory.ts';
import { natsStaffBackend } from './staff-client.ts';
import { natsStaffAuth } from './staff-auth-client.ts';
import { describeRequestError } from './staff-strings.ts';
import type { KaStaffApp } from './app/ka-staff-app.ts';

export interface StaffControllerOptions {
  configUrl?: string;
  config?: KioskConfig;
  directory?: KioskDirectoryOptions;
}

export class StaffController implements ReactiveController {
  readonly #host: KaStaffApp;
  readonly #options: StaffControllerOptions;
  #nc: NatsConnection | undefined;
  #directory: KioskDirectory | undefined;
  #stopped = false;

  constructor(host: KaStaffApp, options: StaffControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  hostConnected(): void {
    this.#stopped = false;
    this.#host.addEventListener('ka-staff-rediscover', this.#onRediscover);
    void this.#start();
  }

  hostDisconnected(): void {
    this.#stopped = true;
    this.#host.removeEventListener('ka-staff-rediscover', this.#onRediscover);
    this.#directory?.stop();
    this.#directory = undefined;
    const nc = this.#nc;
    this.#nc = undefined;
    this.#host.backend = undefined;
    this.#host.auth = undefined;
    void nc?.close();
  }

  async #start(): Promise<void> {
    const host = this.#host;
    host.connection = 'connecting';
    let nc: NatsConnection;
    try {
      const config = this.#options.config ?? (await fetchConsoleConfig(this.#options.configUrl ?? '/config.json'));
      nc = await connectConsole(config, 'staff-console');
    } catch (error) {
      host.connection = 'disconnected';
      host.problem = error instanceof Error ? error.message : String(error);
      return;
    }
    if (this.#stopped) {
      await nc.close();
      return;
    }
    this.#nc = nc;
    host.backend = natsStaffBackend(nc, {
      token: () => host.session?.token,
      lost: (error) => host.signOut(describeRequestError(error).text),
    });
    host.auth = natsStaffAuth(nc);
    host.connection = 'connected';
    const directory = new KioskDirectory(nc, (entries) => (host.kiosks = entries), this.#options.directory);
    this.#directory = directory;
    void watchConnection(
      nc,
      (state) => (host.connection = state),
      () => void directory.discover(),
    );
    await directory.start();
  }

  readonly #onRediscover = (): void => {
    void this.#directory?.discover();
  };
}
