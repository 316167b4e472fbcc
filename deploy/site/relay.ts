// How the harness on this machine reaches a port that a box serves on its own loopback only (a
// hub node's client port, a kiosk's UI): a relay inside the box's namespace from a Unix socket to
// 127.0.0.1:<port>, and, in the harness, a loopback port of this machine relayed to that socket.
// A Unix socket is a file, so it crosses network namespaces without any route or address: nothing
// of a box becomes reachable from outside this machine.
import { createServer, connect, type Server } from 'node:net';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordProcess, startGroup, type RunState } from './host.ts';
import type { Box } from './boxes.ts';

const BOX_SIDE = `
const net = require('node:net');
const [socket, port] = process.argv.slice(1);
net.createServer((client) => {
  const target = net.connect(Number(port), '127.0.0.1');
  client.pipe(target).pipe(client);
  const end = () => { client.destroy(); target.destroy(); };
  client.on('error', end); target.on('error', end);
}).listen(socket);
`;

export interface Relay {
  box: string;
  port: number;
  /** The loopback port of this machine that reaches the box's 127.0.0.1:<port>. */
  localPort: number;
  socket: string;
}

/** The box's end: started once per box and port, recorded as a process of the run. */
export async function startBoxRelay(state: RunState, box: Box, port: number): Promise<string> {
  const socket = join(state.dir, 'relays', `${box.name}-${port}.sock`);
  await mkdir(join(state.dir, 'relays'), { recursive: true, mode: 0o700 });
  await rm(socket, { force: true });
  const pid = await startGroup('ip', ['netns', 'exec', box.namespace, process.execPath, '-e', BOX_SIDE, socket, String(port)], join(box.root, 'log', `relay-${port}.log`));
  await recordProcess(state, pid, box.name, `${box.name}/relay-${port}`);
  return socket;
}

const LOCAL_SIDE = `
const net = require('node:net');
const [socket, port] = process.argv.slice(1);
net.createServer((client) => {
  const target = net.connect(socket);
  client.pipe(target).pipe(client);
  const end = () => { client.destroy(); target.destroy(); };
  client.on('error', end); target.on('error', end);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\\n'));
`;

/** This machine's end as its own process (it outlives the rehearsal's command with --keep): a free loopback port. */
export async function startLocalRelay(state: RunState, box: Box, socket: string, port: number): Promise<number> {
  const { server, port: free } = await listenLocal(socket, 0);
  server.close();
  const log = join(box.root, 'log', `local-relay-${port}.log`);
  const pid = await startGroup(process.execPath, ['-e', LOCAL_SIDE, socket, String(free)], log);
  await recordProcess(state, pid, box.name, `${box.name}/local-relay-${port}`);
  return free;
}

/** This machine's end: a loopback port in this process (`localPort` 0 picks a free one). */
export function listenLocal(socket: string, localPort = 0): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((client) => {
      const target = connect(socket);
      client.pipe(target).pipe(client);
      const end = () => {
        client.destroy();
        target.destroy();
      };
      client.on('error', end);
      target.on('error', end);
    });
    server.once('error', reject);
    server.listen(localPort, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}
