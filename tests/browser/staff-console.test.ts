// The staff console rendered from fixture kiosks (views of the real session machine): the list
// in order with its badges and words, the actions each kiosk's `accepts` allows and no others,
// the staff id prompt, the confirmation before a destructive action, the card panel's record, and
// no axe-core violations in any of these states.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { ERRORS } from '../../machines/contract/errors.ts';
import { errorText, strings } from '../../kiosk/src/i18n.ts';
import { KaStaffApp } from '../../kiosk/staff/app/ka-staff-app.ts';
import { StaffController } from '../../kiosk/staff/staff-controller.ts';
import { KaInspectorApp } from '../../kiosk/inspector/app/ka-inspector-app.ts';
import { InspectorController } from '../../kiosk/inspector/inspector-controller.ts';
import { STAFF_SESSION_STORAGE_KEY } from '../../kiosk/staff/staff-session.ts';
import type { KaStaffCardPanel } from '../../kiosk/staff/card-panel/ka-staff-card-panel.ts';
import type { KaStaffKioskCard } from '../../kiosk/staff/kiosk-card/ka-staff-kiosk-card.ts';
import type { KaStaffKioskDetail } from '../../kiosk/staff/kiosk-detail/ka-staff-kiosk-detail.ts';
import {
  FIXTURE_KIOSK_IDS,
  fixture27011CardReply,
  fixtureKiosks,
  fixtureLockedCardReply,
} from '../../kiosk/consoles/fixtures.ts';
import { applyView, needsStaff, sortKiosks, STAFF_ACTION_ORDER, staffActionsFor, type KioskEntry } from '../../kiosk/consoles/kiosk-status.ts';
import { formatTime, staffStrings } from '../../kiosk/staff/staff-strings.ts';
import { axeViolations, deepAll, describeViolations } from './support/helpers.ts';

const zh = strings('zh-TW');

async function settleAll(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const all = [root, ...deepAll(root, '*')].filter(
      (el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el,
    );
    await Promise.all(all.map((el) => el.updateComplete));
  }
}

function sessionOf(staffId: string, expiresInMs = 15 * 60_000) {
  return { token: 'fixture-token', staffId, name: '林小姐', expiresAt: new Date(Date.now() + expiresInMs).toISOString() };
}

async function renderConsole(options: { kiosks?: Map<string, KioskEntry>; selected?: string; staffId?: string | null } = {}): Promise<KaStaffApp> {
  sessionStorage.clear();
  if (options.staffId !== null) sessionStorage.setItem(STAFF_SESSION_STORAGE_KEY, JSON.stringify(sessionOf(options.staffId ?? 'A1023')));
  const app = await fixture<KaStaffApp>(html`<ka-staff-app
    .kiosks=${options.kiosks ?? fixtureKiosks()}
    .selectedKioskId=${options.selected}
  ></ka-staff-app>`);
  await settleAll(app);
  return app;
}

const cards = (app: KaStaffApp) => deepAll<KaStaffKioskCard>(app, 'ka-staff-kiosk-card');
const cardOf = (app: KaStaffApp, kioskId: string) => {
  const found = cards(app).find((card) => card.entry?.view.kioskId === kioskId);
  if (!found) throw new Error(`no card for ${kioskId}`);
  return found;
};
const detail = (app: KaStaffApp) => deepAll<KaStaffKioskDetail>(app, 'ka-staff-kiosk-detail')[0]!;
const panel = (app: KaStaffApp) => deepAll<KaStaffCardPanel>(app, 'ka-staff-card-panel')[0]!;
/** All text in `el`, through every shadow root. */
function text(el: Element): string {
  const parts: string[] = [];
  const visit = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
    if (node instanceof Element && node.shadowRoot) visit(node.shadowRoot);
    for (const child of node.childNodes) visit(child);
  };
  visit(el);
  return parts.join(' ').replace(/\s+/g, ' ');
}
const actionButtons = (app: KaStaffApp) => deepAll<HTMLButtonElement>(app, 'button[data-action]');

