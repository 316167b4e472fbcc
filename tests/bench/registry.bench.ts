// The registry's benchmark (`npm run bench -- registry`). In one run, on one nats-server:
//   1. bare NATS request/reply to a responder in its own process, 64 in flight: the baseline;
//   2. identify and accept through a registry instance in its own process, the same way, and the
//      floor under accept: the bench itself storing a change of the same size the way the registry
//      does (one publish per change, compare-and-set on the card's subject, a message id, on a
//      stream configured like RA_EVENTS), with no registry at all
//      (1 and 2 alternate in 3 rounds, and the median round of each is compared);
//   3. importing 10,000 issuance records at the production scrypt cost;
//   4. verify at the production cost, against the scrypt bound: cores ÷ time of one hash.
// It prints each result as a ratio to its baseline, and the CPU time each process spent per request
// of steps 1 and 2 (from /proc), and where the machine's CPU went during step 4 (cpu-account.ts).
// It asserts nothing: it measures. REGISTRY_BENCH_STEPS=requests runs steps 1 and 2 only (for
// profiling them: REGISTRY_BENCH_CPU_PROF below); REGISTRY_BENCH_STEPS=verify runs step 4 only.
//
// The registry process of step 2 hashes user codes at a low cost so that the thousands of cards it
// needs can be imported and verified in seconds; identify and accept of a self-applied card compute
// no hash, so that cost does not enter what steps 2 measures. Steps 3 and 4 run a fresh registry
// process at the production cost.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { headers, nanos, type NatsConnection } from '@nats-io/nats-core';
import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { REGISTRY_SUBJECTS, type AdminImportRequest } from '../../machines/contract/index.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { HASHING_THREADS, hashUserCode, PRODUCTION_SCRYPT_COST } from '../../services/registry/registry-secrets.ts';
import { AckedPublisher } from '../../platform/acked-publisher.ts';
import { EVENTS_MAX_BYTES } from '../../services/registry/registry-store.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { cpuSnapshot, describeCpu } from './cpu-account.ts';
import { ECHO_SUBJECT, profiled, spawnHost, stopHost } from './registry-bench-host.ts';
import { record } from './measures.ts';

const IN_FLIGHT = 64;
const KINDS = ['bare', 'identify', 'accept', 'store'] as const;
type Kind = (typeof KINDS)[number];
const ROUNDS = 3;
const BARE_REQUESTS = 20_000;
const IDENTIFY_REQUESTS = 20_000;
const ACCEPTS_PER_ROUND = 5_000;
const IMPORT_RECORDS = Number(process.env.REGISTRY_BENCH_IMPORT || 10_000);
const VERIFY_REQUESTS = 640;
/** Steps 1 and 2 only, recording nothing for docs/benchmarks.md (a partial run is no report). */
const REQUESTS_ONLY = process.env.REGISTRY_BENCH_STEPS === 'requests';
/** Step 4 only (its cards imported first, at the production cost), recording nothing either. */
const VERIFY_ONLY = process.env.REGISTRY_BENCH_STEPS === 'verify';
const USER_CODE = 'Bench$123';
const SERIAL = 'be9c4';

type ImportRecord = AdminImportRequest['records'][number];

// ---------------------------------------------------------------------------------------------
// Load generation and statistics.

