// The rehearsal's people: the card holders at the kiosks and the staff at the desk, in Chromium by
// touch, and the operator on a hub node (`node dist/staff.mjs enroll`). One list of steps in the order
// the rehearsal runs them (docs/site-rehearsal.md numbers them alike), which is why it stays one
// file a little past 400 lines: split, the story would no longer read top to bottom.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { PRODUCTION_DIR } from '../production/make-kiosk-config.ts';
import { adminClient, hubClient, localPort, startUnits, type Harness } from './bring-up.ts';
import { inBox, onBox, startPart, writeOnBox, type Box } from './boxes.ts';
import { createIssuingCa, personaliseCard, registerRecord, type CardHolder, type IssuanceDetails } from '../issuing-side/issuing-side.ts';
import type { RegisterRecord } from '../../card/issuance/register-file.ts';
import type { RegistryEvent } from '../../services/registry/card-record.ts';
import { eventOf } from '../../services/registry/card-stream.ts';
import { endGroup, recordProcess, run, startGroup, type RunState } from './host.ts';
import type { RehearsalOptions } from './rehearsal.ts';
import { CARD_SLOT_DIR } from './rehearsal.ts';
import { DESK_BROWSER_USER, KIOSK_DISPLAY_USER, operatorCommand } from './site.ts';
import type { Step } from './steps.ts';
import { button, field, kioskBrowserFlags, launchOnBox, startingWith, tapText, waitForScreen } from './touch.ts';
import { get, until } from './wait.ts';

export interface Drive {
  harness: Harness;
  root: string;
  state: RunState;
  options: RehearsalOptions;
  screenshots: string;
  close?: () => Promise<void>;
}

const SCREENS = {
  choosePath: '請選擇您取得工商憑證的方式',
  enterUserCode: '輸入用戶代碼',
  confirmCardData: '確認憑證IC卡資料',
  enterPin: '設定IC卡PIN碼',
  activated: '恭喜您已完成開卡作業',
};
const STAFF = { id: 'R0001', name: '演練 員工' };
const VICC_PACKAGE = '/usr/lib/python3/site-packages/virtualsmartcard';
const CRYPTODOME = '/usr/lib/python3/dist-packages/Cryptodome';

interface CardOnSite {
  cardNumber: string;
  userCode: string;
  pin: string;
  kiosk: string;
}

