// Staff sign-in end to end in real Chromium with its virtual authenticator (DevTools WebAuthn
// domain): the operator makes an enrollment link, the console registers a passkey with it, signs in
// with the passkey, looks a card up and unlocks it at the real registry with the staff token the
// real staff-auth service issued; the audit stream names the staff member; a return records the
// contact and shows the print-ready return slip (docs/screenshots/staff-return-slip.png).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import type { Browser, Page } from 'playwright-core';
import { buildKiosk } from '../../kiosk/tools/build.ts';
import { fixtureKioskView } from '../../kiosk/consoles/fixtures.ts';
import { registrySubjectFor } from '../../machines/contract/index.ts';
import { importCards } from '../../platform/registry-admin-client.ts';
import { startRegistry, type RunningRegistry } from '../../services/registry/registry.service.ts';
import { readAll } from '../../services/registry/registry-store.ts';
import { freePort } from '../../platform/nats-server.ts';
import { encodeJson } from '../../platform/nats-json.ts';
import { AdminEnrollReplySchema, STAFF_AUTH_SUBJECTS } from '../../machines/contract/staff.ts';
import { startStaffAuth } from '../../services/staff-auth/staff-auth.service.ts';
import { loadStaffTokenKeys } from '../../services/staff-auth/staff-token.ts';
import { startUiServer } from '../../services/ui/static.service.ts';
import { launchChromium } from '../support/e2e-kiosk-page.ts';
import { SAMPLE_CARD_KEY, SAMPLE_CERT_SERIAL, SAMPLE_USER_CODE, sampleCardRecord } from '../support/sample-cards.ts';
import { startTestNats, type TestNats } from '../support/nats.ts';
import * as v from 'valibot';

const LOCKED_CARD = fixtureKioskView('kiosk-2').card!.cardNumber;
const RETURN_CARD = 'TT00000000000077';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

let nats: TestNats;
let nc: NatsConnection;
let registry: RunningRegistry;
let staffAuth: { stop(): Promise<void> };
let ui: { url: string; stop(): Promise<void> };
let distDir: string;
let origin: string;
let browser: Browser;
const subscriptions: Subscription[] = [];

/** A kiosk engine's part, played by the test: kiosk-2 answers discover with its view. */
function playKiosk(view: ReturnType<typeof fixtureKioskView>): void {
  subscriptions.push(nc.subscribe('kiosk.discover', { callback: (_e, msg) => void msg.respond(encodeJson(view)) }));
  subscriptions.push(nc.subscribe(`kiosk.${view.kioskId}.view.get`, { callback: (_e, msg) => void msg.respond(encodeJson(view)) }));
}

async function withVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

async function audit() {
  return (await readAll(jetstream(nc), 'RA_AUDIT', 'ra.audit.staff.>')).map((m) => m.json<{ action: string; cardNumber: string; staffId?: string; outcome: string }>());
}

