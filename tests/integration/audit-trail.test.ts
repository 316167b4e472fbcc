// The audit nobody can cut and the staff sign-ins that can be ended (docs/security.md, "The audit
// trail" and "Staff tokens"), on `npm start`'s locked nats-server with each part's own login:
// - the registry's own login cannot update, purge or delete RA_AUDIT or RA_EVENTS, nor a message;
// - two registry instances write one linear hash chain with signed checkpoints, and
//   `npm run audit -- verify` passes on `npm run audit -- export` and fails, naming the entry, on an
//   export with one entry removed, one edited, two swapped or one inserted;
// - `npm run staff -- list` works with staff-auth's own login;
// - `npm run staff -- revoke S001` ends S001's live token at the registry and at the kiosk's check;
//   sign-out ends one token;
// - a registry whose audit write fails refuses the unlock and leaves the card locked.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
import { errors, wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { registrySubjectFor, type RegistryEndpoint } from '../../machines/contract/index.ts';
import { STAFF_AUTH_SUBJECTS } from '../../machines/contract/staff.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { startNatsServer, type RunningNatsServer } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { embeddedServerAccess, readCredentials } from '../../services/stack/credentials/index.ts';
import { startStaffAuth } from '../../services/staff-auth/staff-auth.service.ts';
import { loadStaffTokenKeys } from '../../services/staff-auth/staff-token.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL, sampleCardRecord } from '../support/sample-cards.ts';
import { enrollTestStaff, staffTokenFor } from '../support/staff-token.ts';
import { until } from '../support/until.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const run = promisify(execFile);
const KIOSK = 'kiosk-1';
const SCRYPT = { N: 1024, r: 8, p: 1 };
const ROOT = join(import.meta.dirname, '../..');

let dataDir: string;
let server: RunningNatsServer;
const open: NatsConnection[] = [];
const registries: RunningRegistry[] = [];
let staffAuth: { stop(): Promise<void> } | undefined;
let admin: NatsConnection;
let staff: NatsConnection;

async function login(user: string, ws = false): Promise<NatsConnection> {
  const { password } = await readCredentials(dataDir, user);
  const options = { user, pass: password, inboxPrefix: `_INBOX.${user}`, name: `audit-test-${user}` };
  const nc = ws ? await wsconnect({ servers: server.wsUrl!, ...options }) : await connect({ servers: server.url, ...options });
  open.push(nc);
  return nc;
}

/** A CLI of the project against this stack, as an operator runs it (the admin login from DATA_DIR). */
function cli(script: string, args: string[]) {
  return run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, NATS_URL: server.url, NATS_USER: '', LOG_LEVEL: 'error' },
    timeout: 120_000,
  });
}

async function ask(nc: NatsConnection, subject: string, body: unknown): Promise<{ code?: string; body: Record<string, unknown> }> {
  const parsed = (await nc.request(subject, encodeJson(body), { timeout: 10_000 })).json<Record<string, unknown> & { error?: { code: string } }>();
  return parsed.error ? { code: parsed.error.code, body: parsed } : { body: parsed };
}
const staffCall = (endpoint: RegistryEndpoint, body: unknown) => ask(staff, registrySubjectFor(endpoint), body);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiosk-audit-'));
  const access = await embeddedServerAccess({ dataDir, kioskId: KIOSK, cardReader: 'sim', httpPort: 38124, uiHostNames: [] });
  server = await startNatsServer({ dataDir: join(dataDir, 'nats'), wsPort: 0, name: 'audit', access });
  const staffAuthNc = await login('staff-auth');
  staffAuth = await startStaffAuth({ nc: staffAuthNc, keys: await loadStaffTokenKeys(dataDir, {}), origin: 'http://127.0.0.1:38124' });
  await enrollTestStaff(staffAuthNc, ['S001', 'S002']);
  // Two instances in the queue group, each with the registry's own login; checkpoints every 5 entries.
  for (let i = 0; i < 2; i++) {
    registries.push(await startRegistry({ nc: await login('registry'), dataDir, scryptCost: SCRYPT, auditCheckpointEvery: 5 }));
  }
  admin = await login('admin');
  staff = await login('staff', true);
  await importCards(admin, ['AU000001', 'AU000002'].map((cardNumber) => sampleCardRecord(cardNumber)));
}, 120_000);

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  await staffAuth?.stop();
  await Promise.allSettled(open.map((nc) => nc.close()));
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('nobody cuts the audit or the card history', () => {
  it('the registry\'s own login: stream update, purge and message delete on RA_AUDIT and RA_EVENTS are refused, nothing lost', async () => {
    await staffCall('staffCard', { cardNumber: 'AU000001', token: await staffTokenFor(dataDir, 'S001') });
    const jsm = await jetstreamManager(await login('registry'));
    for (const stream of ['RA_AUDIT', 'RA_EVENTS']) {
      const before = await jsm.streams.info(stream);
      expect(before.state.messages).toBeGreaterThan(0);
      expect(before.config).toMatchObject({ deny_delete: true, deny_purge: true, discard: DiscardPolicy.New });
      expect(before.config.max_bytes).toBeGreaterThan(0);
      await expect(jsm.streams.update(stream, { max_msgs: 1 })).rejects.toThrow();
      await expect(jsm.streams.purge(stream)).rejects.toThrow();
      await expect(jsm.streams.deleteMessage(stream, before.state.first_seq)).rejects.toThrow();
      await expect(jsm.streams.delete(stream)).rejects.toThrow();
      const after = await jsm.streams.info(stream);
      expect(after.state.messages).toBeGreaterThanOrEqual(before.state.messages);
      expect(after.config.max_msgs).toBe(before.config.max_msgs);
    }
  });
});

