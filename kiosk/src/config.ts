// `/config.json`, served beside the page by the kiosk's static server: where the kiosk's NATS
// websocket is, which kiosk this is, and whether the demo card tray is shown.
import type { BrowserConfig } from '../../machines/contract/messages.ts';
import { isKioskId } from '../../machines/contract/subjects.ts';
import type { DemoCard } from './components/card-tray/ka-card-tray.ts';

/** The contract's `BrowserConfig`, as the static server sends it. */
export type KioskConfig = BrowserConfig;

/** Checks the shape of a fetched config; a bad one is an error the app shows, never a guess. */
export function parseKioskConfig(value: unknown): KioskConfig {
  if (typeof value !== 'object' || value === null) throw new Error('config.json: not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.natsWsUrl !== 'string' || !/^wss?:\/\//.test(v.natsWsUrl)) {
    throw new Error('config.json: natsWsUrl must be a ws:// or wss:// URL');
  }
  if (!isKioskId(v.kioskId)) throw new Error('config.json: kioskId is not a kiosk id');
  const demoCards = Array.isArray(v.demoCards)
    ? v.demoCards
        .filter(
          (c): c is DemoCard =>
            typeof c === 'object' && c !== null && typeof c.cardNumber === 'string' && typeof c.label === 'string',
        )
        .map(({ cardNumber, label }) => ({ cardNumber, label }))
    : undefined;
  const login = v.nats as Record<string, unknown> | undefined;
  const nats =
    typeof login === 'object' && login !== null && typeof login.user === 'string' && typeof login.password === 'string' && typeof login.inboxPrefix === 'string'
      ? { user: login.user, password: login.password, inboxPrefix: login.inboxPrefix }
      : undefined;
  return {
    natsWsUrl: v.natsWsUrl,
    kioskId: v.kioskId,
    simulatedReader: v.simulatedReader === true,
    ...(demoCards ? { demoCards } : {}),
    ...(nats ? { nats } : {}),
  };
}

/** The wsconnect options that log the page in, when the server gave it a login. */
export function natsLoginOptions(config: KioskConfig): { user?: string; pass?: string; inboxPrefix?: string } {
  return config.nats === undefined ? {} : { user: config.nats.user, pass: config.nats.password, inboxPrefix: config.nats.inboxPrefix };
}
