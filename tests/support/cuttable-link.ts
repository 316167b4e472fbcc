// A TCP relay in front of one port that a test can cut and restore: the network between a kiosk and
// the hub failing while both machines keep running. Not a stand-in for any part of the product —
// every byte it carries is the real leaf-node protocol between two real nats-servers.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export interface CuttableLink {
  /** The loopback port to connect to instead of the target. */
  readonly port: number;
  /** Ends every relayed connection and refuses new ones until `restore`. */
  cut(): void;
  /** Relays new connections again (the ones cut stay closed: the client reconnects by itself). */
  restore(): void;
  close(): Promise<void>;
}

/**
 * Relays `listen` (host, and port: 0 for any free one) to `target`. Listening on another loopback
 * address with the target's own port lets a server advertise one address for both.
 */
export async function startCuttableLink(target: { host: string; port: number }, listen: { host: string; port: number }): Promise<CuttableLink> {
  const open = new Set<Socket>();
  let isCut = false;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect({ host: target.host, port: target.port });
    track(upstream);
    // Either side ending (a killed node included) ends the other: no half-open link is left behind.
    const endBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', endBoth);
    upstream.on('close', endBoth);
    client.on('close', endBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no TCP port');
  return {
    port: address.port,
    cut() {
      isCut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
