// The whole product, end to end, as a person at the kiosk meets it: `npm start`'s stack (its own
// entry point, a temp DATA_DIR, free ports), Debian's Chromium at the kiosk's portrait size with
// touch, both activation paths tapped through on the on-screen keyboard, each new PIN proven by a
// real PKCS#11 login from another process. Every NATS message, every line the stack writes, every
// stored JetStream message and every file it leaves is then searched for the secrets that were typed.
import { formatRocDate } from '../../machines/validators/roc-date.formatter.ts';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCardFile } from '../../card/demo/provision.ts';
import { errorText } from '../../kiosk/src/i18n.ts';
import { kioskSubjects, REGISTRY_SUBJECTS, registrySubjectFor, type CardImportRecord } from '../../machines/contract/index.ts';
import { collectStoredText } from '../support/jetstream-dump.ts';
import { button, field, launchChromium, openDemoTray, openKioskPage, removeDemoCard, startingWith, tapText, trayInsertButton, waitForScreen } from '../support/e2e-kiosk-page.ts';
import { isListening, isRunning, startE2eStack, type E2eStack } from '../support/e2e-stack.ts';
import { channelsCarrying, recordAllTraffic, type TrafficRecorder } from '../support/e2e-traffic.ts';
import { checkTokenElsewhere } from '../support/softhsm.ts';
import { AdminEnrollReplySchema, STAFF_AUTH_SUBJECTS } from '../../machines/contract/staff.ts';
import * as v from 'valibot';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type SelfApplied = Extract<CardImportRecord, { route: 'self-applied' }>;
type Bundled = Extract<CardImportRecord, { route: 'registration-bundled' }>;

// What the test types that no file holds: any trace of these is a leak of something typed.
const TYPED = {
  wrongUserCode: 'Wr0ng*Cd',
  pinA: 'Pa7#Mk2!',
  newUserCode: 'Qz8%Kiosk',
  pinB: 'Pb9&Rt4?',
} as const;
const CONTACT_EMAIL = 'e2e.contact@example.com.tw';

const SCREENS = {
  insertCard: '請插入待開卡之工商憑證IC卡',
  choosePath: '請選擇您取得工商憑證的方式',
  enterUserCode: '輸入用戶代碼',
  enterResponsibleId: '輸入工商負責人身分證字號',
  confirmCardData: '確認憑證IC卡資料',
  enterContact: '輸入電子信箱及設定用戶代碼',
  enterPin: '設定IC卡PIN碼',
  activated: '恭喜您已完成開卡作業',
};

/** The birth date as the form asks for it: 民國 year, month, day. */
function rocParts(isoDate: string): [string, string, string] {
  const [year = '', month = '', day = ''] = isoDate.split('-');
  return [String(Number(year) - 1911), String(Number(month)), String(Number(day))];
}

