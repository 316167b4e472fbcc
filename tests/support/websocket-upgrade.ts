// What a nats-server's websocket port answers a page at a given origin, asked the way a browser
// asks (an HTTP upgrade with an Origin header), so that tests can check `allowed_origins`.
import { request } from 'node:http';

/** The HTTP status of a websocket upgrade from `origin` to `host:port`: 101 when accepted. */
export function websocketUpgradeStatus(host: string, port: number, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port,
      path: '/',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        origin,
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