describe('the hash chain', () => {
  let exported: string[];

  it('two instances write one linear chain; export then verify passes', async () => {
    const token = await staffTokenFor(dataDir, 'S002');
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => staffCall('staffCard', { cardNumber: i % 2 === 0 ? 'AU000001' : 'AU000002', token })));
    expect(replies.every((reply) => reply.code === undefined)).toBe(true);
    const { stdout } = await cli('services/registry/audit-cli.ts', ['export']);
    exported = stdout.split('\n').filter((line) => line.length > 0);
    const parsed = exported.map((line) => JSON.parse(line) as { n: number; staffId?: string; checkpoint?: unknown });
    expect(parsed.filter((entry) => entry.staffId === 'S002')).toHaveLength(120);
    // Never more than 5 entries (the configured run) without a checkpoint, whichever instance wrote them.
    const runs = parsed.reduce<number[]>((lengths, entry) => (entry.checkpoint !== undefined ? [...lengths, 0] : [...lengths.slice(0, -1), (lengths.at(-1) ?? 0) + 1]), [0]);
    expect(Math.max(...runs)).toBeLessThanOrEqual(5);
    expect(parsed.filter((entry) => entry.checkpoint !== undefined).length).toBeGreaterThanOrEqual(24);
    expect(parsed.map((entry) => entry.n)).toEqual(parsed.map((_, index) => index + 1));
    const file = join(dataDir, 'audit.jsonl');
    await writeFile(file, stdout);
    const verified = await cli('services/registry/audit-cli.ts', ['verify', file]);
    expect(verified.stdout).toMatch(/^audit verify: ok, \d+ entries, \d+ signed checkpoints/);
  }, 180_000);

  it('verify fails naming the first bad entry when one is removed, edited, swapped or inserted', async () => {
    const middle = 20;
    const nOf = (line: string) => (JSON.parse(line) as { n: number }).n;
    const edited = JSON.stringify({ ...(JSON.parse(exported[middle]!) as object), outcome: 'ok-edited' });
    const variants: Record<string, { lines: string[]; names: number }> = {
      removed: { lines: exported.filter((_, i) => i !== middle), names: nOf(exported[middle + 1]!) },
      edited: { lines: exported.map((line, i) => (i === middle ? edited : line)), names: nOf(exported[middle + 1]!) },
      swapped: { lines: exported.map((line, i) => (i === middle ? exported[middle + 1]! : i === middle + 1 ? exported[middle]! : line)), names: nOf(exported[middle + 1]!) },
      inserted: { lines: [...exported.slice(0, middle), exported[3]!, ...exported.slice(middle)], names: nOf(exported[3]!) },
    };
    for (const [what, variant] of Object.entries(variants)) {
      const file = join(dataDir, `audit-${what}.jsonl`);
      await writeFile(file, `${variant.lines.join('\n')}\n`);
      const failed = await cli('services/registry/audit-cli.ts', ['verify', file]).then(
        () => undefined,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failed, what).toBeDefined();
      expect(failed!.code, what).toBe(1);
      expect(failed!.stdout, what).toContain(`entry n=${variant.names} `);
    }
    // The untouched file still verifies (the variants were the only change).
    expect((await readFile(join(dataDir, 'audit.jsonl'), 'utf8')).split('\n').filter(Boolean)).toEqual(exported);
  }, 180_000);
});