describe('staff console from fixture kiosks', () => {
  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
  });

  after(() => sessionStorage.clear());

  it('fixtures cover staffAssist, staff-remedy errors, busy, idle and a kiosk that stopped answering', () => {
    const views = [...fixtureKiosks().values()].map((entry) => entry.view);
    expect(views.some((view) => view.screen === 'staffAssist')).to.equal(true);
    expect(views.filter((view) => view.error && ERRORS[view.error.code].remedy === 'staff').length).to.be.at.least(2);
    expect(views.some((view) => view.busy)).to.equal(true);
    expect(views.some((view) => view.screen === 'insertCard')).to.equal(true);
    expect([...fixtureKiosks().values()].some((entry) => !entry.answering)).to.equal(true);
  });

  it('lists every kiosk, those needing staff first, each marked with an icon and 需要協助', async () => {
    const app = await renderConsole();
    const order = cards(app).map((card) => card.entry?.view.kioskId);
    expect(order).to.deep.equal(['kiosk-2', 'kiosk-3', 'kiosk-6', 'kiosk-8', 'kiosk-1', 'kiosk-4', 'kiosk-5', 'kiosk-7']);
    expect(order.slice().sort()).to.deep.equal([...FIXTURE_KIOSK_IDS].sort());
    for (const card of cards(app)) {
      const help = needsStaff(card.entry!.view);
      expect(card.hasAttribute('help'), card.entry!.view.kioskId).to.equal(help);
      const badge = card.shadowRoot!.querySelector('[data-badge="needsStaff"]');
      if (help) {
        expect(badge?.textContent?.trim()).to.equal(staffStrings.badges.needsStaff);
        expect(badge?.querySelector('svg')).to.not.equal(null);
      } else {
        expect(badge).to.equal(null);
      }
    }
    expect(text(app)).to.include('共 8 部，4 部需要協助');
    expect(document.title.startsWith('(4) ')).to.equal(true);
  });

  it('shows the screen in the kiosk’s zh-TW words, the state path, card, error text, countdown and last change', async () => {
    const kiosks = fixtureKiosks();
    const app = await renderConsole({ kiosks });
    const entry = kiosks.get('kiosk-1')!;
    const shown = text(cardOf(app, 'kiosk-1'));
    expect(shown).to.include(zh.screens.enterUserCode.title);
    expect(shown).to.include('session.awaitingUserCode');
    expect(shown).to.include('TT00000000000051');
    expect(shown).to.include('測試公司1');
    expect(shown).to.include('3005');
    expect(shown).to.include(errorText('3005', 'zh-TW'));
    expect(shown).to.include(formatTime(entry.changedAt));
    const countdown = deepAll(cardOf(app, 'kiosk-1'), 'ka-staff-countdown')[0]!;
    expect(text(countdown)).to.match(/剩餘 7\d 秒/);
  });

  it('marks busy and silent kiosks with words, not colour alone', async () => {
    const app = await renderConsole();
    expect(cardOf(app, 'kiosk-5').shadowRoot!.querySelector('[data-badge="busy"]')?.textContent?.trim()).to.equal(staffStrings.badges.busy);
    expect(cardOf(app, 'kiosk-6').shadowRoot!.querySelector('[data-badge="silent"]')?.textContent?.trim()).to.equal(staffStrings.badges.silent);
    expect(cardOf(app, 'kiosk-4').shadowRoot!.querySelector('[data-badge]')).to.equal(null);
  });

  it('selects a kiosk on click and shows it in detail', async () => {
    const app = await renderConsole();
    cardOf(app, 'kiosk-8').shadowRoot!.querySelector('button')!.click();
    await settleAll(app);
    expect(app.selectedKioskId).to.equal('kiosk-8');
    expect(cardOf(app, 'kiosk-8').shadowRoot!.querySelector('button')!.getAttribute('aria-pressed')).to.equal('true');
    expect(cardOf(app, 'kiosk-2').shadowRoot!.querySelector('button')!.getAttribute('aria-pressed')).to.equal('false');
    const shown = text(detail(app));
    expect(shown).to.include('kiosk-8');
    expect(shown).to.include('session.failed.cardLocked');
    expect(shown).to.include(errorText('LOCKED', 'zh-TW'));
    expect(panel(app).shadowRoot!.querySelector('input')!.value).to.equal('TT00000000000051');
  });

  for (const kioskId of FIXTURE_KIOSK_IDS) {
    it(`offers ${kioskId} exactly the staff actions its view accepts`, async () => {
      const kiosks = fixtureKiosks();
      const view = kiosks.get(kioskId)!.view;
      const app = await renderConsole({ kiosks, selected: kioskId });
      const shown = actionButtons(app).map((button) => button.dataset.action);
      const accepted = view.accepts.filter((type) => type.startsWith('staff.'));
      expect(shown).to.deep.equal(STAFF_ACTION_ORDER.filter((type) => accepted.includes(type)));
      expect(shown).to.deep.equal(staffActionsFor(view));
      for (const button of actionButtons(app)) {
        expect(button.textContent?.trim()).to.equal(staffStrings.actions.byType[button.dataset.action as keyof typeof staffStrings.actions.byType].label);
      }
      if (shown.length === 0) expect(text(detail(app))).to.include(staffStrings.actions.none);
    });
  }

  it('the fixtures reach every staff action somewhere', () => {
    const offered = new Set([...fixtureKiosks().values()].flatMap((entry) => staffActionsFor(entry.view)));
    expect([...offered].sort()).to.deep.equal([...STAFF_ACTION_ORDER].sort());
  });

  it('asks for a confirmation before ending a session or taking the card, and can cancel it', async () => {
    const app = await renderConsole({ selected: 'kiosk-3' });
    const take = actionButtons(app).find((button) => button.dataset.action === 'staff.takeCard')!;
    take.click();
    await settleAll(app);
    const question = detail(app).shadowRoot!.querySelector('#confirm-question');
    expect(question?.textContent).to.include(staffStrings.actions.byType['staff.takeCard'].confirm);
    expect(take.getAttribute('aria-expanded')).to.equal('true');
    const cancel = detail(app).shadowRoot!.querySelector<HTMLButtonElement>('[data-cancel]')!;
    expect(detail(app).shadowRoot!.activeElement).to.equal(cancel);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.deep.equal([]);
    cancel.click();
    await settleAll(app);
    expect(detail(app).shadowRoot!.querySelector('#confirm-question')).to.equal(null);
  });

  it('drops a pending confirmation when the kiosk no longer takes that action', async () => {
    const kiosks = fixtureKiosks();
    const app = await renderConsole({ kiosks, selected: 'kiosk-3' });
    actionButtons(app).find((button) => button.dataset.action === 'staff.abort')!.click();
    await settleAll(app);
    expect(detail(app).confirming).to.equal('staff.abort');
    const idle = kiosks.get('kiosk-4')!.view;
    const moved = applyView(kiosks.get('kiosk-3'), { ...idle, kioskId: 'kiosk-3', seq: 13 }, { authoritative: false, now: Date.now() });
    app.kiosks = new Map(kiosks).set('kiosk-3', moved.entry);
    await settleAll(app);
    expect(detail(app).confirming).to.equal(undefined);
    expect(actionButtons(app)).to.deep.equal([]);
  });

  it('says when a staff action cannot be sent because the console is not connected', async () => {
    const app = await renderConsole({ selected: 'kiosk-2' });
    actionButtons(app).find((button) => button.dataset.action === 'staff.resume')!.click();
    await settleAll(app);
    const alert = detail(app).shadowRoot!.querySelector('[role="alert"]');
    expect(alert?.textContent).to.include(staffStrings.requestError.notConnected);
  });

  it('shows a card record with its history, unlock for a locked card, return for an unreturned one', async () => {
    const app = await renderConsole({ selected: 'kiosk-2' });
    panel(app).record = fixtureLockedCardReply();
    await settleAll(app);
    const root = panel(app).shadowRoot!;
    expect(root.querySelector('[data-status]')?.textContent).to.equal(staffStrings.statuses.locked);
    expect(root.querySelector('[data-op="unlock"]')).to.not.equal(null);
    expect(root.querySelector('[data-op="return"]')).to.not.equal(null);
    const rows = [...root.querySelectorAll('tbody tr')].map((row) => (row as HTMLElement).dataset.eventType);
    expect(rows[0]).to.equal('locked');
    expect(rows[rows.length - 1]).to.equal('imported');
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.deep.equal([]);

    panel(app).record = fixture27011CardReply();
    await settleAll(app);
    expect(root.querySelector('[data-op="unlock"]')).to.equal(null);
    expect(root.querySelector('[data-op="return"]')).to.not.equal(null);
    panel(app).record = { ...fixture27011CardReply(), status: 'activated' };
    await settleAll(app);
    expect(root.querySelector('[data-op="return"]')).to.equal(null);
  });

  it('refuses a malformed card number without asking the registry', async () => {
    const app = await renderConsole({ selected: 'kiosk-2' });
    const root = panel(app).shadowRoot!;
    const input = root.querySelector('input')!;
    input.focus();
    input.select();
    await sendKeys({ type: 'not a card!' });
    root.querySelector<HTMLButtonElement>('[data-op="lookup"]')!.click();
    await settleAll(app);
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(root.querySelector('#card-number-error')?.textContent).to.include(staffStrings.cardPanel.invalidNumber);
    expect(root.querySelector('[role="alert"]')).to.equal(null);
  });

  for (const selected of ['kiosk-2', 'kiosk-4', 'kiosk-7']) {
    it(`has no axe-core violations with every kiosk listed and ${selected} selected`, async () => {
      const app = await renderConsole({ selected });
      const violations = await axeViolations(app);
      expect(violations, describeViolations(violations)).to.deep.equal([]);
    });
  }

  it('shows a hint when there are no kiosks yet', async () => {
    const app = await renderConsole({ kiosks: new Map() });
    expect(text(app)).to.include(staffStrings.noKiosks);
    expect(text(app)).to.include(staffStrings.selectHint);
  });
});

