// card.read and card.set-pin through NATS and the card agent, against the same work done directly
// on pkcs11js (and, for set-pin, the same registry calls made directly) in the same run, on real
// SoftHSM2 tokens, a real nats-server and a real registry. Prints p50/p99 and our added latency;
// the target is under 1 ms p50 per call. The agent reads a card once per insertion
// (card/insertion-cache.ts): `card.read` is the engine's read of a card already read, and
// `card.read, first of an insertion` the one that goes to the card, each against the direct read.
// Set-pin on both sides includes the `complete` the engine sends with the card's proof. The two
// sides take turns call by call, each going first every other time, so that the machine's noise
// falls on both alike. Everything the run stores (SoftHSM2 tokens, JetStream) is under
// CARD_BENCH_TMPDIR, by default /dev/shm where there is one: the same writes happen on both sides,
// and on a shared disk they were half of each set-pin and most of its spread. Knobs:
// CARD_BENCH_SET_PINS (set-pins a side, default 150; every card is made before anything is timed),
// CARD_BENCH_STEPS=set-pin (only the set-pin rounds, e.g. under `node --cpu-prof`). Measures,
// never asserts.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import pkcs11js from 'pkcs11js';
import {
  AcceptReplySchema,
  CardDataSchema,
  CompleteReplySchema,
  kioskSubjects,
  OkReplySchema,
  PinGrantReplySchema,
  REGISTRY_SUBJECTS,
  registrySubjectFor,
  SetPinReplySchema,
  VerifyReplySchema,
} from '../../machines/contract/index.ts';
import { startCardAgent } from '../../card/agent.service.ts';
import { record } from './measures.ts';
import { certificatePublicKey, chooseCardCertificate, parseCardCertificate } from '../../card/token/certificate.ts';
import { enrollAgentKey, importCards } from '../../platform/registry-admin-client.ts';
import { loadOrCreateAgentKey } from '../../card/agent-key.ts';
import { grantKeyStatement, possessionStatement, signWithAgentKey } from '../../platform/card-proofs.ts';
import { createHash } from 'node:crypto';
import { startRegistry } from '../../services/registry/registry.service.ts';
import { requestJson } from '../../platform/nats-json.ts';
import { startNatsServer } from '../../platform/nats-server.ts';
import { generateOneTimeKeyPair, openGrant, pinGrantContext } from '../../platform/pin-grant-jwe.ts';
import { cardRecord, startTestTokens } from '../support/softhsm.ts';

const READS = 2_000;
const FIRST_READS = 200;
const SET_PINS = positiveInteger(process.env.CARD_BENCH_SET_PINS, 150);
const ONLY_SET_PIN = process.env.CARD_BENCH_STEPS === 'set-pin';
const KIOSK = 'kiosk-bench';
const USER_CODE = 'Test$123';
const MODULE = '/usr/lib/softhsm/libsofthsm2.so';

function positiveInteger(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`not a positive whole number: ${text}`);
  return value;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function report(name: string, direct: number[], viaAgent: number[]): void {
  const [d50, a50] = [percentile(direct, 50), percentile(viaAgent, 50)];
  // The median of each turn's difference: the two calls of a turn ran under the same load.
  const paired = percentile(viaAgent.map((took, i) => took - (direct[i] ?? Number.NaN)), 50);
  console.log(
    `${name.padEnd(33)} direct p50 ${d50.toFixed(3)} ms  p99 ${percentile(direct, 99).toFixed(3)} ms | ` +
      `via NATS p50 ${a50.toFixed(3)} ms  p99 ${percentile(viaAgent, 99).toFixed(3)} ms | ` +
      `added p50 ${(a50 - d50).toFixed(3)} ms (per turn ${paired.toFixed(3)} ms)  ratio ${(a50 / d50).toFixed(2)}x  (target: added < 1 ms)`,
  );
  record({ bench: 'card agent', name: `${name} p50 via NATS`, value: a50, unit: 'ms', baseline: { name: 'direct pkcs11js p50', value: d50 }, compared: 'added', target: { op: '<', value: 1 } });
}

async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Turn `turn` of the two sides: both timed, the direct side first on even turns, ours on odd ones. */
async function takeTurns(turn: number, direct: () => Promise<number>, viaAgent: () => Promise<number>): Promise<[number, number]> {
  if (turn % 2 === 0) {
    const directTook = await direct();
    return [directTook, await viaAgent()];
  }
  const agentTook = await viaAgent();
  return [await direct(), agentTook];
}

