// The inspector from fixtures: the real machine's description (describeMachine(sessionMachine))
// and a session recorded from the real machine. The pure readings of state paths and values, the
// chart as nested boxes with the active state marked for a view's state and for a snapshot's
// value, the transitions out of a state, the bounded log, the view and the counters, axe-core.
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { InspectionEvent } from '../../machines/contract/messages.ts';
import { KaInspectorApp } from '../../kiosk/inspector/app/ka-inspector-app.ts';
import type { KaInspectorChart } from '../../kiosk/inspector/chart/ka-inspector-chart.ts';
import { FIXTURE_SECRETS, fixtureMachine, recordFixtureSession, type RecordedMessage } from '../../kiosk/inspector/fixtures.ts';
import { inspectorStrings } from '../../kiosk/inspector/inspector-strings.ts';
import type { KaInspectorLog } from '../../kiosk/inspector/log/ka-inspector-log.ts';
import {
  activeIdsFromPath,
  activeIdsFromValue,
  activeLeaves,
  indexMachine,
  LOG_LIMIT,
  prependBounded,
  statePathOfValue,
  targetLabel,
  transitionsOut,
  type LogEntry,
} from '../../kiosk/inspector/statechart.ts';
import type { KaInspectorTransitions } from '../../kiosk/inspector/transitions/ka-inspector-transitions.ts';
import { fixtureKiosks } from '../../kiosk/consoles/fixtures.ts';
import { axeViolations, deepAll, describeViolations } from './support/helpers.ts';

const machine = fixtureMachine();
const index = indexMachine(machine);
const ROOT = machine.id;
const PIN = `${ROOT}.session.awaitingPin`;

async function settleAll(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const all = [root, ...deepAll(root, '*')].filter((el): el is HTMLElement & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
    await Promise.all(all.map((el) => el.updateComplete));
  }
}

async function renderInspector(): Promise<KaInspectorApp> {
  const app = await fixture<KaInspectorApp>(html`<ka-inspector-app .kiosks=${fixtureKiosks()} .machine=${machine} kiosk-id="kiosk-1"></ka-inspector-app>`);
  await settleAll(app);
  return app;
}

async function replay(app: KaInspectorApp, messages: readonly RecordedMessage[]): Promise<void> {
  for (const message of messages) {
    if (message.kind === 'view') app.showView(message.view, message.at);
    else app.recordInspection(message.event);
  }
  await settleAll(app);
}

const chart = (app: KaInspectorApp) => deepAll<KaInspectorChart>(app, 'ka-inspector-chart')[0]!;
const box = (app: KaInspectorApp, id: string) => chart(app).shadowRoot!.querySelector<HTMLElement>(`li[data-state-id="${CSS.escape(id)}"]`)!;
const current = (app: KaInspectorApp) => chart(app).shadowRoot!.querySelectorAll('[aria-current="true"]');
const transitions = (app: KaInspectorApp) => deepAll<KaInspectorTransitions>(app, 'ka-inspector-transitions')[0]!;
const log = (app: KaInspectorApp) => deepAll<KaInspectorLog>(app, 'ka-inspector-log')[0]!;

function snapshot(seq: number, state: unknown): InspectionEvent {
  return { seq, at: new Date(Date.UTC(2026, 2, 25, 6, 0, seq)).toISOString(), kind: 'snapshot', state, actor: 'x:0' };
}