describe('staff session', () => {
  after(() => sessionStorage.clear());

  it('without a session shows only the sign-in screen', async () => {
    const app = await renderConsole({ staffId: null });
    expect(app.staffId).to.equal(undefined);
    expect(deepAll(app, 'ka-staff-sign-in').length).to.equal(1);
    expect(deepAll(app, 'ka-staff-kiosk-card')).to.deep.equal([]);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.deep.equal([]);
  });

  it('shows who is signed in, keeps it for the tab, and signs out', async () => {
    const app = await renderConsole();
    expect(app.shadowRoot!.querySelector('[data-staff-id]')?.textContent).to.equal('林小姐（A1023）');
    expect(cards(app).length).to.equal(8);
    const again = await fixture<KaStaffApp>(html`<ka-staff-app .kiosks=${fixtureKiosks()}></ka-staff-app>`);
    expect(again.staffId).to.equal('A1023');
    again.shadowRoot!.querySelector<HTMLButtonElement>('[data-sign-out]')!.click();
    await settleAll(again);
    expect(again.staffId).to.equal(undefined);
    expect(sessionStorage.getItem(STAFF_SESSION_STORAGE_KEY)).to.equal(null);
    expect(deepAll(again, 'ka-staff-sign-in').length).to.equal(1);
  });

  it('drops an expired stored session, and signs out when the session expires on screen', async () => {
    sessionStorage.setItem(STAFF_SESSION_STORAGE_KEY, JSON.stringify(sessionOf('A1023', -1000)));
    const stale = await fixture<KaStaffApp>(html`<ka-staff-app .kiosks=${fixtureKiosks()}></ka-staff-app>`);
    expect(stale.staffId).to.equal(undefined);
    sessionStorage.setItem(STAFF_SESSION_STORAGE_KEY, JSON.stringify(sessionOf('A1023', 400)));
    const app = await fixture<KaStaffApp>(html`<ka-staff-app .kiosks=${fixtureKiosks()}></ka-staff-app>`);
    expect(app.staffId).to.equal('A1023');
    await waitUntil(() => app.staffId === undefined, 'never signed out at expiry');
    await settleAll(app);
    const signIn = deepAll(app, 'ka-staff-sign-in')[0]!;
    expect(signIn.shadowRoot!.textContent).to.include(staffStrings.signIn.expired);
  });
});

