// A local process of another OS user trying to take over a kiosk (issue "Least privilege as
// deployed"): run as `runuser -u nobody -- node local-user-probe.mjs '<json>'`. Plain JavaScript,
// no TypeScript loader, so that it runs as any user. One probe for the embedded stack and the
// generated kiosk box (tests/integration) and for a rehearsed kiosk (local-user.ts). It asks the UI server for every page's login
// the way the page does, logs in to NATS over TCP and over the websocket with whatever it found
// (and with nothing), and reads the credential files. It prints one JSON object with what it got.
//
// Input: { httpUrl, natsPort, wsPort, files: string[] }.
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import WebSocket from 'ws';

const input = JSON.parse(process.argv[2] ?? '{}');
const PAGES = ['kiosk', 'staff', 'inspector', 'dashboard'];

/** NATS' client handshake over any byte pipe: INFO in, CONNECT + PING out, PONG or -ERR back. */
function handshake(send, onData, login) {
  return new Promise((resolve) => {
    let text = '';
    let greeted = false;
    onData((chunk) => {
      text += chunk;
      if (!greeted && text.includes('\r\n')) {
        greeted = true;
        const connect = { verbose: false, pedantic: false, protocol: 1, lang: 'probe', version: '0', ...(login ?? {}) };
        send(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
      }
      if (text.includes('-ERR')) resolve(`refused: ${text.slice(text.indexOf('-ERR')).split('\r\n')[0]}`);
      else if (text.includes('PONG')) resolve('connected');
    }, (why) => resolve(`closed: ${why}`));
  });
}

function natsOverTcp(port, login) {
  const socket = tcpConnect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  return handshake(
    (line) => socket.write(line),
    (onChunk, onClose) => {
      socket.on('data', onChunk);
      socket.on('close', () => onClose('connection closed'));
      socket.on('error', (error) => onClose(error.code ?? error.message));
    },
    login,
  ).finally(() => socket.destroy());
}

function natsOverWebsocket(port, origin, login) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { origin });
  return handshake(
    (line) => ws.send(Buffer.from(line)),
    (onChunk, onClose) => {
      ws.on('message', (data) => onChunk(data.toString()));
      ws.on('close', () => onClose('connection closed'));
      ws.on('error', (error) => onClose(error.message));
    },
    login,
  ).finally(() => ws.terminate());
}

const result = { uid: process.getuid(), pages: {}, tcp: {}, websocket: {}, files: {} };
const logins = [];
for (const page of PAGES) {
  // As the page asks: a same-origin fetch.
  const response = await fetch(`${input.httpUrl}/config.json?page=${page}`, { headers: { 'sec-fetch-site': 'same-origin' } });
  const body = await response.json().catch(() => ({}));
  result.pages[page] = { status: response.status, error: body.error, gotLogin: body.nats !== undefined };
  if (body.nats !== undefined) logins.push({ user: body.nats.user, pass: body.nats.password });
}
for (const file of input.files) {
  try {
    const text = await readFile(file, 'utf8');
    result.files[file] = 'readable';
    const parsed = JSON.parse(text);
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') logins.push({ user: parsed.user, pass: parsed.password });
  } catch (error) {
    result.files[file] = error.code ?? error.message;
  }
}
for (const login of [undefined, ...logins]) {
  const who = login?.user ?? '(anonymous)';
  result.tcp[who] = await natsOverTcp(input.natsPort, login);
  result.websocket[who] = await natsOverWebsocket(input.wsPort, input.httpUrl, login);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
