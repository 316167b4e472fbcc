// The office dashboard from a known RA_EVENTS history and known kiosk views: the figures the
// model computes and the charts the page draws; axe-core on the page.
import { expect, fixture, html } from '@open-wc/testing';
import { computeFigures, type RegistryEventLike } from '../../kiosk/dashboard/dashboard-model.ts';
import { KaDashboardApp } from '../../kiosk/dashboard/ka-dashboard-app.ts';
import { fixtureKiosks } from '../../kiosk/consoles/fixtures.ts';
import { axeViolations, describeViolations } from './support/helpers.ts';

// 2026-06-01 in Taipei: 09:00 is 01:00Z.
const NOW = Date.parse('2026-06-01T08:00:00Z');
const at = (hhmmss: string) => `2026-06-01T${hhmmss}Z`;

const SELF = 'self-applied';
const BUNDLED = 'registration-bundled';

/**
 * Four activations today: a self-applied one complete, a registration-bundled one complete, a
 * self-applied one stopped after acceptance (its verify from before events named the path), one
 * verified only by events that name no path; one wrong attempt, one lock, one from yesterday.
 */
const HISTORY: RegistryEventLike[] = [
  { type: 'imported', cardNumber: 'TT1', at: '2026-05-30T01:00:00Z', route: SELF },
  { type: 'verified', cardNumber: 'TT9', at: '2026-05-31T03:00:00Z', route: BUNDLED, activation: 'old' },
  { type: 'activated', cardNumber: 'TT9', at: '2026-05-31T03:05:00Z', route: BUNDLED, activation: 'old' },
  { type: 'attempt-failed', cardNumber: 'TT1', at: at('01:00:00'), route: SELF, attemptsLeft: 4 },
  { type: 'verified', cardNumber: 'TT1', at: at('01:01:00'), route: SELF, activation: 'a1' },
  { type: 'accepted', cardNumber: 'TT1', at: at('01:02:00'), route: SELF, activation: 'a1' },
  { type: 'pin-granted', cardNumber: 'TT1', at: at('01:02:30'), route: SELF, activation: 'a1' },
  { type: 'activated', cardNumber: 'TT1', at: at('01:03:00'), route: SELF, activation: 'a1' },
  { type: 'verified', cardNumber: 'TT2', at: at('02:10:00'), route: BUNDLED, activation: 'a2' },
  { type: 'accepted', cardNumber: 'TT2', at: at('02:13:00'), route: BUNDLED, activation: 'a2' },
  { type: 'pin-granted', cardNumber: 'TT2', at: at('02:14:00'), route: BUNDLED, activation: 'a2' },
  { type: 'pin-granted', cardNumber: 'TT2', at: at('02:14:20'), route: BUNDLED, activation: 'a2' },
  { type: 'activated', cardNumber: 'TT2', at: at('02:15:00'), route: BUNDLED, activation: 'a2' },
  { type: 'verified', cardNumber: 'TT3', at: at('03:00:00'), activation: 'a3' },
  { type: 'accepted', cardNumber: 'TT3', at: at('03:04:00'), route: SELF, activation: 'a3' },
  { type: 'locked', cardNumber: 'TT4', at: at('04:00:00'), route: SELF },
  { type: 'verified', cardNumber: 'TT5', at: at('05:00:00'), activation: 'a5' },
];

