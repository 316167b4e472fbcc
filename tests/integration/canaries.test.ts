// Canaries in one place: every flow of the kiosk (path A, path B, and their error branches: format
// errors, wrong user code, wrong ID, mismatched confirmations) runs through the whole stack with
// unique secrets, while a client records every message the server carries (subscribed to `>`, so
// requests, replies on their inboxes, views, inspection events, KV and stream writes). Then each
// secret is searched for everywhere:
//   - on the wire, it may travel only on its carriers (the kiosk's input to the engine, the
//     engine's request to the registry or the card agent) and must be seen there (the recording
//     demonstrably catches it);
//   - never in a log line, a view, an inspection event, any stream or KV message (history
//     included), the nats-server log, or any byte of any file under the data dirs.
// The registry's own canaries at production scrypt cost stay in registry-canary.test.ts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskSubjects, REGISTRY_SUBJECTS, type CardImportRecord, type View } from '../../machines/contract/index.ts';
import { collectStoredText } from '../support/jetstream-dump.ts';
import { cardRecord } from '../support/softhsm.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const KIOSK = 'kiosk-canary';
const s = kioskSubjects(KIOSK);
const SECRET = {
  userCode: 'Cy$Ucode1',
  wrongUserCode: 'Cy$Wrong2',
  responsibleId: 'A123456789',
  wrongId: 'F131104093',
  birthDate: '1975-03-05',
  birthDateRoc: '64/3/5',
  newUserCode: 'Cy#NewUc3',
  pinA: 'Cy!PinA4',
  pinB: 'Cy!PinB5',
  pinMismatch: 'Cy!PinX6',
} as const;

/** Where each secret may travel; verify and accept are asked on their per-kiosk subjects. */
const verify = [REGISTRY_SUBJECTS.verify, `${REGISTRY_SUBJECTS.verify}.${KIOSK}`];
const accept = [REGISTRY_SUBJECTS.accept, `${REGISTRY_SUBJECTS.accept}.${KIOSK}`];
const CARRIERS: Record<keyof typeof SECRET, string[]> = {
  // The issuance record (admin import) carries what the card was issued with.
  userCode: [s.input, ...verify, REGISTRY_SUBJECTS.adminImport],
  wrongUserCode: [s.input, ...verify],
  responsibleId: [s.input, ...verify, REGISTRY_SUBJECTS.adminImport],
  wrongId: [s.input, ...verify],
  birthDate: [...verify, REGISTRY_SUBJECTS.adminImport],
  birthDateRoc: [s.input],
  newUserCode: [s.input, ...accept],
  pinA: [s.input, s.cardSetPin],
  pinB: [s.input, s.cardSetPin],
  pinMismatch: [s.input],
};

const CARD_A = 'TK00000000000001';
const CARD_B = 'TK00000000000002';
const wire: Array<{ subject: string; text: string }> = [];
let soCredentials: string[] = [];
let stack: TestStack;
const onScreen = (screen: View['screen']) => (view: View) => view.screen === screen;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function endSession(): Promise<void> {
  await stack.remove();
  if (stack.views.at(-1)?.screen !== 'insertCard') stack.staff({ type: 'staff.abort' });
  await stack.waitForView(onScreen('insertCard'), 'session ended');
}