describe('console connection (shared by the staff console and the inspector)', () => {
  const badConfigUrl = `data:application/json,${encodeURIComponent('{"kioskId":"Bad Id"}')}`;

  it('the staff console shows a bad config.json as its problem, disconnected, with no backend', async () => {
    const app = await fixture<KaStaffApp>(html`<ka-staff-app></ka-staff-app>`);
    new StaffController(app, { configUrl: badConfigUrl });
    await waitUntil(() => app.connection === 'disconnected', 'never reported disconnected');
    expect(app.problem).to.be.a('string').and.not.equal('');
    expect(app.backend).to.equal(undefined);
  });

  it('the inspector shows a bad config.json as its problem, disconnected, following no kiosk', async () => {
    const app = await fixture<KaInspectorApp>(html`<ka-inspector-app></ka-inspector-app>`);
    new InspectorController(app, { configUrl: badConfigUrl });
    await waitUntil(() => app.connection === 'disconnected', 'never reported disconnected');
    expect(app.problem).to.be.a('string').and.not.equal('');
    expect(app.kioskId).to.equal(undefined);
  });
});

describe('kiosk list rules', () => {
  const kiosks = fixtureKiosks();
  const view = (id: string) => kiosks.get(id)!.view;

  it('needs staff on staffAssist or an error whose remedy is staff, not on user-fixable errors', () => {
    expect(needsStaff(view('kiosk-2'))).to.equal(true);
    expect(needsStaff(view('kiosk-3'))).to.equal(true);
    expect(needsStaff(view('kiosk-1'))).to.equal(false);
    expect(needsStaff({ ...view('kiosk-4'), screen: 'failed', error: { code: 'CARD_SWAPPED', retryable: true } })).to.equal(false);
  });

  it('sorts kiosk ids numerically within each group', () => {
    const idle = view('kiosk-4');
    const entries = ['kiosk-10', 'kiosk-9', 'kiosk-2'].map((kioskId) => ({ view: { ...idle, kioskId }, changedAt: 0, answering: true }));
    expect(sortKiosks(entries).map((entry) => entry.view.kioskId)).to.deep.equal(['kiosk-2', 'kiosk-9', 'kiosk-10']);
  });

  it('keeps the newer view, flags an older published one as stale, and lets view.get win', () => {
    const base = applyView(undefined, view('kiosk-1'), { authoritative: false, now: 1000 }).entry;
    const newer = { ...view('kiosk-1'), seq: base.view.seq + 1, screen: 'verifying' as const };
    const older = { ...view('kiosk-1'), seq: base.view.seq - 5 };
    expect(applyView(base, newer, { authoritative: false, now: 2000 }).entry).to.deep.equal({ view: newer, changedAt: 2000, answering: true });
    const stale = applyView(base, older, { authoritative: false, now: 3000 });
    expect(stale.stale).to.equal(true);
    expect(stale.entry).to.equal(base);
    const restarted = applyView(base, older, { authoritative: true, now: 4000 });
    expect(restarted.entry.view).to.deep.equal(older);
    expect(applyView(base, base.view, { authoritative: true, now: 5000 }).entry.changedAt).to.equal(1000);
  });
});