interface Run {
  readonly label: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/** `total` requests with `IN_FLIGHT` outstanding at any time; every one must succeed. */
async function drive(label: string, total: number, send: (index: number) => Promise<void>): Promise<Run> {
  const latencies = new Float64Array(total);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      await send(index);
      latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { label, perSecond: total / seconds, p50: at(0.5), p99: at(0.99), count: total };
}

/** 3125 "busy" answers the bench was given (and asked again after). */
let busyAnswers = 0;

async function request(nc: NatsConnection, subject: string, body: unknown): Promise<Record<string, unknown>> {
  // A verify past the registry's comparison queue (96) is answered 3125 "busy": back-pressure by
  // design. The bench asks again as the engine would, and counts how often (honest load like
  // this should never be turned away).
  for (let attempt = 0; ; attempt++) {
    const msg = await nc.request(subject, JSON.stringify(body), { timeout: 60_000 });
    const error = msg.headers?.get('Nats-Service-Error');
    if (error === '3125' && attempt < 10_000) {
      busyAnswers++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    if (error) throw new Error(`${subject} failed: ${error} ${msg.string()}`);
    return msg.json<Record<string, unknown>>();
  }
}

/** The run of median throughput. */
function median(runs: readonly Run[]): Run {
  return [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as Run;
}

function perRound(runs: readonly Run[]): string {
  return runs.map((run) => run.perSecond.toFixed(0)).join(' / ');
}

function show(run: Run): void {
  console.log(
    `${run.label.padEnd(28)} ${run.perSecond.toFixed(0).padStart(7)} req/s   p50 ${run.p50.toFixed(2).padStart(6)} ms   p99 ${run.p99.toFixed(2).padStart(6)} ms   (${run.count} requests, ${IN_FLIGHT} in flight)`,
  );
}

function ratio(label: string, value: number, target: string): void {
  console.log(`  ${label.padEnd(44)} ${value.toFixed(2).padStart(5)}   (target ${target})`);
}

/** Every bench card carries the same certificate-key fingerprint: identify compares it, nothing signs here. */
const BENCH_CARD_KEY = 'be'.repeat(32);

function cardsOf(prefix: string, count: number): ImportRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    cardNumber: `${prefix}${String(index).padStart(8, '0')}`,
    route: 'self-applied' as const,
    holderName: '效能測試公司',
    ubn: '97969933',
    email: 'bench@example.com.tw',
    validFrom: '2020-01-01T00:00:00Z',
    validTo: '2040-01-01T00:00:00Z',
    status: 'issued' as const,
    userCode: USER_CODE,
    certSerial: SERIAL,
    soCredential: randomBytes(12).toString('base64url'),
    certificateKeySha256: BENCH_CARD_KEY,
  }));
}

/** Hashes per second with `IN_FLIGHT` hashes queued on this process's threadpool at once. */
async function parallelHashRate(count: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, () => hashUserCode(USER_CODE, PRODUCTION_SCRYPT_COST)));
  return (count * 1000) / (performance.now() - started);
}

async function timeOneHash(): Promise<number> {
  for (let i = 0; i < 3; i++) await hashUserCode(USER_CODE, PRODUCTION_SCRYPT_COST);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    await hashUserCode(USER_CODE, PRODUCTION_SCRYPT_COST);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[10] as number;
}

