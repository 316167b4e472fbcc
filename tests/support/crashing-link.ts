// A loopback TCP relay between one NATS client and the server that can play the client's process
// dying at an exact point: armed with a subject test, it passes the first PUB / HPUB whose subject
// passes it, whole, and then cuts both sides and accepts no more connections — from the server's
// side exactly what a crash right after that write looks like (nothing the client sends later
// arrives). It reads the client's protocol only to find message boundaries.
import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net';

export interface CrashingLink {
  /** `nats://127.0.0.1:<port>` for the client under test. */
  readonly url: string;
  /** Crash right after the first message (from now on) whose subject passes `test`. */
  arm(test: (subject: string) => boolean): void;
  /** Resolves with the subject it crashed after, once it has. */
  readonly crashed: Promise<string>;
  close(): Promise<void>;
}

export async function startCrashingLink(serverPort: number): Promise<CrashingLink> {
  let armed: ((subject: string) => boolean) | undefined;
  let dead = false;
  let reportCrash: (subject: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    if (dead) {
      client.destroy();
      return;
    }
    const upstream = connectTcp(serverPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk) => client.write(chunk));
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n');
        if (end < 0) return;
        const line = pending.subarray(0, end).toString('latin1');
        const [verb, subject, ...rest] = line.split(' ');
        let length = end + 2;
        const isPub = verb?.toUpperCase() === 'PUB' || verb?.toUpperCase() === 'HPUB';
        if (isPub) {
          length += Number(rest[rest.length - 1]) + 2;
          if (pending.length < length) return;
        }
        upstream.write(pending.subarray(0, length));
        pending = pending.subarray(length);
        if (isPub && subject !== undefined && armed?.(subject)) {
          dead = true;
          // Written before the cut: the server reads the message, then sees the connection end.
          upstream.end();
          client.destroy();
          for (const socket of sockets) if (socket !== upstream) socket.destroy();
          reportCrash(subject);
          return;
        }
      }
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${port}`,
    arm: (test) => void (armed = test),
    crashed,
    async close() {
      dead = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
