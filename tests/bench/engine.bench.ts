// The engine's benchmark (`npm run bench -- engine`). In one run, on one nats-server:
//   1. bare NATS request/reply to an echo responder in its own process, one at a time: the baseline;
//   2. the engine round trip, one at a time: a user event published on `kiosk.<id>.input` until the
//      new view arrives on `kiosk.<id>.view`, with the engine in its own process as `npm start` runs
//      it. Each round trip is a real transition: the machine runs, the snapshot is persisted to KV,
//      then the view is published.
// It prints p50/p99 of each and the ratio. It asserts nothing: it measures.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { kioskSubjects, type View } from '../../machines/contract/index.ts';
import { partCommand } from '../../services/serve.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { record } from './measures.ts';

const ROUND_TRIPS = Number(process.env.ENGINE_BENCH_ROUND_TRIPS || 2_000);
const WARM_UP = 200;
const KIOSK = 'kiosk-bench';
const ECHO_SUBJECT = 'bench.echo';

const ECHO_SCRIPT = `
const { connect } = await import(process.argv[1]);
const nc = await connect({ servers: process.argv[2] });
nc.subscribe('${ECHO_SUBJECT}', { callback: (_e, msg) => { msg.respond(msg.data); } });
await nc.flush();
process.stdout.write('ready\\n');
process.on('SIGTERM', async () => { await nc.drain(); process.exit(0); });
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: 1000 / (samples.reduce((a, b) => a + b, 0) / samples.length) };
}

function waitForLine(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${text}"`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const dataDir = await mkdtemp(join(tmpdir(), 'kiosk-bench-engine-'));
const server = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'bench-engine' });
const children: ChildProcess[] = [];
try {
  const transport = import.meta.resolve('@nats-io/transport-node');
  const echo = spawn(process.execPath, ['--input-type=module', '-e', ECHO_SCRIPT, transport, server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(echo);
  await waitForLine(echo, 'ready');

  const { command, args } = partCommand('engine');
  const engine = spawn(command, args, { env: { ...process.env, NATS_URL: server.url, KIOSK_ID: KIOSK }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(engine);
  await waitForLine(engine, 'engine started');

  const nc = await connect({ servers: server.url, name: 'bench-driver' });
  const subjects = kioskSubjects(KIOSK);

  // 1. bare request/reply
  const payload = encodeJson({ type: 'user.setLanguage', lang: 'en' });
  const bare: number[] = [];
  for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
    const start = performance.now();
    await nc.request(ECHO_SUBJECT, payload, { timeout: 5_000 });
    if (i >= WARM_UP) bare.push(performance.now() - start);
  }

  // 2. engine round trip: toggle the language, wait for the view that shows it
  let waiting: ((view: View) => void) | undefined;
  nc.subscribe(subjects.view, { callback: (_e, msg) => waiting?.(msg.json<View>()) });
  await nc.flush();
  const initial = (await nc.request(subjects.viewGet, undefined, { timeout: 5_000 })).json<View>();
  let lang = initial.lang;
  const engineSamples: number[] = [];
  for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
    lang = lang === 'en' ? 'zh-TW' : 'en';
    const want = lang;
    const arrived = new Promise<void>((resolve) => {
      waiting = (view) => {
        if (view.lang === want) resolve();
      };
    });
    const start = performance.now();
    nc.publish(subjects.input, encodeJson({ type: 'user.setLanguage', lang }));
    await arrived;
    if (i >= WARM_UP) engineSamples.push(performance.now() - start);
  }
  await nc.drain();

  const b = summary(bare);
  const e = summary(engineSamples);
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  console.log(`engine benchmark, ${ROUND_TRIPS} sequential round trips each (after ${WARM_UP} warm-up), screen: ${initial.screen}`);
  console.log(`  bare NATS request/reply     p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  ${b.perSecond.toFixed(0)}/s`);
  console.log(`  engine input → new view     p50 ${ms(e.p50)}  p99 ${ms(e.p99)}  ${e.perSecond.toFixed(0)}/s  (transition + KV put + publish)`);
  console.log(`  ratio engine/bare           p50 ×${(e.p50 / b.p50).toFixed(2)}  p99 ×${(e.p99 / b.p99).toFixed(2)}  added p50 ${ms(e.p50 - b.p50)}  (target ≤ ×2)`);
  record({ bench: 'engine', name: 'input → new view round trip p50', value: e.p50, unit: 'ms', baseline: { name: 'bare request/reply p50', value: b.p50 }, compared: 'ratio', target: { op: '≤', value: 2 } });
} finally {
  for (const child of children) await stopChild(child);
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