/** Step 4: verify at the production cost through `registry`, against the scrypt bound and scrypt alone. */
async function verifyStep(nc: NatsConnection, registry: ChildProcess, serverPid: number, records: readonly ImportRecord[]) {
  const cores = availableParallelism();
  const hashMs = await timeOneHash();
  const bound = (cores * 1000) / hashMs;
  busyAnswers = 0;
  const processes = { client: process.pid, 'nats-server': serverPid, registry: registry.pid ?? -1 };
  const before = cpuSnapshot(processes);
  const verify = await profiled(registry, 'verify', () => drive('verify', Math.min(VERIFY_REQUESTS, records.length), (index) => {
    const card = records[index] as ImportRecord;
    return request(nc, REGISTRY_SUBJECTS.verify, { cardNumber: card.cardNumber, certSerial: SERIAL, kioskId: `kiosk-${index % 50}`, route: 'self-applied', userCode: USER_CODE }).then(() => undefined);
  }));
  const after = cpuSnapshot(processes);
  await stopHost(registry);
  // What the machine gives scrypt alone right now: tells the registry's overhead from other load.
  const machineRate = await parallelHashRate(4 * IN_FLIGHT);
  show(verify);
  console.log(`  (${busyAnswers} verifies answered 3125 "busy" and asked again; kiosks kiosk-0…kiosk-49, each within its limit)`);
  console.log(`  where the ${cores} cores went during verify (the registry's other threads are where scrypt runs):`);
  for (const line of describeCpu(before, after, verify.count, 'verify')) console.log(line);
  console.log(`one scrypt hash              ${hashMs.toFixed(1)} ms (median of 21) → scrypt bound ${cores} ÷ ${hashMs.toFixed(1)} ms = ${bound.toFixed(1)} verifies/s`);
  console.log(`scrypt alone, ${4 * IN_FLIGHT} queued  ${machineRate.toFixed(1)} hashes/s on this process's hashing threads (${HASHING_THREADS})`);
  return { verify, hashMs, bound, machineRate };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'registry-bench-'));
  const server = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'bench' });
  const key = randomBytes(32).toString('hex');
  const nc = await connect({ servers: server.url, name: 'bench-client' });
  const cores = availableParallelism();
  console.log(`registry benchmark: ${cores} cores, nats-server ${nc.info?.version}, scrypt N=${PRODUCTION_SCRYPT_COST.N} r=${PRODUCTION_SCRYPT_COST.r} p=${PRODUCTION_SCRYPT_COST.p}, libuv threadpool ${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  try {
    if (VERIFY_ONLY) {
      const production = await spawnHost('registry', server.url, join(dataDir, 'production'), key);
      const records = cardsOf('BV', VERIFY_REQUESTS);
      await importCards(nc, records);
      const { verify, bound, machineRate } = await verifyStep(nc, production, server.pid, records);
      console.log('\nratios (measured in this run; steps 1 to 3 skipped, REGISTRY_BENCH_STEPS=verify):');
      ratio('verify ÷ scrypt bound', verify.perSecond / bound, '≥ 0.9');
      ratio('verify ÷ scrypt alone', verify.perSecond / machineRate, 'informative');
      return;
    }
    // 1 and 2, in alternating rounds: load from elsewhere on the machine then hits all three alike.
    const echo = await spawnHost('echo', server.url, dataDir, key);
    const low = await spawnHost('registry-low', server.url, join(dataDir, 'low'), key);
    const cards = cardsOf('BA', ACCEPTS_PER_ROUND * ROUNDS);
    await importCards(nc, cards);
    const activations = new Array<string>(cards.length);
    await drive('(setup: verify)', cards.length, async (index) => {
      const card = cards[index] as ImportRecord;
      const reply = await request(nc, REGISTRY_SUBJECTS.verify, { cardNumber: card.cardNumber, certSerial: SERIAL, kioskId: `kiosk-${index % 50}`, route: 'self-applied', userCode: USER_CODE });
      activations[index] = reply.activationId as string;
    });
    const probe = { cardNumber: 'BA00000000', certSerial: SERIAL };
    const identifyOf = (index: number) => ({ cardNumber: (cards[index % cards.length] as ImportRecord).cardNumber, certSerial: SERIAL, certificateKeySha256: BENCH_CARD_KEY });
    const bareOnce = () => request(nc, ECHO_SUBJECT, probe).then(() => undefined);
    const identifyOnce = (index: number) => request(nc, REGISTRY_SUBJECTS.identify, identifyOf(index)).then(() => undefined);
    await drive('warm-up', 3_000, bareOnce);
    await drive('warm-up', 3_000, identifyOnce);
    // The stored write alone: a stream like RA_EVENTS, a body as long as an accepted card's change message.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'BENCH_STORE', subjects: ['bench.store.>'], storage: StorageType.File, duplicate_window: nanos(10 * 60_000),
      deny_delete: true, deny_purge: true, max_bytes: EVENTS_MAX_BYTES, discard: DiscardPolicy.New, allow_direct: true,
    });
    const changeBody = (await jsm.direct.getMessage('RA_EVENTS', { last_by_subj: `ra.events.${(cards[0] as ImportRecord).cardNumber}.change` }))?.data ?? new Uint8Array();
    const publisher = new AckedPublisher(nc);
    const storedSeq = new Map<string, number>();
    let storeMessages = 0;
    const storeOnce = async (index: number) => {
      const subject = `bench.store.${(cards[index % cards.length] as ImportRecord).cardNumber}`;
      const header = headers();
      header.set('Nats-Expected-Last-Subject-Sequence', String(storedSeq.get(subject) ?? 0));
      header.set('Nats-Msg-Id', `store-${storeMessages++}`);
      const ack = await publisher.publish(subject, changeBody, header);
      storedSeq.set(subject, ack.seq);
    };
    // Every card's subject gets a first message, so that each measured write, like an accept,
    // compares against an existing last sequence of its subject.
    await drive('(setup: stored writes)', cards.length, storeOnce);
    const rounds: Record<Kind, Run[]> = { bare: [], identify: [], accept: [], store: [] };
    // CPU time each process spent per request, summed over the rounds: what a run costs where,
    // whatever else the machine was doing (docs/benchmarks.md, "What bounds the missed targets").
    const processes = { client: process.pid, 'nats-server': server.pid, responder: echo.pid ?? -1, registry: low.pid ?? -1 };
    const cpu: Record<Kind, Record<string, number>> = { bare: {}, identify: {}, accept: {}, store: {} };
    const calls: Record<Kind, Record<string, { reads: number; writes: number }>> = { bare: {}, identify: {}, accept: {}, store: {} };
    const measured = async (kind: Kind, run: () => Promise<Run>) => {
      const before = cpuSnapshot(processes).processes;
      rounds[kind].push(kind === 'store' ? await run() : await profiled(kind === 'bare' ? echo : low, `${kind}-${rounds[kind].length + 1}`, run));
      const after = cpuSnapshot(processes).processes;
      for (const name of Object.keys(processes)) {
        const [was, is] = [before[name], after[name]];
        const used = (times: typeof was) => (times === undefined ? 0 : times.main + times.threads);
        cpu[kind][name] = (cpu[kind][name] ?? 0) + (used(is) - used(was));
        const sum = calls[kind][name] ?? { reads: 0, writes: 0 };
        calls[kind][name] = { reads: sum.reads + ((is?.reads ?? 0) - (was?.reads ?? 0)), writes: sum.writes + ((is?.writes ?? 0) - (was?.writes ?? 0)) };
      }
    };
    for (let round = 0; round < ROUNDS; round++) {
      await measured('bare', () => drive('bare request/reply', BARE_REQUESTS, bareOnce));
      await measured('identify', () => drive('identify', IDENTIFY_REQUESTS, identifyOnce));
      const offset = round * ACCEPTS_PER_ROUND;
      await measured('accept', () =>
        drive('accept', ACCEPTS_PER_ROUND, (index) => request(nc, REGISTRY_SUBJECTS.accept, { activationId: activations[offset + index] }).then(() => undefined)),
      );
      await measured('store', () => drive('stored write alone', ACCEPTS_PER_ROUND, (index) => storeOnce(offset + index)));
    }
    publisher.close();
    await stopHost(echo);
    await stopHost(low);
    const bare = median(rounds.bare);
    const identify = median(rounds.identify);
    const accept = median(rounds.accept);
    const store = median(rounds.store);
    for (const run of [bare, identify, accept, store]) show(run);
    console.log(`  (req/s of each of the ${ROUNDS} rounds — bare ${perRound(rounds.bare)}; identify ${perRound(rounds.identify)}; accept ${perRound(rounds.accept)}; stored write ${perRound(rounds.store)}; the median round is shown; change body ${changeBody.length} B)`);
    const counts = { bare: BARE_REQUESTS * ROUNDS, identify: IDENTIFY_REQUESTS * ROUNDS, accept: ACCEPTS_PER_ROUND * ROUNDS, store: ACCEPTS_PER_ROUND * ROUNDS };
    const involved = (kind: Kind, name: string) => (kind === 'bare' ? name !== 'registry' : kind === 'store' ? name === 'client' || name === 'nats-server' : name !== 'responder');
    for (const kind of KINDS) {
      const parts = Object.entries(cpu[kind]).filter(([name]) => involved(kind, name));
      const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
      console.log(`  CPU per ${kind.padEnd(8)} ${parts.map(([name, ms]) => `${name} ${((ms * 1000) / counts[kind]).toFixed(0)} µs`).join(', ')}; all ${((total * 1000) / counts[kind]).toFixed(0)} µs`);
    }
    for (const kind of KINDS) {
      const parts = Object.entries(calls[kind]).filter(([name]) => involved(kind, name));
      const per = (n: number) => (n / counts[kind]).toFixed(2);
      console.log(`  read / write calls per ${kind.padEnd(8)} ${parts.map(([name, n]) => `${name} ${per(n.reads)} / ${per(n.writes)}`).join(', ')}`);
    }

    if (REQUESTS_ONLY) {
      console.log('\nratios (measured in this run; steps 3 and 4 skipped, REGISTRY_BENCH_STEPS=requests):');
      ratio('identify ÷ bare request/reply (throughput)', identify.perSecond / bare.perSecond, '≥ 0.8');
      ratio('accept ÷ bare request/reply (throughput)', accept.perSecond / bare.perSecond, '≥ 0.7');
      ratio('stored write alone ÷ bare (accept\'s ceiling)', store.perSecond / bare.perSecond, 'informative');
      ratio('accept ÷ stored write alone', accept.perSecond / store.perSecond, 'informative');
      console.log(`  ${'accept p99 at 64 in flight'.padEnd(44)} ${accept.p99.toFixed(2).padStart(5)} ms (target < 15 ms; bare request/reply p99 in the same run ${bare.p99.toFixed(2)} ms)`);
      return;
    }

    // 3. import at the production cost.
    const production = await spawnHost('registry', server.url, join(dataDir, 'production'), key);
    const records = cardsOf('BI', IMPORT_RECORDS);
    const importStarted = performance.now();
    await importCards(nc, records);
    const importSeconds = (performance.now() - importStarted) / 1000;
    console.log(`import                       ${IMPORT_RECORDS} self-applied records in ${importSeconds.toFixed(1)} s (${(IMPORT_RECORDS / importSeconds).toFixed(1)} records/s; each one scrypt hash)`);

    // 4. verify at the production cost, against the scrypt bound.
    const { verify, hashMs, bound, machineRate } = await verifyStep(nc, production, server.pid, records);

    console.log('\nratios (measured in this run):');
    ratio('identify ÷ bare request/reply (throughput)', identify.perSecond / bare.perSecond, '≥ 0.8');
    ratio('accept ÷ bare request/reply (throughput)', accept.perSecond / bare.perSecond, '≥ 0.7');
    ratio('stored write alone ÷ bare (accept\'s ceiling)', store.perSecond / bare.perSecond, 'informative');
    ratio('accept ÷ stored write alone', accept.perSecond / store.perSecond, 'informative');
    ratio('verify ÷ scrypt bound', verify.perSecond / bound, '≥ 0.9');
    ratio('verify ÷ scrypt alone', verify.perSecond / machineRate, 'informative');
    ratio('import ÷ scrypt bound', IMPORT_RECORDS / importSeconds / bound, 'informative');
    console.log(`  ${'accept p99 at 64 in flight'.padEnd(44)} ${accept.p99.toFixed(2).padStart(5)} ms (target < 15 ms; bare request/reply p99 in the same run ${bare.p99.toFixed(2)} ms)`);
    const bareBase = { name: `bare request/reply, ${IN_FLIGHT} in flight`, value: bare.perSecond };
    record({ bench: 'registry', name: `identify throughput, ${IN_FLIGHT} in flight`, value: identify.perSecond, unit: 'req/s', baseline: bareBase, compared: 'ratio', target: { op: '≥', value: 0.8 } });
    record({ bench: 'registry', name: `accept throughput, ${IN_FLIGHT} in flight`, value: accept.perSecond, unit: 'req/s', baseline: bareBase, compared: 'ratio', target: { op: '≥', value: 0.7 } });
    record({ bench: 'registry', name: `accept p99, ${IN_FLIGHT} in flight`, value: accept.p99, unit: 'ms', baseline: { name: 'bare request/reply p99', value: bare.p99 }, compared: 'value', target: { op: '<', value: 15 } });
    record({ bench: 'registry', name: 'verify throughput at production scrypt cost', value: verify.perSecond, unit: 'verifies/s', baseline: { name: `scrypt bound (${cores} cores ÷ ${hashMs.toFixed(1)} ms)`, value: bound }, compared: 'ratio', target: { op: '≥', value: 0.9 } });
  } finally {
    await nc.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
