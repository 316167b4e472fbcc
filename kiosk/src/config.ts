// `/config.json`, served beside the page by the kiosk's static server: where the kiosk's NATS
// websocket is, which kiosk this is, and whether the demo card tray is shown. Its shape is the
// contract's `BrowserConfigSchema` (docs/contract.md).
import { BrowserConfigSchema, decode, type BrowserConfig } from '../../machines/contract/messages.ts';

/** The contract's `BrowserConfig`, as the static server sends it. */
export type KioskConfig = BrowserConfig;

/** Checks a fetched config against the contract; a bad one is an error the app shows, never a guess. */
export function parseKioskConfig(value: unknown): KioskConfig {
  const decoded = decode(BrowserConfigSchema, value);
  if (!decoded.ok) throw new Error(`config.json: ${decoded.problems.join('; ')}`);
  return decoded.value;
}

/** The wsconnect options that log the page in, when the server gave it a login. */
export function natsLoginOptions(config: KioskConfig): { user?: string; pass?: string; inboxPrefix?: string } {
  return config.nats === undefined ? {} : { user: config.nats.user, pass: config.nats.password, inboxPrefix: config.nats.inboxPrefix };
}