beforeAll(async () => {
  nats = await startTestNats({ websocket: true });
  nc = await nats.connect('staff-webauthn-test');
  const port = await freePort();
  origin = `http://localhost:${port}`;
  registry = await startRegistry({ nc: await nats.connect('registry'), dataDir: nats.dataDir, secretKey: Buffer.alloc(32, 3), scryptCost: { N: 1024, r: 8, p: 1 } });
  staffAuth = await startStaffAuth({ nc: await nats.connect('staff-auth'), keys: await loadStaffTokenKeys(nats.dataDir), origin });
  await importCards(nc, [sampleCardRecord(LOCKED_CARD), sampleCardRecord(RETURN_CARD, { status: 'used-before-activation' })]);
  for (let i = 0; i < 5; i++) {
    await nc.request(registrySubjectFor('verify'), encodeJson({ cardNumber: LOCKED_CARD, certSerial: SAMPLE_CERT_SERIAL, kioskId: `kiosk-w${i}`, route: 'self-applied', userCode: 'Wrong$123' }));
  }
  distDir = await mkdtemp(join(tmpdir(), 'staff-webauthn-dist-'));
  await buildKiosk({ outdir: distDir });
  ui = await startUiServer({
    port,
    distDir,
    browserConfig: () => ({ natsWsUrl: nats.server.wsUrl!, kioskId: 'kiosk-1', simulatedReader: false }),
    health: async () => ({ ok: true, parts: {} }) as never,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const subscription of subscriptions) subscription.unsubscribe();
  await ui?.stop();
  await staffAuth?.stop();
  await registry?.stop();
  await nats?.stop();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

describe('staff sign-in with a passkey, end to end', () => {
  it('enrolls, signs in, unlocks a card with the issued token, and the audit names the staff member', async () => {
    const enrollment = v.parse(
      AdminEnrollReplySchema,
      (await nc.request(STAFF_AUTH_SUBJECTS.adminEnroll, JSON.stringify({ staffId: 'A1023', name: '林小姐' }), { timeout: 5_000 })).json(),
    );
    expect(enrollment.link).toBe(`${origin}/staff#enroll=${enrollment.code}`);
    playKiosk(fixtureKioskView('kiosk-2'));

    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await withVirtualAuthenticator(page);
    // Opened at 127.0.0.1, the console moves itself to localhost (passkeys need a host name).
    await page.goto(enrollment.link.replace('//localhost', '//127.0.0.1'));
    await page.waitForURL(`${origin}/staff*`);
    await page.getByRole('button', { name: '建立通行金鑰' }).click();
    await page.getByText('已為 林小姐（A1023）登錄通行金鑰，請登入。').waitFor();
    // The console says which authenticators this site takes (here: any, as on the embedded stack).
    await page.getByText('本站接受任何通行金鑰或安全金鑰。').waitFor();
    // The link works once.
    const again = (await nc.request(STAFF_AUTH_SUBJECTS.enrollBegin, JSON.stringify({ code: enrollment.code }), { timeout: 5_000 })).json<{ error?: { code: string } }>();
    expect(again.error?.code).toBe('ENROLL_CODE_INVALID');

    await page.screenshot({ path: join(SCREENSHOTS, 'staff-sign-in.png') });
    await page.getByRole('button', { name: '以通行金鑰登入' }).click();
    await page.locator('[data-staff-id]').getByText('林小姐（A1023）').waitFor();

    await page.locator('ka-staff-kiosk-card').first().click();
    await page.locator('[data-op="lookup"]').click();
    await page.locator('[data-status="locked"]').waitFor();
    await page.locator('[data-op="unlock"]').click();
    await page.locator('[data-status="issued"]').waitFor();
    const identified = (await nc.request(registrySubjectFor('identify'), encodeJson({ cardNumber: LOCKED_CARD, certSerial: SAMPLE_CERT_SERIAL, certificateKeySha256: SAMPLE_CARD_KEY.certificateKeySha256 }), { timeout: 5_000 })).json<{ status: string }>();
    expect(identified.status).toBe('issued');
    const trail = (await audit()).filter((entry) => entry.cardNumber === LOCKED_CARD);
    // Each request is in the audit before the registry acts on it, and its outcome after.
    expect(trail.map((entry) => [entry.action, entry.staffId, entry.outcome])).toEqual([
      ['card', 'A1023', 'requested'],
      ['card', 'A1023', 'ok'],
      ['unlock', 'A1023', 'requested'],
      ['unlock', 'A1023', 'ok'],
      ['card', 'A1023', 'requested'],
      ['card', 'A1023', 'ok'],
    ]);

    // A return: the contact is recorded and the return slip comes up, ready to print.
    await page.locator('ka-staff-card-panel input').first().fill(RETURN_CARD);
    await page.locator('[data-op="lookup"]').click();
    await page.locator('[data-status="used-before-activation"]').waitFor();
    await page.locator('[data-op="return"]').click();
    await page.locator('ka-staff-return-form [name="name"]').fill('王小明');
    await page.locator('ka-staff-return-form [name="phone"]').fill('02-2345-6789');
    await page.locator('ka-staff-return-form [name="address"]').fill('330 桃園市桃園區測試路1號');
    await page.locator('[data-confirm="return"]').click();
    await page.locator('[data-slip="card"]').getByText(RETURN_CARD).waitFor();
    const slipText = await page.locator('ka-staff-return-slip').evaluate((slip) => slip.shadowRoot!.textContent ?? '');
    expect(slipText).toContain('100 臺北市信義路一段 21 號數據大樓 4 樓，憑證管理中心收');
    expect(slipText).toContain('27011');
    expect(slipText).toMatch(/民國\d+年\d+月\d+日/);
    expect(slipText).toContain('02-2345-6789');
    expect(slipText).not.toContain(SAMPLE_USER_CODE);
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SCREENSHOTS, 'staff-return-slip.png'), fullPage: true });
    expect(await page.getByRole('button', { name: '列印寄回單' }).isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // A second browser without the passkey cannot sign in as anyone.
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await withVirtualAuthenticator(strangerPage);
    await strangerPage.goto(`${origin}/staff`);
    await strangerPage.getByLabel(/員工代號/).fill('A1023');
    await strangerPage.getByRole('button', { name: '以通行金鑰登入' }).click();
    await strangerPage.getByRole('alert').waitFor();
    expect(await strangerPage.locator('[data-staff-id]').count()).toBe(0);
    await stranger.close();
    await context.close();
  });

  it('a site that lists its authenticator models refuses any other: the virtual authenticator does not enroll', async () => {
    // The same stack, staff-auth restarted with a list that does not name the virtual authenticator.
    await staffAuth.stop();
    staffAuth = await startStaffAuth({
      nc: await nats.connect('staff-auth-listed'),
      keys: await loadStaffTokenKeys(nats.dataDir),
      origin,
      authenticators: { kind: 'listed', aaguids: new Set(['cb69481e-8ff7-4039-93ec-0a2729a154a8']) },
    });
    const enrollment = v.parse(
      AdminEnrollReplySchema,
      (await nc.request(STAFF_AUTH_SUBJECTS.adminEnroll, JSON.stringify({ staffId: 'B2048', name: '陳先生' }), { timeout: 5_000 })).json(),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await withVirtualAuthenticator(page);
    await page.goto(enrollment.link);
    await page.getByRole('button', { name: '建立通行金鑰' }).click();
    await page.getByRole('alert').getByText(/PASSKEY_REFUSED/).waitFor();
    const listed = (await nc.request(STAFF_AUTH_SUBJECTS.adminList, '{}', { timeout: 5_000 })).json<{ staff: { staffId: string }[] }>();
    expect(listed.staff.map((member) => member.staffId)).not.toContain('B2048');
    await context.close();
  });
});