beforeAll(async () => {
  stack = await startTestStack({ kioskId: KIOSK });
  const recorder = stack.nc.subscribe('>', {
    callback: (_error, msg) => {
      const headers = msg.headers ? [...msg.headers.keys()].map((key) => `${key}: ${msg.headers?.get(key)}`).join('\n') : '';
      wire.push({ subject: msg.subject, text: `${Buffer.from(msg.data).toString('latin1')}\n${headers}` });
    },
  });
  await stack.nc.flush();
  const bundled = { ...cardRecord(CARD_B), route: 'registration-bundled', responsibleId: SECRET.responsibleId, birthDate: SECRET.birthDate, userCode: undefined } as unknown as CardImportRecord;
  await stack.provision([cardRecord(CARD_A, { userCode: SECRET.userCode }), bundled]);
  await stack.startEngine();
  await stack.waitForView(onScreen('insertCard'), 'idle kiosk');

  // Path A: a format error, a wrong user code (3005), the right one, a PIN mismatch, the PIN.
  await stack.insert(CARD_A);
  await stack.waitForView((v) => v.screen === 'choosePath', 'choose path');
  stack.send({ type: 'user.choosePath', path: 'self-applied' });
  await stack.waitForView(onScreen('enterUserCode'), 'user code');
  stack.send({ type: 'user.submitUserCode', userCode: SECRET.userCode.slice(0, 4) });
  await stack.waitForView((v) => v.error?.code === 'USER_CODE_FORMAT', 'format error');
  stack.send({ type: 'user.submitUserCode', userCode: SECRET.wrongUserCode });
  await stack.waitForView((v) => v.error?.code === '3005', '3005');
  stack.send({ type: 'user.submitUserCode', userCode: SECRET.userCode });
  await stack.waitForView(onScreen('confirmCardData'), 'card data');
  stack.send({ type: 'user.confirmCardData' });
  await stack.waitForView(onScreen('enterPin'), 'PIN');
  stack.send({ type: 'user.submitPin', pin: SECRET.pinA, pinConfirm: SECRET.pinMismatch });
  await stack.waitForView((v) => v.error?.code === 'PIN_MISMATCH', 'PIN mismatch');
  stack.send({ type: 'user.submitPin', pin: SECRET.pinA, pinConfirm: SECRET.pinA });
  await stack.waitForView(onScreen('activated'), 'activated A');
  await endSession();

  // Path B: a wrong ID (3005), the right one with an ROC birth date, a user-code mismatch, the PIN.
  await stack.insert(CARD_B);
  await stack.waitForView((v) => v.screen === 'choosePath', 'choose path');
  stack.send({ type: 'user.choosePath', path: 'registration-bundled' });
  await stack.waitForView(onScreen('enterResponsibleId'), 'ID');
  stack.send({ type: 'user.submitResponsibleId', responsibleId: SECRET.wrongId, birthDate: SECRET.birthDateRoc });
  await stack.waitForView((v) => v.error?.code === '3005', '3005 on path B');
  stack.send({ type: 'user.submitResponsibleId', responsibleId: SECRET.responsibleId, birthDate: SECRET.birthDateRoc });
  await stack.waitForView(onScreen('confirmCardData'), 'card data B');
  stack.send({ type: 'user.confirmCardData' });
  await stack.waitForView(onScreen('enterContact'), 'contact');
  stack.send({ type: 'user.submitContact', email: 'cy@example.com.tw', userCode: SECRET.newUserCode, userCodeConfirm: SECRET.userCode });
  await stack.waitForView((v) => v.error?.code === 'USER_CODE_MISMATCH', 'user code mismatch');
  stack.send({ type: 'user.submitContact', email: 'cy@example.com.tw', userCode: SECRET.newUserCode, userCodeConfirm: SECRET.newUserCode });
  await stack.waitForView(onScreen('enterPin'), 'PIN B');
  stack.send({ type: 'user.submitPin', pin: SECRET.pinB, pinConfirm: SECRET.pinB });
  await stack.waitForView(onScreen('activated'), 'activated B');
  await endSession();

  await stack.engine!.flush();
  await stack.nc.flush();
  recorder.unsubscribe();
  // The SO credentials of the two cards: they travel once, in the admin import.
  soCredentials = wire
    .filter((m) => m.subject === REGISTRY_SUBJECTS.adminImport)
    .flatMap((m) => [...m.text.matchAll(/"soCredential":"([^"]+)"/g)].map((match) => match[1]!));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('canaries: every secret of every flow, searched for everywhere', () => {
  it('each secret travels on its carriers and nowhere else: no reply, view, inspection event or JetStream write', () => {
    expect(wire.some((m) => m.subject.startsWith('_INBOX.'))).toBe(true);
    for (const [name, secret] of Object.entries(SECRET) as Array<[keyof typeof SECRET, string]>) {
      const seenOn = new Set(wire.filter((m) => m.text.includes(secret)).map((m) => m.subject));
      expect(seenOn.size, `${name} is seen on the wire`).toBeGreaterThan(0);
      for (const subject of seenOn) expect(CARRIERS[name], `${name} on ${subject}`).toContain(subject);
    }
    expect(soCredentials).toHaveLength(2);
    for (const credential of soCredentials) {
      expect(new Set(wire.filter((m) => m.text.includes(credential)).map((m) => m.subject))).toEqual(new Set([REGISTRY_SUBJECTS.adminImport]));
    }
  });

  it('no secret in a log line, a view, an inspection event, or any stream or KV message', async () => {
    const stored = await collectStoredText(stack.nc);
    expect(stored).toContain(CARD_B);
    const places = {
      logs: stack.logs.join('\n'),
      views: stack.views.map((v) => JSON.stringify(v)).join('\n'),
      inspections: stack.inspections.map((e) => JSON.stringify(e)).join('\n'),
      'streams and KV': stored,
    };
    expect(stack.inspections.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(places)) {
      for (const secret of [...Object.values(SECRET), ...soCredentials]) expect(text.includes(secret), `${where}`).toBe(false);
    }
  });

  it('no secret in any byte of the data dirs (tokens, JetStream store) or the nats-server log', async () => {
    const files = [...(await filesUnder(stack.dataDir)), ...(await filesUnder(stack.nats.dataDir)), stack.nats.server.logFile];
    expect(files.length).toBeGreaterThan(3);
    for (const file of new Set(files)) {
      const content = await readFile(file).catch(() => Buffer.alloc(0));
      for (const secret of [...Object.values(SECRET), ...soCredentials]) {
        expect(content.includes(Buffer.from(secret)), `${secret.slice(0, 3)}… in ${file}`).toBe(false);
      }
    }
  });
});
