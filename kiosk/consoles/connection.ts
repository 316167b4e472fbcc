// The NATS connection of the staff console and the inspector: `/config.json` says where the
// websocket is (the same file the kiosk page reads), then `wsconnect`, retrying for ever.
import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { natsLoginOptions, parseKioskConfig, type KioskConfig } from '../src/config.ts';

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