describe('read-only logins cause no message but in an inbox', () => {
  it('a push consumer created with the dashboard\'s login is refused: no consumer, nothing delivered', async () => {
    const dashboard = await login('dashboard', true);
    const violations: string[] = [];
    void (async () => {
      for await (const status of dashboard.status()) if (status.type === 'error' && status.error instanceof errors.PermissionViolationError) violations.push(status.error.subject);
    })();
    const push = { stream_name: 'RA_EVENTS', config: { deliver_subject: `kiosk.${KIOSK}.input`, deliver_policy: 'all', ack_policy: 'none' } };
    dashboard.publish('$JS.API.CONSUMER.CREATE.RA_EVENTS', encodeJson(push));
    dashboard.publish('$JS.API.CONSUMER.DURABLE.CREATE.RA_EVENTS.probe', encodeJson({ ...push, config: { ...push.config, durable_name: 'probe' } }));
    await until(() => violations.length === 2, 'both consumer creations refused');
    const jsm = await jetstreamManager(await login('registry'));
    const consumers = [];
    for await (const consumer of jsm.consumers.list('RA_EVENTS')) consumers.push(consumer);
    expect(consumers.filter((consumer) => consumer.config.deliver_subject !== undefined)).toEqual([]);
  });

  it('a request whose reply subject is not an inbox is not answered (the registry would publish it there)', async () => {
    const dashboard = await login('dashboard', true);
    const inputs: string[] = [];
    const engine = await login('engine');
    engine.subscribe(`kiosk.${KIOSK}.input`, { callback: (_error, msg) => void inputs.push(msg.string()) });
    await engine.flush();
    dashboard.publish(registrySubjectFor('dashboardEvents'), encodeJson({}), { reply: `kiosk.${KIOSK}.input` });
    // The same request with its own inbox is answered: the first one reached the registry before it.
    const answered = await ask(dashboard, registrySubjectFor('dashboardEvents'), {});
    const events = answered.body.events as Record<string, unknown>[];
    expect(events.length).toBeGreaterThan(0);
    // The office sees events, not what the registry keeps beside them (its sealed record, identify's facts).
    for (const event of events) {
      expect(event).not.toHaveProperty('sealedRecord');
      expect(event).not.toHaveProperty('cardFacts');
    }
    await engine.flush();
    expect(inputs).toEqual([]);
  });
});

describe('staff sign-ins that end', () => {
  it('`npm run staff -- list` works with staff-auth\'s own login', async () => {
    const { stdout } = await cli('services/staff-auth/staff-cli.ts', ['list']);
    expect(stdout).toMatch(/^S001 .*\n^S002 /m);
  }, 120_000);

  it('`npm run staff -- revoke S001` ends S001\'s live token at the registry and at the kiosk\'s check', async () => {
    const token = await staffTokenFor(dataDir, 'S001');
    const engine = await login('engine');
    const kioskCheck = () => ask(engine, registrySubjectFor('staffCheck', KIOSK), { token });
    expect((await staffCall('staffCard', { cardNumber: 'AU000001', token })).code).toBeUndefined();
    expect((await kioskCheck()).body).toEqual({ staffId: 'S001' });
    const { stdout } = await cli('services/staff-auth/staff-cli.ts', ['revoke', 'S001']);
    const revokedAt = performance.now();
    expect(stdout).toContain('revoked: every sign-in of S001');
    // Wait for the refusal (bounded), and report how long it took.
    let refusal: string | undefined;
    for (let round = 0; round < 200 && refusal === undefined; round++) refusal = (await staffCall('staffCard', { cardNumber: 'AU000001', token })).code;
    const delayMs = performance.now() - revokedAt;
    expect(refusal).toBe('STAFF_TOKEN_REVOKED');
    expect((await kioskCheck()).code).toBe('STAFF_TOKEN_REVOKED');
    process.stdout.write(`revoke S001: its live token refused ${delayMs.toFixed(1)} ms after the command returned\n`);
    // Another staff member is untouched.
    expect((await staffCall('staffCard', { cardNumber: 'AU000001', token: await staffTokenFor(dataDir, 'S002') })).code).toBeUndefined();
  }, 120_000);

  it('sign-out ends that one token', async () => {
    const token = await staffTokenFor(dataDir, 'S002');
    const other = await staffTokenFor(dataDir, 'S002');
    expect((await ask(staff, STAFF_AUTH_SUBJECTS.signOut, { token })).body).toEqual({ signedOut: true });
    expect((await staffCall('staffCard', { cardNumber: 'AU000001', token })).code).toBe('STAFF_TOKEN_REVOKED');
    expect((await staffCall('staffCard', { cardNumber: 'AU000001', token: other })).code).toBeUndefined();
  });
});