describe('office dashboard', () => {
  const views = [...fixtureKiosks().values()].map((entry) => entry.view);
  const figures = computeFigures(HISTORY, views, NOW);

  it('counts a known history', () => {
    expect(figures.day).to.equal('2026-06-01');
    expect(figures.activationsToday).to.equal(2);
    expect(figures.activationsPerHour[9]).to.equal(1);
    expect(figures.activationsPerHour[10]).to.equal(1);
    expect(figures.activationsPerHour.reduce((a, b) => a + b, 0)).to.equal(2);
    expect(figures.funnel).to.deep.equal({ verified: 4, accepted: 3, 'pin-granted': 2, activated: 2 });
    expect(figures.endedAt).to.deep.equal({ verified: 1, accepted: 1, 'pin-granted': 0, activated: 2 });
    // verified→accepted: 60 s, 180 s, 240 s; accepted→pin-granted: 30 s, 60 s (first grant); pin-granted→activated: 30 s, 60 s
    expect(figures.medianSeconds).to.deep.equal({ 'verified→accepted': 180, 'accepted→pin-granted': 45, 'pin-granted→activated': 45 });
    expect(figures.unknownPath).to.equal(1);
  });

  it('counts each path on its own; an activation is of the path any of its events names', () => {
    expect(figures.byPath[SELF]).to.deep.equal({
      funnel: { verified: 2, accepted: 2, 'pin-granted': 1, activated: 1 },
      endedAt: { verified: 0, accepted: 1, 'pin-granted': 0, activated: 1 },
      // verified→accepted: 60 s (a1), 240 s (a3)
      medianSeconds: { 'verified→accepted': 150, 'accepted→pin-granted': 30, 'pin-granted→activated': 30 },
    });
    expect(figures.byPath[BUNDLED]).to.deep.equal({
      funnel: { verified: 1, accepted: 1, 'pin-granted': 1, activated: 1 },
      endedAt: { verified: 0, accepted: 0, 'pin-granted': 0, activated: 1 },
      medianSeconds: { 'verified→accepted': 180, 'accepted→pin-granted': 60, 'pin-granted→activated': 60 },
    });
    expect(figures.outcomes['3005']).to.be.at.least(1);
    expect(figures.outcomes.LOCKED).to.be.at.least(1);
    expect(figures.kiosks.inService + figures.kiosks.outOfService).to.equal(views.length);
  });

  it('draws the figures as charts', async () => {
    const app = await fixture<KaDashboardApp>(html`<ka-dashboard-app .figures=${figures} connection="connected"></ka-dashboard-app>`);
    const root = app.shadowRoot!;
    expect(root.querySelector('[data-figure="activationsToday"]')!.textContent!.trim()).to.equal('2');
    const bar = (figure: string, path: string, label: string) =>
      root.querySelector<SVGGElement>(`[data-figure="${figure}"] [data-path="${path}"] [data-bar="${label}"]`)!.dataset.value;
    expect(bar('funnel', SELF, '身分核對')).to.equal('2');
    expect(bar('funnel', SELF, '開卡完成')).to.equal('1');
    expect(bar('funnel', BUNDLED, '身分核對')).to.equal('1');
    expect(bar('funnel', BUNDLED, '開卡完成')).to.equal('1');
    expect(bar('endedAt', SELF, '憑證接受')).to.equal('1');
    expect(bar('endedAt', BUNDLED, '憑證接受')).to.equal('0');
    expect(bar('median', SELF, '→ 憑證接受')).to.equal('150');
    expect(bar('median', BUNDLED, '→ 憑證接受')).to.equal('180');
    // Each group is labelled with the kiosk's own name of the path.
    const group = (path: string) => root.querySelector(`[data-figure="funnel"] [data-path="${path}"]`)!;
    expect(group(SELF).querySelector('h3')!.textContent).to.equal('於工商憑證網站自行申請');
    expect(group(BUNDLED).querySelector('h3')!.textContent).to.equal('透過登記機關之公司或商業『設立/變更登記表』併案申請工商憑證');
    expect(group(BUNDLED).querySelector('svg')!.getAttribute('aria-label')).to.contain('併案申請工商憑證）：身分核對 1');
    // Both paths on one scale: the bundled path's one verify is half as long as the self-applied path's two.
    const width = (path: string) => Number(group(path).querySelector('[data-bar="身分核對"] rect')!.getAttribute('width'));
    expect(width(BUNDLED) * 2).to.equal(width(SELF));
    expect(root.querySelector('[data-figure="funnelTotal"]')!.textContent).to.contain('身分核對 4');
    expect(root.querySelector('[data-figure="unknownPath"]')!.textContent).to.contain('申請方式不明：1 件');
    expect(root.querySelector<SVGGElement>('[data-hour="9"]')!.dataset.value).to.equal('1');
  });

  it('says nothing of an unknown path when every event names one', async () => {
    const routed = computeFigures(HISTORY.filter((event) => event.cardNumber !== 'TT5'), views, NOW);
    expect(routed.unknownPath).to.equal(0);
    const app = await fixture<KaDashboardApp>(html`<ka-dashboard-app .figures=${routed} connection="connected"></ka-dashboard-app>`);
    expect(app.shadowRoot!.querySelector('[data-figure="unknownPath"]')).to.equal(null);
    expect(app.shadowRoot!.querySelector('[data-figure="funnelTotal"]')!.textContent).to.contain('身分核對 3');
  });

  // The connection itself is the consoles' ConsoleConnection (staff-nats and inspector-nats tests
  // start it against a config that fails); the page says what its connection reports.
  it('says why it is disconnected when its connection reports a problem', async () => {
    const problem = '/config.json: HTTP 404';
    const app = await fixture<KaDashboardApp>(html`<ka-dashboard-app connection="disconnected" .problem=${problem}></ka-dashboard-app>`);
    expect(app.shadowRoot!.querySelector('[role="alert"]')?.textContent).to.contain(problem);
    expect(app.shadowRoot!.querySelector('[data-connection]')!.textContent).to.contain('連線中斷');
  });

  it('has no axe-core violations', async () => {
    const app = await fixture<KaDashboardApp>(html`<ka-dashboard-app .figures=${figures} connection="connected"></ka-dashboard-app>`);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.have.length(0);
  });
});
