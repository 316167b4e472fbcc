// Connects `<ka-staff-app>` to NATS: the config, the websocket, the kiosk directory (discover and
// every kiosk's view stream) and the staff backend. A reactive controller, as the kiosk page's
// ViewController: it starts with the element and closes the connection when the element goes.
import type { ReactiveController } from 'lit';
import { ConsoleConnection, type ConsoleConnectionOptions } from '../consoles/connection.ts';
import { natsStaffBackend } from './staff-client.ts';
import { natsStaffAuth } from './staff-auth-client.ts';
import { describeRequestError } from './staff-strings.ts';
import type { KaStaffApp } from './app/ka-staff-app.ts';

export type StaffControllerOptions = ConsoleConnectionOptions;

export class StaffController implements ReactiveController {
  readonly #host: KaStaffApp;
  readonly #connection: ConsoleConnection;

  constructor(host: KaStaffApp, options: StaffControllerOptions) {
    this.#host = host;
    this.#connection = new ConsoleConnection(host, 'staff-console', options, {
      opened: (nc) => {
        host.backend = natsStaffBackend(nc, {
          token: () => host.session?.token,
          lost: (error) => host.signOut(describeRequestError(error).text),
        });
        host.auth = natsStaffAuth(nc);
      },
      kiosksChanged: (entries) => (host.kiosks = entries),
    });
    host.addController(this);
  }

  hostConnected(): void {
    this.#connection.start();
  }

  hostDisconnected(): void {
    this.#connection.stop();
    this.#host.backend = undefined;
    this.#host.auth = undefined;
  }
}