/** Chromium's virtual authenticator (DevTools WebAuthn domain) on `page`: a passkey that needs no touch. */
async function withVirtualAuthenticator(target: Page): Promise<void> {
  const cdp = await target.context().newCDPSession(target);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("the kiosk end to end: npm start's stack, driven by touch in Chromium", () => {
  let cardA: SelfApplied;
  let cardB: Bundled;
  let stack: E2eStack | undefined;
  let nc: NatsConnection | undefined;
  let traffic: TrafficRecorder;
  let browser: Browser | undefined;
  let page: Page;
  const browserMessages: string[] = [];

  beforeAll(async () => {
    const cards = await readCardFile(join(root, 'deploy/demo/cards.json'));
    cardA = cards.find((card): card is SelfApplied => card.cardNumber === 'TT00000000000051' && card.route === 'self-applied')!;
    cardB = cards.find((card): card is Bundled => card.cardNumber === 'TT00000000000053' && card.route === 'registration-bundled')!;
    expect(cardA?.userCode).toBeTruthy();
    expect(cardB?.responsibleId).toBeTruthy();
    expect(cardB?.birthDate).toBeTruthy();

    stack = await startE2eStack();
    nc = await connect({ servers: stack.natsUrl, name: 'e2e-recorder', ...stack.login('observer') });
    traffic = recordAllTraffic(nc);
    await nc.flush();

    browser = await launchChromium();
    page = await openKioskPage(browser, `${stack.httpUrl}/`);
    page.on('console', (message) => browserMessages.push(message.text()));
    page.on('pageerror', (error) => browserMessages.push(`pageerror: ${error.message}`));
    await waitForScreen(page, SCREENS.insertCard);
  }, 200_000);

  afterAll(async () => {
    // Only when a test failed before the shutdown test: leave nothing running.
    await browser?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    if (stack) {
      stack.kill();
      await rm(stack.dataDir, { recursive: true, force: true });
    }
  });

  // A failed test keeps what the stack wrote (every part's log lines and the nats-server log) in a
  // directory of its own, named on the console, since the stack's data dir is removed at the end.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || stack === undefined) return;
    const kept = await mkdtemp(join(tmpdir(), 'kiosk-e2e-failure-'));
    await writeFile(join(kept, 'stack-output.log'), stack.output.map((line) => `${line.stream} ${line.text}`).join('\n'));
    const natsLog = await readFile(join(stack.dataDir, 'nats', 'nats-server.log'), 'utf8').catch(() => '');
    await writeFile(join(kept, 'nats-server.log'), natsLog);
    // The kiosk's screen, and the kiosk's events and views by type and screen only (no typed value).
    await page?.screenshot({ path: join(kept, 'kiosk.png') }).catch(() => undefined);
    const kiosk = kioskSubjects(stack.kioskId);
    const shapes = traffic.messages
      .filter((message) => message.subject === kiosk.input || message.subject === kiosk.view)
      .map((message) => {
        const body = JSON.parse(message.text) as { type?: string; screen?: string; state?: string; error?: { code?: string } };
        return message.subject === kiosk.input
          ? `input ${body.type} {${Object.keys(body).join(',')}}`
          : `view ${body.screen} ${body.state} ${body.error?.code ?? ''}`;
      });
    await writeFile(join(kept, 'kiosk-events.log'), shapes.join('\n'));
    console.error(`"${context.task.name}" failed: the stack's output is kept in ${kept}; its last lines:\n${stack.output.slice(-40).map((line) => line.text).join('\n')}`);
  });

  /** The card data table: the value in the row headed `header`. */
  async function cardValue(header: string): Promise<string> {
    const row = page.getByRole('row', { name: startingWith(header) });
    return ((await row.getByRole('cell').textContent()) ?? '').trim();
  }

  async function setPinAndFinish(pin: string): Promise<void> {
    await waitForScreen(page, SCREENS.enterPin);
    await page.getByText('您已完成憑證接受').waitFor();
    await tapText(page, field(page, '設定IC卡PIN碼'), pin);
    await tapText(page, field(page, '確認IC卡PIN碼'), pin);
    await button(page, '設定IC卡PIN碼').tap();
    await waitForScreen(page, SCREENS.activated);
  }

  async function removeCard(): Promise<void> {
    await removeDemoCard(page);
    await waitForScreen(page, SCREENS.insertCard);
  }

  it('path A (self-applied): a wrong user code is 3005 with attempts left; the right one, card data, acceptance, PIN; the PIN opens the card', async () => {
    // The demo tray is a closed drawer: only its tab shows, the kiosk's screen keeps the window.
    await button(page, '示範卡片').waitFor();
    expect(await button(page, '取出卡片').count()).toBe(0);
    await trayInsertButton(page, cardA.holderName).tap();
    await waitForScreen(page, SCREENS.choosePath);

    // The language toggle switches every label, and back.
    await button(page, 'English').tap();
    await waitForScreen(page, 'How was your certificate issued?');
    await button(page, startingWith('Applied for on the MOEACA website')).waitFor();
    await openDemoTray(page, 'Demo cards');
    await button(page, 'Remove card').waitFor();
    expect(await button(page, '取出卡片').count()).toBe(0);
    await button(page, 'Close').tap();
    await button(page, '中文').tap();
    await waitForScreen(page, SCREENS.choosePath);

    await button(page, startingWith('於工商憑證網站自行申請')).tap();
    await waitForScreen(page, SCREENS.enterUserCode);

    await tapText(page, field(page, '用戶代碼'), TYPED.wrongUserCode);
    await button(page, '讀取卡片資料').tap();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const alertText = (await alert.textContent()) ?? '';
    expect(alertText).toContain(errorText('3005', 'zh-TW'));
    expect(alertText).toContain('尚可嘗試 4 次');
    expect(alertText).toContain('若您確認輸入的用戶代碼正確，為保障您個人資料使用安全，需請您來電工商憑證管理中心客服專線（號碼如下），由專人幫您確認。');
    // The numbers the manual lists, all of them, beside that advice.
    await page.getByText('(02/04/07)-412-1166', { exact: false }).first().waitFor();

    await button(page, '重新輸入').tap();
    await field(page, '用戶代碼').waitForFunction((input) => (input as HTMLInputElement).value === '');
    await tapText(page, field(page, '用戶代碼'), cardA.userCode);
    await button(page, '讀取卡片資料').tap();

    await waitForScreen(page, SCREENS.confirmCardData);
    expect(await cardValue('IC卡卡號')).toBe(cardA.cardNumber);
    expect(await cardValue('憑證用戶名稱')).toBe(`C=TW,O=${cardA.holderName},OU=${cardA.orgUnit}`);
    // On the kiosk's own 1080×1920 the main button is on screen, not under a demo tray.
    const acceptBox = await button(page, '進行憑證接受').boundingBox();
    expect(acceptBox!.y + acceptBox!.height).toBeLessThanOrEqual(1920);
    await button(page, '進行憑證接受').tap();

    await setPinAndFinish(TYPED.pinA);
    const check = await checkTokenElsewhere(stack!.dataDir, cardA.cardNumber, TYPED.pinA);
    expect(check).toMatchObject({ found: true, accepted: true, userPinInitialized: true, userPinCountLow: false });
    await removeCard();
  }, 240_000);

  it('path B (registration-bundled): national ID and ROC birth date, card data (surviving a reload), e-mail and new user code, acceptance, PIN; the PIN opens the card', async () => {
    await trayInsertButton(page, cardB.holderName).tap();
    await waitForScreen(page, SCREENS.choosePath);
    await button(page, startingWith('透過登記機關')).tap();
    await waitForScreen(page, SCREENS.enterResponsibleId);

    const [rocYear, month, day] = rocParts(cardB.birthDate!);
    await tapText(page, field(page, '工商負責人身分證字號'), cardB.responsibleId);
    // Without the birth date the record holds: asked for, worded as such, no attempt counted.
    await button(page, '讀取卡片資料').tap();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const alertText = (await alert.textContent()) ?? '';
    expect(alertText).toContain(errorText('BIRTH_DATE_REQUIRED', 'zh-TW'));
    expect(alertText).not.toContain('用戶代碼');
    expect(alertText).not.toContain('尚可嘗試');
    // The mark is on the birth date, not on the ID.
    for (const name of ['出生年（民國年）', '出生月', '出生日']) expect(await field(page, name).getAttribute('aria-invalid')).toBe('true');
    expect(await field(page, '工商負責人身分證字號').getAttribute('aria-invalid')).toBe('false');
    // The ID was not wrong: it is still in its field (docs/ui.md), and only the birth date is typed.
    expect(await field(page, '工商負責人身分證字號').inputValue()).toBe(cardB.responsibleId);
    await tapText(page, field(page, '出生年（民國年）'), rocYear);
    await tapText(page, field(page, '出生月'), month);
    await tapText(page, field(page, '出生日'), day);
    await button(page, '讀取卡片資料').tap();

    await waitForScreen(page, SCREENS.confirmCardData);
    expect(await cardValue('IC卡卡號')).toBe(cardB.cardNumber);
    expect(await cardValue('憑證用戶名稱')).toBe(`C=TW,O=${cardB.holderName},OU=${cardB.orgUnit}`);

    // A reload mid-flow: the page comes with the current view in it (docs/ui.md, "First screen"),
    // shows the same screen again, and asks the engine for its view once its websocket is up.
    const viewGet = kioskSubjects(stack!.kioskId).viewGet;
    const viewGetsBefore = traffic.messages.filter((message) => message.subject === viewGet).length;
    await page.reload();
    await waitForScreen(page, SCREENS.confirmCardData);
    expect(await cardValue('IC卡卡號')).toBe(cardB.cardNumber);
    await expect.poll(() => traffic.messages.filter((message) => message.subject === viewGet).length, { timeout: 30_000 }).toBeGreaterThan(viewGetsBefore);
    // Path B accepts only after the contact step: the button says what it does.
    expect(await button(page, '進行憑證接受').count()).toBe(0);
    await button(page, '資料正確，下一步').tap();

    await waitForScreen(page, SCREENS.enterContact);
    await tapText(page, field(page, '新聯絡人電子信箱'), CONTACT_EMAIL);
    await tapText(page, field(page, '重設用戶代碼'), TYPED.newUserCode);
    await tapText(page, field(page, '確認用戶代碼'), TYPED.newUserCode);
    await button(page, '進行憑證接受').tap();

    await setPinAndFinish(TYPED.pinB);
    const check = await checkTokenElsewhere(stack!.dataDir, cardB.cardNumber, TYPED.pinB);
    expect(check).toMatchObject({ found: true, accepted: true, userPinInitialized: true, userPinCountLow: false });
    await removeCard();
  }, 240_000);

  it("the staff console (passkey sign-in), the inspector's drawing and the dashboard load under the stack's content security policy and follow this kiosk live", async () => {
    // The operator enrolls a staff member on the stack's admin subject, as `npm run staff -- enroll` does.
    const admin = await connect({ servers: stack!.natsUrl, name: 'e2e-admin', ...stack!.login('admin') });
    let enrollment: v.InferOutput<typeof AdminEnrollReplySchema>;
    try {
      const reply = await admin.request(STAFF_AUTH_SUBJECTS.adminEnroll, JSON.stringify({ staffId: 'E2E01', name: '端對端' }), { timeout: 10_000 });
      enrollment = v.parse(AdminEnrollReplySchema, reply.json());
    } finally {
      await admin.close();
    }
    // Passkeys need a host name: the staff origin is http://localhost:<port>.
    expect(enrollment.link).toBe(`${stack!.httpUrl.replace('127.0.0.1', 'localhost')}/staff#enroll=${enrollment.code}`);

    const context = await browser!.newContext({ viewport: { width: 1600, height: 1000 } });
    const policyViolations: string[] = [];
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
    });
    try {
      const staff = await context.newPage();
      await withVirtualAuthenticator(staff);
      await staff.goto(enrollment.link);
      await staff.getByRole('button', { name: '建立通行金鑰' }).click();
      await staff.getByText('已為 端對端（E2E01）登錄通行金鑰，請登入。').waitFor();
      await staff.getByRole('button', { name: '以通行金鑰登入' }).click();
      await staff.locator('[data-staff-id]').getByText('端對端（E2E01）').waitFor();
      // The kiosk this test drove is listed, on the screen it is on now.
      await staff.getByText(stack!.kioskId, { exact: true }).first().waitFor();
      await staff.getByText(SCREENS.insertCard).first().waitFor();

      // A second tab: the inspector's drawing of the real machine marks the kiosk's state and
      // follows it as the kiosk moves (a card in, a card out).
      const inspector = await context.newPage();
      await inspector.goto(`${stack!.httpUrl}/inspector`);
      const activeLeaf = (state: string) => inspector.locator(`g.state.atomic.active[data-state-id$=".${state}"]`);
      await inspector.locator('g.state.atomic[data-state-id$=".awaitingPathChoice"]').waitFor({ state: 'attached' });
      await activeLeaf('awaitingCard').waitFor({ state: 'attached' });
      // Card A is activated now: the kiosk says so, and the drawing follows.
      await trayInsertButton(page, cardA.holderName).tap();
      await activeLeaf('alreadyActivated').waitFor({ state: 'attached' });
      await removeCard();
      await activeLeaf('awaitingCard').waitFor({ state: 'attached' });
      expect(await inspector.locator('g.state.atomic.active').count()).toBe(1);

      // The office dashboard counts this run's activations (paths A and B), live from RA_EVENTS.
      const dashboard = await context.newPage();
      await dashboard.goto(`${stack!.httpUrl}/dashboard`);
      await dashboard.locator('[data-figure="activationsToday"]').filter({ hasText: /^\s*2\s*$/ }).waitFor();
      expect(policyViolations).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('the PINs, user codes, national ID and birth date travel only on the kiosk-local and registry subjects that must carry them, and are stored nowhere', async () => {
    await traffic.stop();
    const kiosk = kioskSubjects(stack!.kioskId);
    const verify = [REGISTRY_SUBJECTS.verify, registrySubjectFor('verify', stack!.kioskId)];
    const accept = [REGISTRY_SUBJECTS.accept, registrySubjectFor('accept', stack!.kioskId)];
    // Each secret, and the subjects it must travel on (any one of a group: plain or per-kiosk).
    const canaries: { name: string; value: string; mustTravel: string[][] }[] = [
      { name: 'wrong user code', value: TYPED.wrongUserCode, mustTravel: [[kiosk.input], verify] },
      { name: 'user code (path A)', value: cardA.userCode, mustTravel: [[kiosk.input], verify] },
      { name: 'national ID', value: cardB.responsibleId, mustTravel: [[kiosk.input], verify] },
      // The page sends the birth date as typed (民國 year/month/day); the machine reads it, once, into the ISO date verify carries.
      { name: 'birth date (as typed)', value: rocParts(cardB.birthDate!).join('/'), mustTravel: [[kiosk.input]] },
      { name: 'birth date (ISO)', value: cardB.birthDate!, mustTravel: [verify] },
      { name: 'new user code (path B)', value: TYPED.newUserCode, mustTravel: [[kiosk.input], accept] },
      { name: 'PIN (path A)', value: TYPED.pinA, mustTravel: [[kiosk.input], [kiosk.cardSetPin]] },
      { name: 'PIN (path B)', value: TYPED.pinB, mustTravel: [[kiosk.input], [kiosk.cardSetPin]] },
    ];

    const views = traffic.messages.filter((message) => message.subject === kiosk.view);
    const inspections = traffic.messages.filter((message) => message.subject === kiosk.inspect);
    expect(views.length).toBeGreaterThan(0);
    expect(inspections.length).toBeGreaterThan(0);

    const stored = await collectStoredText(nc!);
    expect(stored).toContain(cardA.cardNumber);
    expect(stored).toContain('KV_kiosk_snapshots');

    for (const canary of canaries) {
      const seen = channelsCarrying(traffic.messages, canary.value);
      const where = `${canary.name} seen on: ${JSON.stringify(Object.fromEntries(seen))}`;
      const allowed = canary.mustTravel.flat();
      expect([...seen.keys()].filter((channel) => !allowed.includes(channel)), where).toEqual([]);
      for (const group of canary.mustTravel) {
        expect(group.some((subject) => seen.has(subject)), `${where}; expected on one of ${group.join(' | ')}`).toBe(true);
      }
      expect(views.some((message) => message.text.includes(canary.value)), `${canary.name} in a view`).toBe(false);
      expect(inspections.some((message) => message.text.includes(canary.value)), `${canary.name} in an inspection event`).toBe(false);
      expect(stored.includes(canary.value), `${canary.name} in a JetStream stream or KV bucket`).toBe(false);
      expect(browserMessages.filter((text) => text.includes(canary.value)), `${canary.name} on the browser console`).toEqual([]);
    }
  });

  it('SIGTERM stops the whole stack: it exits, nothing is left running or listening, no log line or file holds a secret', async () => {
    await browser!.close();
    browser = undefined;
    await nc!.close();
    nc = undefined;
    const running = stack!;
    const result = await running.stop();
    expect(result).toMatchObject({ code: 0, signal: null });
    // nats-server and the four parts, at least.
    expect(result.descendants.length).toBeGreaterThanOrEqual(5);
    for (const pid of result.descendants) expect(isRunning(pid), `process ${pid} still running`).toBe(false);
    for (const [name, port] of Object.entries(running.ports)) expect(await isListening(port), `${name} port ${port} still open`).toBe(false);

    const lines = running.output.map((line) => line.text);
    expect(lines.some((line) => line.includes('MOEACA card activation kiosk is running.'))).toBe(true);
    expect(lines.filter((line) => line.includes('part exited; restarting')), 'a part crashed during the run').toEqual([]);
    const natsLog = (await readFile(join(running.dataDir, 'nats', 'nats-server.log'), 'utf8')).split('\n');

    // The start banner lists the demo cards with the secrets their holders would know, for the
    // demonstrator: that one line per card is the only place a demo card's own secret may be
    // printed. What the test typed itself may appear on no line at all.
    const bannerLine = (cardNumber: string) => lines.filter((line) => line.startsWith(`  ${cardNumber}  `));
    const expectations: { name: string; value: string; onlyOn: string[] }[] = [
      { name: 'user code (path A)', value: cardA.userCode, onlyOn: bannerLine(cardA.cardNumber) },
      { name: 'national ID', value: cardB.responsibleId, onlyOn: bannerLine(cardB.cardNumber) },
      // Printed as the kiosk asks for it (民國69年5月17日); the Western form appears nowhere.
      { name: 'birth date', value: formatRocDate(cardB.birthDate!), onlyOn: bannerLine(cardB.cardNumber) },
      { name: 'birth date (Western)', value: cardB.birthDate!, onlyOn: [] },
      ...Object.entries(TYPED).map(([name, value]) => ({ name, value, onlyOn: [] })),
    ];
    const files = await filesUnder(running.dataDir);
    expect(files.length).toBeGreaterThan(0);
    const fileContents = await Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
    for (const { name, value, onlyOn } of expectations) {
      expect(lines.filter((line) => line.includes(value)), `${name} in the stack's output`).toEqual(onlyOn);
      expect(natsLog.filter((line) => line.includes(value)), `${name} in the nats-server log`).toEqual([]);
      const inFiles = fileContents.filter(({ bytes }) => bytes.includes(Buffer.from(value, 'utf8'))).map(({ file }) => file);
      expect(inFiles, `${name} in a file under DATA_DIR`).toEqual([]);
    }

    await rm(running.dataDir, { recursive: true, force: true });
    await expect(access(running.dataDir)).rejects.toThrow();
    stack = undefined;
  });
});