const storage = process.env.CARD_BENCH_TMPDIR || (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const dataDir = await mkdtemp(join(storage, 'kiosk-bench-card-'));
const server = await startNatsServer({ dataDir: join(dataDir, 'nats'), name: 'bench' });
const tokens = await startTestTokens(join(dataDir, 'cards'));
const registryNc = await connect({ servers: server.url, name: 'registry' });
const registry = await startRegistry({
  nc: registryNc,
  dataDir,
  secretKey: Buffer.alloc(32, 5),
  scryptCost: { N: 1024, r: 8, p: 1 },
  kioskRateLimit: { burst: 10_000, perMinute: 10_000 },
});
const engine: NatsConnection = await connect({ servers: server.url, name: 'engine' });

const READ_CARD = 'TB00000000000001';
const pinCards = Array.from({ length: SET_PINS * 2 }, (_, i) => `TB${String(100 + i).padStart(14, '0')}`);
const made = [await tokens.make(cardRecord(READ_CARD))];
for (const cardNumber of pinCards) made.push(await tokens.make(cardRecord(cardNumber)));
const serials = new Map(made.map((card) => [card.cardNumber, card.certSerial]));
await importCards(
  engine,
  made.map((card) => ({ ...cardRecord(card.cardNumber), certSerial: card.certSerial, soCredential: card.soCredential, certificateKeySha256: card.certificateKeySha256 })),
);
// The baseline signs as the kiosk's enrolled agent too (the same key file the agent reads).
const agentKey = await loadOrCreateAgentKey(join(dataDir, 'cards'), KIOSK);
await enrollAgentKey(engine, KIOSK, agentKey.publicKey);
// The bench's own pkcs11js instance below must be the only one initialised while it runs.
await tokens.stop();

async function acceptedActivation(cardNumber: string): Promise<string> {
  const verified = await requestJson(
    engine,
    REGISTRY_SUBJECTS.verify,
    { cardNumber, certSerial: serials.get(cardNumber) ?? '', kioskId: KIOSK, route: 'self-applied', userCode: USER_CODE },
    VerifyReplySchema,
    { unreachable: '3125' },
  );
  await requestJson(engine, REGISTRY_SUBJECTS.accept, { activationId: verified.activationId }, AcceptReplySchema, { unreachable: '3125' });
  return verified.activationId;
}

// Both sides run in this process and take turns, call by call, so that load from anything else on
// the machine falls on both alike. The direct side uses pkcs11js in this thread (the library is
// one instance per process: the agent's worker finds it initialised, which it accepts).
const lib = new pkcs11js.PKCS11();
lib.load(MODULE);
lib.C_Initialize();
const slotOf = (label: string) => {
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === label);
  if (slot === undefined) throw new Error(`no token ${label}`);
  return slot;
};

function directRead(slot: Buffer): void {
  const info = lib.C_GetTokenInfo(slot);
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]);
    const objects = lib.C_FindObjects(session, 32);
    lib.C_FindObjectsFinal(session);
    const certificates = objects.map((object) => ({
      der: new Uint8Array(lib.C_GetAttributeValue(session, object, [{ type: pkcs11js.CKA_VALUE }])[0]?.value ?? Buffer.alloc(0)),
      id: '',
      label: '',
    }));
    const der = chooseCardCertificate(certificates).der;
    parseCardCertificate(der);
    // The key's fingerprint, as card.read answers it (the registry binds the card by it).
    createHash('sha256').update(certificatePublicKey(der)).digest('base64url');
    if (info.label.trim() !== READ_CARD) throw new Error('wrong token');
  } finally {
    lib.C_CloseSession(session);
  }
}

async function directSetPin(cardNumber: string, activationId: string, slot: Buffer): Promise<void> {
  const key = generateOneTimeKeyPair();
  const grant = await requestJson(
    engine,
    registrySubjectFor('pinGrant', KIOSK),
    {
      activationId,
      cardNumber,
      agentPublicKey: key.publicKey,
      agentKeySignature: signWithAgentKey(agentKey.privateKey, grantKeyStatement(activationId, KIOSK, key.publicKey)),
    },
    PinGrantReplySchema,
    { unreachable: '3125' },
  );
  const so = await openGrant(grant.sealed, key, pinGrantContext(activationId, cardNumber));
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  let proof: { publicKey: string; signature: string };
  try {
    lib.C_Login(session, pkcs11js.CKU_SO, so.toString('utf8'));
    lib.C_InitPIN(session, 'Bench#01');
    lib.C_Logout(session);
    // The proof of possession, the same work the agent does: user login, C_Sign with the card key.
    lib.C_Login(session, pkcs11js.CKU_USER, 'Bench#01');
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]);
    const [certificate] = lib.C_FindObjects(session, 1);
    lib.C_FindObjectsFinal(session);
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
    const [privateKey] = lib.C_FindObjects(session, 1);
    lib.C_FindObjectsFinal(session);
    if (certificate === undefined || privateKey === undefined) throw new Error('no card key');
    const der = lib.C_GetAttributeValue(session, certificate, [{ type: pkcs11js.CKA_VALUE }])[0]?.value ?? Buffer.alloc(0);
    lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
    const digest = createHash('sha256').update(possessionStatement(activationId, cardNumber, grant.proofNonce)).digest();
    const signature = lib.C_Sign(session, digest, Buffer.alloc(128));
    lib.C_Logout(session);
    proof = { publicKey: Buffer.from(certificatePublicKey(new Uint8Array(der))).toString('base64url'), signature: signature.toString('base64url') };
  } finally {
    lib.C_CloseSession(session);
    so.fill(0);
  }
  await requestJson(engine, registrySubjectFor('complete', KIOSK), { activationId, cardNumber, proof }, CompleteReplySchema, { unreachable: '3125' });
}