export function driveSteps(context: () => Drive, options: RehearsalOptions): Step[] {
  const cards = new Map<string, CardOnSite>();
  const vicc = new Map<string, number>();
  const pages = new Map<string, Page>();
  const browsers: BrowserContext[] = [];
  /** Activations finished so far in this run (what the dashboard must count). */
  let activations = 0;

  const kiosk = (name: string): Box => context().harness.boxes.find((box) => box.name === name)!;

  /** A card into a kiosk's reader: the token the agent must use (CARD_TOKEN_LABEL), then vicc (the card's presence). */
  async function insert(box: Box, cardNumber: string): Promise<void> {
    const d = context();
    const envFile = '/etc/moeaca-kiosk/kiosk.env';
    const text = (await readFile(onBox(box, envFile), 'utf8')).replace(/^CARD_TOKEN_LABEL=.*\n?/m, '');
    await writeOnBox(box, envFile, `${text}CARD_TOKEN_LABEL=${cardNumber}\n`);
    const parts = d.harness.parts[box.name]!;
    const at = parts.findIndex((p) => p.unit === 'kiosk-card-agent.service');
    await endGroup(parts[at]!.pid);
    parts[at] = await startPart(d.state, box, d.harness.releaseDir, 'kiosk-card-agent.service');
    // The kiosk back in service (the engine waits for a card) before the card goes in.
    const health = `http://127.0.0.1:${localPort(d.harness, box.name, 8080)}/healthz`;
    await until(async () => {
      const response = await get(health);
      return response.status === 200;
    }, `${box.name} in service again after its card agent restarted`);
    await pages.get(box.name)?.getByRole('heading', { name: '請插入待開卡之工商憑證IC卡', exact: true, level: 1 }).waitFor();
    const shim = join(d.state.dir, 'vicc-shim');
    await mkdir(shim, { recursive: true });
    await symlink(CRYPTODOME, join(shim, 'Crypto')).catch(() => undefined);
    const [binary, ...args] = inBox(box, d.harness.releaseDir, 'exec /usr/bin/vicc -t iso7816');
    const pid = await startGroup(binary!, args, join(box.root, 'log', 'vicc.log'), { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PYTHONPATH: `${VICC_PACKAGE}:${shim}` });
    await recordProcess(d.state, pid, box.name, `${box.name}/vicc`);
    vicc.set(box.name, pid);
  }

  async function remove(box: Box): Promise<void> {
    const pid = vicc.get(box.name);
    if (pid !== undefined) await endGroup(pid);
    vicc.delete(box.name);
  }

  async function kioskPage(box: Box): Promise<Page> {
    const existing = pages.get(box.name);
    if (existing !== undefined) return existing;
    const d = context();
    // The production policy, with the one change a robot needs: remote debugging (the DevTools pipe).
    const policy = JSON.parse(await readFile(join(PRODUCTION_DIR, 'chromium/policies/managed/kiosk.json'), 'utf8')) as Record<string, unknown>;
    await writeOnBox(box, '/etc/chromium/policies/managed/kiosk.json', `${JSON.stringify({ ...policy, RemoteDebuggingAllowed: true, DeveloperToolsAvailability: 1 }, null, 2)}\n`);
    const browser = await launchOnBox(d.state, box, d.harness.releaseDir, KIOSK_DISPLAY_USER, await kioskBrowserFlags(), { width: 1080, height: 1920 });
    browsers.push(browser);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(120_000);
    await page.goto('http://127.0.0.1:8080/');
    pages.set(box.name, page);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await mkdir(context().screenshots, { recursive: true });
    await page.screenshot({ path: join(context().screenshots, `${name}.png`) });
  }

  async function pathA(card: CardOnSite, wrongCodes = 0): Promise<Page> {
    const box = kiosk(card.kiosk);
    const page = await kioskPage(box);
    await insert(box, card.cardNumber);
    await waitForScreen(page, SCREENS.choosePath);
    await button(page, startingWith('於工商憑證網站自行申請')).tap();
    await waitForScreen(page, SCREENS.enterUserCode);
    for (let i = 0; i < wrongCodes; i++) {
      await tapText(page, field(page, '用戶代碼'), `Wr0ng*${i}x`);
      await button(page, '讀取卡片資料').tap();
      await page.getByRole('alert').waitFor();
      if (i < wrongCodes - 1) {
        await button(page, '重新輸入').tap();
        await field(page, '用戶代碼').waitForFunction((input) => (input as HTMLInputElement).value === '');
      }
    }
    return page;
  }

  /** The PIN screen, as a newcomer fills it: the card's PIN twice, then the activated screen. */
  async function setPinToActivated(page: Page, card: CardOnSite): Promise<void> {
    await waitForScreen(page, SCREENS.enterPin);
    await tapText(page, field(page, '設定IC卡PIN碼'), card.pin);
    await tapText(page, field(page, '確認IC卡PIN碼'), card.pin);
    await button(page, '設定IC卡PIN碼').tap();
    await waitForScreen(page, SCREENS.activated);
  }

  async function finishA(page: Page, card: CardOnSite): Promise<void> {
    await tapText(page, field(page, '用戶代碼'), card.userCode);
    await button(page, '讀取卡片資料').tap();
    await waitForScreen(page, SCREENS.confirmCardData);
    await button(page, '進行憑證接受').tap();
    await setPinToActivated(page, card);
    activations++;
  }

  let desk: Page | undefined;
  const steps: Step[] = [
    {
      name: 'cards personalised by the issuing side (deploy/issuing-side: softhsm2-util, pkcs11-tool RSA-2048, openssl CA), registered by the operator on hub-1 (node dist/cards.mjs register)',
      run: async () => {
        const d = context();
        const ca = await createIssuingCa(join(d.state.dir, 'issuing-ca'));
        const records: RegisterRecord[] = [];
        /** Cards into a kiosk's reader: the SoftHSM2 store in its card agent's DATA_DIR (CARD_SLOT_DIR). */
        const personalise = async (box: Box, holders: Array<{ holder: CardHolder; details: IssuanceDetails; userCode: string; pin: string }>) => {
          const conf = join(d.state.dir, `softhsm-${box.name}.conf`);
          await mkdir(onBox(box, CARD_SLOT_DIR), { recursive: true });
          await writeFile(conf, `directories.tokendir = ${onBox(box, CARD_SLOT_DIR)}\nobjectstore.backend = file\nlog.level = ERROR\n`);
          for (const { holder, details, userCode, pin } of holders) {
            const card = await personaliseCard(holder, { ca, softHsmConfig: conf });
            const record = registerRecord(holder, card, details);
            records.push(record);
            cards.set(holder.cardNumber, { cardNumber: holder.cardNumber, userCode, pin, kiosk: box.name });
          }
          await run('chown', ['-R', 'moeaca-card-agent:moeaca-card-agent', onBox(box, '/var/lib/moeaca-kiosk/card-agent/softhsm')]);
        };
        const holder = (cardNumber: string, holderName: string): CardHolder => ({ cardNumber, holderName, orgUnit: '演練分公司', ubn: '97969933', email: `${cardNumber.toLowerCase()}@example.com.tw` });
        const selfApplied = (cardNumber: string, holderName: string, userCode: string) => ({
          holder: holder(cardNumber, holderName),
          details: { route: 'self-applied', userCode } as IssuanceDetails,
          userCode,
          pin: `Pn!${cardNumber.slice(-4)}Q`,
        });
        await personalise(kiosk('kiosk-1'), [
          selfApplied('TR00000000000001', '演練公司甲', 'Rh$1Code'),
          selfApplied('TR00000000000003', '演練公司丙', 'Rh$3Code'),
          ...(options.reduced ? [] : [selfApplied('TR00000000000004', '演練公司丁', 'Rh$4Code')]),
        ]);
        const second = d.harness.boxes.find((b) => b.name === 'kiosk-2');
        if (second !== undefined) {
          await personalise(second, [
            { holder: holder('TR00000000000002', '演練公司乙'), details: { route: 'registration-bundled', responsibleId: 'A123456789', birthDate: '1980-05-17' }, userCode: 'Qz8%Site2', pin: 'Pb9&Rt4?' },
          ]);
        }
        // The issuing side hands the register file and its CA certificate to the operator on a hub node.
        const file = join(d.state.dir, 'operator', 'register.json');
        await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
        await writeFile(file, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
        const out = await operatorCommand(d.harness, d.harness.boxes[0]!, 'cards', ['register', file], { ISSUING_CA_FILE: ca.certificatePath });
        const summary = out.trim().split('\n').at(-1) ?? '';
        if (!summary.startsWith(`${records.length} card(s) registered`)) throw new Error(out);
        return `${records.length} RSA-2048 cards; ${summary}`;
      },
    },
    {
      name: 'path A on kiosk-1 in Chromium by touch (managed policy, as kiosk-display)',
      run: async () => {
        const card = cards.get('TR00000000000001')!;
        const page = await pathA(card);
        await finishA(page, card);
        await shot(page, 'kiosk-1-activated');
        await remove(kiosk('kiosk-1'));
        // The new PIN opens the token, checked with a tool we did not write.
        const conf = join(context().state.dir, 'softhsm-kiosk-1.conf');
        await run('env', [`SOFTHSM2_CONF=${conf}`, 'pkcs11-tool', '--module', '/usr/lib/softhsm/libsofthsm2.so', '--token-label', card.cardNumber, '--login', '--pin', card.pin, '--list-objects']).catch((error: Error) => {
          throw new Error(`the new PIN did not open the token: ${error.message.replace(card.pin, '***')}`);
        });
        return `${card.cardNumber} activated; its new PIN opens the token (pkcs11-tool --login)`;
      },
    },
    ...(options.reduced
      ? []
      : [
          {
            name: 'path B on kiosk-2 in Chromium by touch (responsible person\'s ID and birth date, new contact)',
            run: async () => {
              const card = cards.get('TR00000000000002')!;
              const box = kiosk('kiosk-2');
              const page = await kioskPage(box);
              await insert(box, card.cardNumber);
              await waitForScreen(page, SCREENS.choosePath);
              await button(page, startingWith('透過登記機關')).tap();
              await waitForScreen(page, '輸入工商負責人身分證字號');
              await tapText(page, field(page, '工商負責人身分證字號'), 'A123456789');
              await tapText(page, field(page, '出生年（民國年）'), '69');
              await tapText(page, field(page, '出生月'), '5');
              await tapText(page, field(page, '出生日'), '17');
              await button(page, '讀取卡片資料').tap();
              await waitForScreen(page, SCREENS.confirmCardData);
              await button(page, '資料正確，下一步').tap();
              await waitForScreen(page, '輸入電子信箱及設定用戶代碼');
              await tapText(page, field(page, '新聯絡人電子信箱'), 'new@example.com.tw');
              await tapText(page, field(page, '重設用戶代碼'), card.userCode);
              await tapText(page, field(page, '確認用戶代碼'), card.userCode);
              await button(page, '進行憑證接受').tap();
              await setPinToActivated(page, card);
              activations++;
              await shot(page, 'kiosk-2-activated');
              await remove(box);
              return `${card.cardNumber} activated on path B`;
            },
          },
        ]),
    {
      name: 'five wrong user codes on a third card: LOCKED',
      run: async () => {
        const card = cards.get('TR00000000000003')!;
        const page = await pathA(card, 5);
        const alert = (await page.getByRole('alert').textContent()) ?? '';
        await shot(page, 'kiosk-1-locked');
        const admin = await adminClient(context().harness);
        const listed = (await admin.request('ra.admin.list', '{}', { timeout: 10_000 })).json<{ cards: Array<{ cardNumber: string; status: string }> }>();
        const status = listed.cards.find((c) => c.cardNumber === card.cardNumber)?.status;
        if (status !== 'locked') throw new Error(`status ${status}; the screen said: ${alert.slice(0, 120)}`);
        return `${card.cardNumber} locked`;
      },
    },
    {
      name: 'staff enrolled by the operator on hub-1 (node dist/staff.mjs enroll), signed in at the desk with a passkey',
      run: async () => {
        const d = context();
        const out = await operatorCommand(d.harness, d.harness.boxes[0]!, 'staff', ['enroll', STAFF.id, STAFF.name]);
        const link = /(http:\/\/localhost:8080\/staff#enroll=\S+)/.exec(out)?.[1];
        if (link === undefined) throw new Error(`no link in: ${out}`);
        const deskBox = d.harness.boxes.find((b) => b.kind === 'desk')!;
        const browser = await launchOnBox(d.state, deskBox, d.harness.releaseDir, DESK_BROWSER_USER, [...(await kioskBrowserFlags()).filter((f) => f !== '--kiosk')], { width: 1600, height: 1000 });
        browsers.push(browser);
        desk = browser.pages()[0] ?? (await browser.newPage());
        desk.setDefaultTimeout(120_000);
        const cdp = await browser.newCDPSession(desk);
        await cdp.send('WebAuthn.enable');
        await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
        });
        await desk.goto(link);
        await desk.getByRole('button', { name: '建立通行金鑰' }).click();
        await desk.getByText(`已為 ${STAFF.name}（${STAFF.id}）登錄通行金鑰，請登入。`).waitFor();
        await desk.getByRole('button', { name: '以通行金鑰登入' }).click();
        await desk.locator('[data-staff-id]').getByText(`${STAFF.name}（${STAFF.id}）`).waitFor();
        await shot(desk, 'desk-signed-in');
        return `${STAFF.id} enrolled with a one-time link and signed in by passkey at ${deskBox.name}`;
      },
    },
    {
      name: 'the desk sees every kiosk live; unlocks the locked card; RA_AUDIT names the staff member',
      run: async () => {
        const d = context();
        const page = desk!;
        const kiosks = d.harness.boxes.filter((b) => b.kind === 'kiosk').map((b) => b.name);
        for (const name of kiosks) await page.locator('ka-staff-kiosk-card').filter({ hasText: name }).first().waitFor();
        await page.locator('ka-staff-kiosk-card').filter({ hasText: 'kiosk-1' }).first().click();
        await page.locator('[data-op="lookup"]').click();
        await page.locator('[data-status="locked"]').waitFor();
        await page.locator('[data-op="unlock"]').click();
        await page.locator('[data-status="issued"]').waitFor();
        await shot(page, 'desk-unlocked');
        const registry = await hubClient(d.harness, 'hub-2', 'registry', 'REGISTRY_PASSWORD');
        const jsm = await jetstreamManager(registry);
        const entry = await until(async () => {
          const last = await jsm.streams.getMessage('RA_AUDIT', { last_by_subj: 'ra.audit.staff.unlock' }).catch(() => undefined);
          return last?.json<{ cardNumber: string; staffId?: string; outcome: string }>();
        }, 'the unlock in RA_AUDIT');
        if (entry.staffId !== STAFF.id || entry.cardNumber !== 'TR00000000000003') throw new Error(JSON.stringify(entry));
        return `${kiosks.length} kiosk(s) on the console; unlock audited: ${JSON.stringify(entry)}`;
      },
    },
    {
      name: 'the holder of the unlocked card finishes on kiosk-1',
      run: async () => {
        const card = cards.get('TR00000000000003')!;
        const box = kiosk('kiosk-1');
        await remove(box);
        const page = await pathA(card);
        await finishA(page, card);
        await shot(page, 'kiosk-1-after-unlock');
        await remove(box);
        return `${card.cardNumber} activated after the unlock`;
      },
    },
    {
      name: 'the office dashboard at the desk (/dashboard, the console\'s login) counts today\'s activations and the lock',
      run: async () => {
        const page = await desk!.context().newPage();
        page.setDefaultTimeout(120_000);
        await page.goto('http://127.0.0.1:8080/dashboard');
        const expected = String(activations);
        // Taipei's day: a run across its midnight would count fewer; the figure is then the new day's.
        await page.locator('[data-figure="activationsToday"]').filter({ hasText: new RegExp(`^\\s*${expected}\\s*$`) }).waitFor();
        await page.locator('[data-figure="outcomes"] [data-bar="LOCKED"]:not([data-value="0"])').first().waitFor();
        await shot(page, 'desk-dashboard');
        await page.close();
        return `${expected} activations today on the dashboard; LOCKED among the codes`;
      },
    },
    ...(options.reduced
      ? []
      : [
          {
            name: 'SIGKILL of the hub node holding kiosk-1\'s link and the RA_EVENTS leader during an activation: accepted once, the node rejoins and catches up',
            run: async () => {
              const d = context();
              const card = cards.get('TR00000000000004')!;
              const registry = await hubClient(d.harness, 'hub-1', 'registry', 'REGISTRY_PASSWORD');
              const jsm = await jetstreamManager(registry);
              const page = await pathA(card);
              await tapText(page, field(page, '用戶代碼'), card.userCode);
              await button(page, '讀取卡片資料').tap();
              await waitForScreen(page, SCREENS.confirmCardData);
              // The node holding kiosk-1's link; the RA_EVENTS leader (where the acceptance is written) moved there (leader stepdowns).
              const hubs = d.harness.boxes.filter((b) => b.kind === 'hub');
              const linkHolder = await until(async () => {
                for (const hub of hubs) {
                  // nats-server 2.9's /leafz names no remote server: the link is known by the kiosk's address.
                  const leafz = (await (await get(`http://127.0.0.1:${localPort(d.harness, hub.name, 8222)}/leafz`)).json()) as { leafs: Array<{ ip: string }> | null };
                  if ((leafz.leafs ?? []).some((leaf) => leaf.ip === kiosk('kiosk-1').address)) return hub;
                }
                return undefined;
              }, 'the hub node holding kiosk-1\'s link');
              for (let tries = 0; tries < 12 && (await jsm.streams.info('RA_EVENTS')).cluster?.leader !== linkHolder.name; tries++) {
                await registry.request('$JS.API.STREAM.LEADER.STEPDOWN.RA_EVENTS', '', { timeout: 10_000 }).catch(() => undefined);
                await until(async () => (await jsm.streams.info('RA_EVENTS')).cluster?.leader, 'a new RA_EVENTS leader');
              }
              const leader = (await jsm.streams.info('RA_EVENTS')).cluster?.leader;
              const parts = d.harness.parts[linkHolder.name]!;
              for (const part of parts) await endGroup(part.pid, 'SIGKILL');
              d.harness.parts[linkHolder.name] = [];
              await button(page, '進行憑證接受').tap();
              await setPinToActivated(page, card);
              await remove(kiosk('kiosk-1'));
              // The node comes back as systemd would start it, and catches up.
              await startUnits(d.harness, linkHolder, ['kiosk-nats.service', 'kiosk-registry.service', 'kiosk-staff-auth.service']);
              const survivor = hubs.find((b) => b.name !== linkHolder.name)!;
              const other = await hubClient(d.harness, survivor.name, 'registry', 'REGISTRY_PASSWORD');
              const otherJsm = await jetstreamManager(other);
              await until(async () => {
                const info = await otherJsm.streams.info('RA_EVENTS');
                return (info.cluster?.replicas ?? []).some((r) => r.name === linkHolder.name && r.current) || undefined;
              }, `${linkHolder.name} current again on RA_EVENTS`);
              // The card's messages on RA_EVENTS (one subject per card since the one-write layout): one acceptance.
              const events: RegistryEvent[] = [];
              for (let seq = 1; ; ) {
                const msg = await otherJsm.direct.getMessage('RA_EVENTS', { seq, next_by_subj: `ra.events.${card.cardNumber}.>` });
                if (msg === null) break;
                events.push(eventOf(msg.data));
                seq = msg.seq + 1;
              }
              const accepted = events.filter((event) => event.type === 'accepted');
              if (accepted.length !== 1) throw new Error(`accepted events for the card: ${accepted.length} of ${events.map((event) => event.type).join(', ') || 'none'}`);
              return `killed ${linkHolder.name} (kiosk-1's link; RA_EVENTS leader ${leader}); the activation finished, 1 accepted event; ${linkHolder.name} current again`;
            },
          },
        ]),
  ];
  // Browsers are closed however the run ends.
  const closeBrowsers = async () => {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
  };
  return steps.map((step, index) =>
    index === 0
      ? {
          ...step,
          run: async () => {
            context().close = closeBrowsers;
            return step.run();
          },
        }
      : step,
  );
}