describe('sign-in ceremonies are bounded', () => {
  it('400 sign-in begins store at most the limit (300 per 5 minutes); the rest are SIGN_IN_BUSY', async () => {
    const jsm = await jetstreamManager(await login('staff-auth'));
    const before = (await jsm.streams.info('KV_ra_staff_pending')).state.messages;
    const replies = await Promise.all(Array.from({ length: 400 }, () => ask(staff, STAFF_AUTH_SUBJECTS.signInBegin, {})));
    const busy = replies.filter((reply) => reply.code === 'SIGN_IN_BUSY').length;
    const stored = (await jsm.streams.info('KV_ra_staff_pending')).state.messages - before;
    expect(busy).toBeGreaterThanOrEqual(100);
    expect(stored).toBeLessThanOrEqual(300);
    expect(stored + busy).toBe(400);
  }, 120_000);
});

describe('a staff change is done and audited, or refused and not done', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await startTestNats();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('an unlock whose audit entry RA_AUDIT refuses is refused, and the card stays locked', async () => {
    const nc = await nats.connect('audit-refuses');
    // An audit stream that takes no more messages: full, and new ones refused (as a full RA_AUDIT is).
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'RA_AUDIT', subjects: ['ra.audit.staff.>'], storage: StorageType.File, max_msgs: 1, discard: DiscardPolicy.New });
    await nc.publish('ra.audit.staff.card', '{}');
    await nc.flush();
    const registry = await startRegistry({ nc: await nats.connect('registry'), dataDir: nats.dataDir, scryptCost: SCRYPT });
    try {
      await enrollTestStaff(nc, ['S001']);
      await importCards(nc, [sampleCardRecord('AF000001')]);
      const identify = async () =>
        (await ask(nc, registrySubjectFor('identify'), { cardNumber: 'AF000001', certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 })).body.status;
      for (let i = 0; i < 5; i++) {
        await ask(nc, registrySubjectFor('verify'), { cardNumber: 'AF000001', certSerial: SAMPLE_CERT_SERIAL, kioskId: `kiosk-af-${i}`, route: 'self-applied', userCode: 'Wrong$123' });
      }
      expect(await identify()).toBe('locked');
      const unlock = await ask(nc, registrySubjectFor('staffUnlock'), { cardNumber: 'AF000001', token: await staffTokenFor(nats.dataDir, 'S001') });
      expect(unlock.code).toBe('AUDIT_UNAVAILABLE');
      expect(await identify()).toBe('locked');
      expect((await jsm.streams.info('RA_AUDIT')).state.messages).toBe(1);
    } finally {
      await registry.stop();
    }
  }, 120_000);
});

describe('a stream nearing its bound, or made without its protection, is reported', () => {
  it('warns at start when RA_AUDIT is past 80 % of max_bytes and RA_EVENTS lacks deny flags and max_bytes', async () => {
    const nats = await startTestNats();
    try {
      const nc = await nats.connect('fill-test');
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'RA_AUDIT', subjects: ['ra.audit.staff.>'], storage: StorageType.File, max_bytes: 2_000, discard: DiscardPolicy.New, deny_delete: true, deny_purge: true });
      await jsm.streams.add({ name: 'RA_EVENTS', subjects: ['ra.events.>'], storage: StorageType.File });
      const js = (await import('@nats-io/jetstream')).jetstream(nc);
      while ((await jsm.streams.info('RA_AUDIT')).state.bytes < 1_700) await js.publish('ra.audit.staff.card', 'x'.repeat(100));
      const logs: string[] = [];
      const registry = await startRegistry({ nc: await nats.connect('registry'), dataDir: nats.dataDir, scryptCost: SCRYPT, log: (line) => logs.push(line) });
      try {
        await until(() => logs.some((line) => line.includes('stream filling up') && line.includes('RA_AUDIT')), 'the fill warning for RA_AUDIT');
        await until(() => logs.some((line) => line.includes('stream unprotected') && line.includes('RA_EVENTS')), 'the protection warning for RA_EVENTS');
        expect(logs.some((line) => line.includes('stream unprotected') && line.includes('RA_AUDIT'))).toBe(false);
      } finally {
        await registry.stop();
      }
    } finally {
      await nats.stop();
    }
  }, 120_000);
});