describe('reading the machine description', () => {
  it('indexes every state once, with its key path', () => {
    const ids: string[] = [];
    const visit = (node: typeof machine) => {
      ids.push(node.id);
      node.states.forEach(visit);
    };
    visit(machine);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(index.byId.size).to.equal(ids.length);
    expect(index.pathOf.get(PIN)).to.equal('session.awaitingPin');
    expect(index.pathOf.get(`${ROOT}.awaitingCard`)).to.equal('awaitingCard');
  });

  it('finds the active chain for a view state path', () => {
    expect(activeIdsFromPath(machine, 'session.awaitingPin')).to.deep.equal([ROOT, 'session', PIN]);
    expect(activeIdsFromPath(machine, 'awaitingCard')).to.deep.equal([ROOT, `${ROOT}.awaitingCard`]);
    expect(activeIdsFromPath(machine, 'session.noSuchState')).to.deep.equal([]);
    expect(activeIdsFromPath(machine, '')).to.deep.equal([]);
  });

  it('finds the same chain for the XState state value', () => {
    expect(activeIdsFromValue(machine, { session: 'awaitingPin' })).to.deep.equal([ROOT, 'session', PIN]);
    expect(activeIdsFromValue(machine, 'awaitingCard')).to.deep.equal([ROOT, `${ROOT}.awaitingCard`]);
    expect(activeIdsFromValue(machine, { session: 'nowhere' })).to.deep.equal([]);
    expect(activeIdsFromValue(machine, 42)).to.deep.equal([]);
    expect(statePathOfValue({ session: 'awaitingPin' })).to.equal('session.awaitingPin');
    expect(statePathOfValue({ a: 'x', b: { c: 'y' } })).to.equal('a.x + b.c.y');
  });

  it('every fixture kiosk view names a state of the machine whose screen is the view’s screen', () => {
    for (const { view } of fixtureKiosks().values()) {
      const ids = activeIdsFromPath(machine, view.state ?? '');
      expect(ids.length, view.kioskId).to.be.greaterThan(0);
      const leaf = index.byId.get(ids[ids.length - 1]!)!;
      expect(leaf.screen, view.kioskId).to.equal(view.screen);
    }
  });

  it('lists the transitions out of a state, its own first, then those inherited', () => {
    const groups = transitionsOut(index, PIN);
    expect(groups[0]!.from.id).to.equal(PIN);
    expect(groups[0]!.depth).to.equal(0);
    expect(groups[0]!.transitions.some((t) => t.event === 'user.submitPin' && t.targets.includes(`${ROOT}.session.settingPin`))).to.equal(true);
    const session = groups.find((group) => group.from.id === 'session')!;
    expect(session.depth).to.equal(1);
    expect(session.transitions.some((t) => t.event === 'staff.abort' && t.targets.map((x) => targetLabel(index, x)).includes('awaitingCard'))).to.equal(true);
  });

  it('keeps the newest log entries first and at most the limit', () => {
    let entries: LogEntry[] = [];
    for (let i = 1; i <= LOG_LIMIT + 50; i++) entries = prependBounded(entries, { at: '2026-03-25T06:00:00.000Z', kind: 'event', label: `e${i}` });
    expect(entries.length).to.equal(LOG_LIMIT);
    expect(entries[0]!.label).to.equal(`e${LOG_LIMIT + 50}`);
    expect(entries[LOG_LIMIT - 1]!.label).to.equal('e51');
    expect(new Set(entries.map((entry) => entry.key)).size).to.equal(LOG_LIMIT);
  });
});