const agent = await startCardAgent({
  nc: await connect({ servers: server.url, name: 'card-agent' }),
  kioskId: KIOSK,
  dataDir: join(dataDir, 'cards'),
  reader: 'sim',
  log: () => undefined,
});
const s = kioskSubjects(KIOSK);
const ask = (subject: string, body: unknown, schema: Parameters<typeof requestJson>[3]) =>
  requestJson(engine, subject, body, schema, { unreachable: 'CARD_UNREADABLE', timeout: 10_000 });

const directReads: number[] = [];
const agentReads: number[] = [];
const directFirstReads: number[] = [];
const agentFirstReads: number[] = [];
if (!ONLY_SET_PIN) {
  const readSlot = slotOf(READ_CARD);
  await ask(s.cardSimInsert, { cardNumber: READ_CARD }, OkReplySchema);
  for (let i = 0; i < 200; i++) {
    directRead(readSlot);
    await ask(s.cardRead, {}, CardDataSchema);
  }
  for (let i = 0; i < READS; i++) {
    const [direct, viaAgent] = await takeTurns(
      i,
      () => time(() => directRead(readSlot)),
      () => time(() => ask(s.cardRead, {}, CardDataSchema)),
    );
    directReads.push(direct);
    agentReads.push(viaAgent);
  }

  // The first read of an insertion: taken out and put back (untimed) before each timed read.
  for (let i = 0; i < FIRST_READS; i++) {
    await ask(s.cardSimRemove, {}, OkReplySchema);
    await ask(s.cardSimInsert, { cardNumber: READ_CARD }, OkReplySchema);
    const [direct, viaAgent] = await takeTurns(
      i,
      () => time(() => directRead(readSlot)),
      () => time(() => ask(s.cardRead, {}, CardDataSchema)),
    );
    directFirstReads.push(direct);
    agentFirstReads.push(viaAgent);
  }
}

const directPins: number[] = [];
const agentPins: number[] = [];
for (let i = 0; i < SET_PINS; i++) {
  const [direct, viaAgent] = [pinCards[2 * i] ?? '', pinCards[2 * i + 1] ?? ''];
  // Untimed: both activations accepted, the direct side's slot found, and, as at the kiosk, the
  // agent's card in the reader and read when it went in.
  const directActivation = await acceptedActivation(direct);
  const slot = slotOf(direct);
  const agentActivation = await acceptedActivation(viaAgent);
  await ask(s.cardSimInsert, { cardNumber: viaAgent }, OkReplySchema);
  await ask(s.cardRead, {}, CardDataSchema);
  const [directTook, agentTook] = await takeTurns(
    i,
    () => time(() => directSetPin(direct, directActivation, slot)),
    () =>
      time(async () => {
        const { proof } = await requestJson(engine, s.cardSetPin, { activationId: agentActivation, newPin: 'Bench#01' }, SetPinReplySchema, { unreachable: 'CARD_UNREADABLE', timeout: 10_000 });
        await requestJson(engine, registrySubjectFor('complete', KIOSK), { activationId: agentActivation, cardNumber: viaAgent, proof }, CompleteReplySchema, { unreachable: '3125' });
      }),
  );
  directPins.push(directTook);
  agentPins.push(agentTook);
}

console.log(`card agent over SoftHSM2, ${ONLY_SET_PIN ? 0 : READS} reads and ${SET_PINS} set-pins each way (loopback NATS, real registry, data under ${storage})`);
if (!ONLY_SET_PIN) {
  report('card.read', directReads, agentReads);
  report('card.read, first of an insertion', directFirstReads, agentFirstReads);
}
report('card.set-pin', directPins, agentPins);

await agent.stop();
await registry.stop();
await engine.close();
await registryNc.close();
await server.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