describe('inspector page from fixtures', () => {
  let recorded: RecordedMessage[];

  before(async () => {
    await setViewport({ width: 1600, height: 1000 });
    recorded = await recordFixtureSession('kiosk-1');
  });

  it('draws every state as a box, compound states containing their children', async () => {
    const app = await renderInspector();
    const boxes = chart(app).shadowRoot!.querySelectorAll('li[data-state-id]');
    expect(boxes.length).to.equal(index.byId.size);
    const session = box(app, 'session');
    expect(session.classList.contains('compound')).to.equal(true);
    const inside = [...session.querySelectorAll(':scope > ul > li')].map((li) => (li as HTMLElement).dataset.stateId);
    expect(inside).to.deep.equal(index.byId.get('session')!.states.map((child) => child.id));
    const pin = box(app, PIN);
    expect(pin.classList.contains('atomic')).to.equal(true);
    expect(pin.textContent).to.include('awaitingPin');
    expect(pin.textContent).to.include('enterPin');
    expect(pin.textContent).to.include('needsUser');
    expect(box(app, `${ROOT}.session.settingPin`).textContent).to.include('setPin');
  });

  it('marks the state a view names, and its ancestors, in words as well as style', async () => {
    const app = await renderInspector();
    const view = fixtureKiosks().get('kiosk-8')!.view;
    app.showView(view);
    await settleAll(app);
    const locked = box(app, `${ROOT}.session.failed.cardLocked`);
    expect(locked.classList.contains('active')).to.equal(true);
    expect(locked.getAttribute('aria-current')).to.equal('true');
    expect(locked.querySelector('.marker.active')?.textContent).to.include(inspectorStrings.active);
    expect(box(app, 'session').classList.contains('active')).to.equal(true);
    expect(box(app, ROOT).classList.contains('active')).to.equal(true);
    expect(current(app).length).to.equal(1);
    expect(box(app, PIN).classList.contains('active')).to.equal(false);
    expect(app.shadowRoot!.querySelector('[data-active-path]')?.textContent).to.equal('session.failed.cardLocked');
  });

  it('follows a snapshot’s state value, and marks the state before it', async () => {
    const app = await renderInspector();
    app.showView(fixtureKiosks().get('kiosk-8')!.view);
    app.recordInspection(snapshot(1, { session: 'verifying' }));
    await settleAll(app);
    expect(current(app).length).to.equal(1);
    expect(box(app, `${ROOT}.session.verifying`).getAttribute('aria-current')).to.equal('true');
    const before = box(app, `${ROOT}.session.failed.cardLocked`);
    expect(before.classList.contains('previous')).to.equal(true);
    expect(before.querySelector('.marker.previous')?.textContent).to.include(inspectorStrings.previous);

    app.recordInspection(snapshot(2, 'awaitingCard'));
    await settleAll(app);
    expect(box(app, `${ROOT}.awaitingCard`).getAttribute('aria-current')).to.equal('true');
    expect(box(app, 'session').classList.contains('active')).to.equal(false);
    expect(box(app, `${ROOT}.session.verifying`).classList.contains('previous')).to.equal(true);
  });

  it('highlights nothing for a state the machine does not have', async () => {
    const app = await renderInspector();
    app.recordInspection(snapshot(3, { session: 'fromAnotherVersion' }));
    await settleAll(app);
    expect(current(app).length).to.equal(0);
    expect(app.activeIds.size).to.equal(0);
  });

  it('replays a recorded session to the PIN screen: chart, current view, log', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    expect(box(app, PIN).getAttribute('aria-current')).to.equal('true');
    expect(box(app, `${ROOT}.session.accepting`).classList.contains('previous')).to.equal(true);
    const lastView = [...recorded].reverse().find((m): m is Extract<RecordedMessage, { kind: 'view' }> => m.kind === 'view')!.view;
    const pre = app.shadowRoot!.querySelector('pre')!;
    expect(JSON.parse(pre.textContent!)).to.deep.equal(lastView);
    const rows = [...log(app).shadowRoot!.querySelectorAll('li')];
    expect(rows.length).to.equal(recorded.length);
    // Newest first: the last thing recorded is on top.
    const last = recorded[recorded.length - 1]!;
    expect(rows[0]!.dataset.kind).to.equal(last.kind === 'view' ? 'view' : last.event.kind);
    const labels = rows.map((row) => row.querySelector('.label')!.textContent!);
    expect(labels.some((label) => label.startsWith('user.submitUserCode'))).to.equal(true);
    expect(labels.some((label) => label.startsWith('card.inserted'))).to.equal(true);
  });

  it('hides a kind of log entry when its box is unticked', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    const root = log(app).shadowRoot!;
    root.querySelector<HTMLInputElement>('input[data-kind="snapshot"]')!.click();
    root.querySelector<HTMLInputElement>('input[data-kind="actor"]')!.click();
    await settleAll(app);
    const kinds = new Set([...root.querySelectorAll('li')].map((row) => row.dataset.kind));
    expect([...kinds].sort()).to.deep.equal(['event', 'view']);
  });

  it('keeps the log bounded while a long session runs', async () => {
    const app = await renderInspector();
    for (let seq = 1; seq <= LOG_LIMIT + 40; seq++) {
      app.recordInspection({ seq, at: new Date(Date.UTC(2026, 2, 25, 6, 0, 0, seq)).toISOString(), kind: 'event', event: { type: `user.event${seq}` }, actor: 'x:0' });
    }
    await settleAll(app);
    const rows = log(app).shadowRoot!.querySelectorAll('li');
    expect(rows.length).to.equal(LOG_LIMIT);
    expect(rows[0]!.querySelector('.label')!.textContent).to.include(`user.event${LOG_LIMIT + 40}`);
  });

  it('lists the transitions of the active state, of a chosen state, and goes back to the active one', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    const root = () => transitions(app).shadowRoot!;
    expect(root().querySelector('h2')!.textContent).to.equal(inspectorStrings.transitionsOf('session.awaitingPin'));
    const own = root().querySelector(`table[data-from="${CSS.escape(PIN)}"]`)!;
    expect(own.textContent).to.include('user.submitPin');
    expect(own.textContent).to.include('session.settingPin');
    const inherited = root().querySelector('table[data-from="session"]')!;
    expect(inherited.textContent).to.include('staff.abort');
    expect(inherited.textContent).to.include(inspectorStrings.inherited('session'));

    box(app, `${ROOT}.session.awaitingStaff`).querySelector<HTMLButtonElement>('button.name')!.click();
    await settleAll(app);
    expect(root().querySelector('h2')!.textContent).to.equal(inspectorStrings.transitionsOf('session.awaitingStaff'));
    const staff = root().querySelector(`table[data-from="${CSS.escape(`${ROOT}.session.awaitingStaff`)}"]`)!;
    expect(staff.textContent).to.include('staff.resume');
    expect(staff.textContent).to.include('hasCardData');
    // staff.unlocked is handled once, on `session`: inherited here.
    const sessionWide = root().querySelector('table[data-from="session"]')!;
    expect(sessionWide.textContent).to.include('staff.unlocked');
    expect(sessionWide.textContent).to.include('isLockedOnRoute');
    expect(box(app, `${ROOT}.session.awaitingStaff`).querySelector('button.name')!.getAttribute('aria-pressed')).to.equal('true');

    root().querySelector<HTMLButtonElement>('[data-follow]')!.click();
    await settleAll(app);
    expect(app.selectedStateId).to.equal(undefined);
    expect(root().querySelector('h2')!.textContent).to.equal(inspectorStrings.transitionsOf('session.awaitingPin'));
  });

  it('shows the engine counters', async () => {
    const app = await renderInspector();
    app.stats = { accepted: 7, ignored: 2, rejected: 1, viewsPublished: 13, restoredFromSnapshot: true };
    app.statsAt = Date.now();
    await settleAll(app);
    const stats = deepAll(app, 'ka-inspector-stats')[0]!.shadowRoot!;
    expect(stats.querySelector('[data-stat="ignored"]')!.textContent).to.equal('2');
    expect(stats.querySelector('[data-stat="restoredFromSnapshot"]')!.textContent).to.equal(inspectorStrings.yes);
    expect(stats.textContent).to.include(inspectorStrings.statNames.ignored!);
  });

  it('shows none of what the user typed', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    expect(JSON.stringify(recorded)).to.not.include(FIXTURE_SECRETS.rightUserCode);
    const everything = [app, ...deepAll(app, '*')].map((el) => `${el.shadowRoot?.innerHTML ?? ''}${el.outerHTML}`).join('');
    expect(everything).to.not.include(FIXTURE_SECRETS.rightUserCode);
    expect(everything).to.not.include(FIXTURE_SECRETS.wrongUserCode);
  });

  it('has no axe-core violations with a session replayed and a state chosen', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    app.stats = { accepted: 5, ignored: 0, rejected: 0, viewsPublished: 11, snapshotsPersisted: 20, persistFailures: 0, restoredFromSnapshot: false };
    app.selectedStateId = `${ROOT}.session.failed.cardLocked`;
    await settleAll(app);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.deep.equal([]);
  });

  it('has no axe-core violations before anything arrived', async () => {
    const app = await fixture<KaInspectorApp>(html`<ka-inspector-app></ka-inspector-app>`);
    await settleAll(app);
    expect(deepAll(app, 'ka-inspector-chart')[0]!.shadowRoot!.textContent).to.include(inspectorStrings.noMachine);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.deep.equal([]);
  });

  it('clears the previous kiosk’s session', async () => {
    const app = await renderInspector();
    await replay(app, recorded);
    app.clearSession();
    await settleAll(app);
    expect(app.view).to.equal(undefined);
    expect(app.log).to.deep.equal([]);
    expect(current(app).length).to.equal(0);
    expect(activeLeaves(index, app.activeIds)).to.deep.equal([]);
  });
});

