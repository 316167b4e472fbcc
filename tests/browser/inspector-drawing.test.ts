// The drawing reads at a glance, on the inspector page as a person gets it (1600×1000, default
// zoom): a committed path-A trace (tests/traces, recorded from the real machine) replayed through
// the inspector's own replay; after each transition the current state (aria-current) is inside
// the drawing's visible area and its name is at least 12 CSS px on screen; the session-wide
// transitions and the failure routing are drawn once; edges go around the states and no label
// covers one; both routes' main paths show at once; panning stops the following, ◎ resumes it.
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { KaInspectorApp } from '../../kiosk/inspector/app/ka-inspector-app.ts';
import { fixtureMachine } from '../../kiosk/inspector/fixtures.ts';
import type { KaStatechartGraph } from '../../kiosk/inspector/graph/ka-statechart-graph.ts';
import { parseTrace, type SessionTrace } from '../../kiosk/inspector/trace.ts';
import { statechartGraph } from '../../machines/session/introspect.ts';
import { fixtureKiosks } from '../../kiosk/consoles/fixtures.ts';
import { deepAll } from './support/helpers.ts';

const machine = fixtureMachine();

async function renderInspector(): Promise<{ app: KaInspectorApp; graph: KaStatechartGraph }> {
  await setViewport({ width: 1600, height: 1000 });
  document.body.style.margin = '0';
  const app = await fixture<KaInspectorApp>(html`<ka-inspector-app .kiosks=${fixtureKiosks()} .machine=${machine} kiosk-id="kiosk-1"></ka-inspector-app>`);
  await app.updateComplete;
  const graph = deepAll<KaStatechartGraph>(app, 'ka-statechart-graph')[0]!;
  await graph.drawn;
  await graph.updateComplete;
  return { app, graph };
}

async function settled(app: KaInspectorApp, graph: KaStatechartGraph): Promise<void> {
  await app.updateComplete;
  await graph.updateComplete;
}

async function trace(name: string): Promise<SessionTrace> {
  return parseTrace(await (await fetch(`/tests/traces/${name}.json`)).text());
}

const svg = (graph: KaStatechartGraph) => graph.shadowRoot!.querySelector('svg')!;
const stateElement = (graph: KaStatechartGraph, path: string) =>
  svg(graph).querySelector<SVGGElement>(`[data-state-id="${machine.id}.${path}"]`)!;

/** The part of the window the drawing shows: its element's box, clipped to the window. */
function visibleArea(graph: KaStatechartGraph): DOMRect {
  const box = graph.getBoundingClientRect();
  const left = Math.max(0, box.left);
  const top = Math.max(0, box.top);
  return new DOMRect(left, top, Math.min(window.innerWidth, box.right) - left, Math.min(window.innerHeight, box.bottom) - top);
}

function isInside(inner: DOMRect, outer: DOMRect): boolean {
  return inner.left >= outer.left && inner.right <= outer.right && inner.top >= outer.top && inner.bottom <= outer.bottom;
}

/** A text's size as the person sees it: its computed font size times the drawing's zoom on screen. */
function renderedFontSize(text: SVGTextElement): number {
  const computed = parseFloat(getComputedStyle(text).fontSize);
  const zoom = text.getBoundingClientRect().height / text.getBBox().height;
  return computed * zoom;
}

describe('the drawing at a glance (1600×1000, default zoom)', () => {
  it('keeps the current state of a path-A run in view, its name ≥ 12 px, after each transition', async () => {
    const { app, graph } = await renderInspector();
    const run = await trace('activated-self-applied');
    expect(run.steps.at(-1)!.state).to.equal('session.activated');
    app.loadTrace(run);
    await settled(app, graph);
    for (let index = 0; index < run.steps.length; index++) {
      if (index > 0) app.stepTrace(1);
      await settled(app, graph);
      const step = run.steps[index]!;
      const current = svg(graph).querySelectorAll<SVGGElement>('[aria-current="true"]');
      expect(current.length, `step ${index}`).to.equal(1);
      expect(current[0]!.dataset.stateId, `step ${index}`).to.equal(`${machine.id}.${step.state}`);
      const box = current[0]!.querySelector('rect')!.getBoundingClientRect();
      expect(isInside(box, visibleArea(graph)), `${step.state} at ${JSON.stringify(box)} in ${JSON.stringify(visibleArea(graph))}`).to.equal(true);
      const name = current[0]!.querySelector<SVGTextElement>('text.name')!;
      expect(name.textContent).to.contain(step.state!.split('.').at(-1)!);
      expect(renderedFontSize(name), `${step.state} name`).to.be.at.least(12);
      for (const text of current[0]!.querySelectorAll('text')) expect(renderedFontSize(text), text.textContent!).to.be.at.least(12);
    }
    // following is on throughout: nobody panned
    expect(graph.following).to.equal(true);
  });

  it('draws every edge label at ≥ 12 px on screen', async () => {
    const { graph } = await renderInspector();
    const labels = [...svg(graph).querySelectorAll<SVGTextElement>('.edge text')];
    expect(labels.length).to.be.greaterThan(10);
    for (const label of labels) expect(renderedFontSize(label), label.textContent!).to.be.at.least(12);
  });

  it('draws each session-wide event once, and the failure routing as one bundle into the failed frame', async () => {
    const { graph } = await renderInspector();
    const session = machine.states.find((state) => state.key === 'session')!;
    const sessionWide = [...new Set(session.transitions.filter((transition) => transition.targets.length > 0).map((transition) => transition.event))];
    expect(sessionWide).to.include.members(['card.removed', 'user.callStaff', 'staff.abort']);
    const eventOf = new Map(statechartGraph(machine).edges.map((edge) => [edge.id, edge]));
    const edges = [...svg(graph).querySelectorAll<SVGGElement>('[data-edge-id]')];
    const membersOf = (edge: SVGGElement) => (edge.dataset.members ?? '').split(' ').map((id) => eventOf.get(id)!);
    for (const event of sessionWide) {
      const drawn = edges.filter((edge) => membersOf(edge).some((member) => member.event === event));
      expect(drawn.length, `edges for ${event}`).to.be.at.most(1);
    }
    const failed = session.states.find((state) => state.key === 'failed')!.id;
    const intoFailed = edges.filter((edge) =>
      membersOf(edge).some((member) => member.target.startsWith(failed) && !member.source.startsWith(failed)),
    );
    expect(intoFailed.length).to.equal(1);
    // the bundle's lines all end at one point on the failed frame
    const ends = new Set(
      [...intoFailed[0]!.querySelectorAll('path')].map((path) => path.getAttribute('d')!.split(/[ML]/).filter(Boolean).at(-1)),
    );
    expect(ends.size).to.equal(1);
  });

  it('routes every edge around the states and puts no label over a state', async () => {
    const { graph } = await renderInspector();
    const number = (element: Element, name: string) => Number(element.getAttribute(name));
    const boxes = [...svg(graph).querySelectorAll<SVGGElement>('.state.atomic')].map((state) => {
      const rect = state.querySelector('rect')!;
      return { id: state.dataset.stateId!, x: number(rect, 'x'), y: number(rect, 'y'), width: number(rect, 'width'), height: number(rect, 'height') };
    });
    // strictly inside a box, a pixel in from its border (where lines start and end)
    const crosses = (a: { x: number; y: number }, b: { x: number; y: number }, box: (typeof boxes)[number]) =>
      Math.max(a.x, b.x) > box.x + 1 &&
      Math.min(a.x, b.x) < box.x + box.width - 1 &&
      Math.max(a.y, b.y) > box.y + 1 &&
      Math.min(a.y, b.y) < box.y + box.height - 1;
    const edges = [...svg(graph).querySelectorAll<SVGGElement>('[data-edge-id]')];
    let segments = 0;
    for (const edge of edges) {
      for (const path of edge.querySelectorAll('path')) {
        const points = path.getAttribute('d')!.split(/[ML]/).filter(Boolean).map((pair) => {
          const [x, y] = pair.trim().split(',').map(Number);
          return { x: x!, y: y! };
        });
        for (let index = 1; index < points.length; index++) {
          segments++;
          // orthogonal: each segment runs along one axis
          const along = Math.min(Math.abs(points[index]!.x - points[index - 1]!.x), Math.abs(points[index]!.y - points[index - 1]!.y));
          expect(along, `${edge.dataset.edgeId} runs along an axis`).to.be.below(0.5);
          const hit = boxes.find((box) => crosses(points[index - 1]!, points[index]!, box));
          expect(hit?.id, `${edge.dataset.edgeId} crosses`).to.equal(undefined);
        }
      }
      const label = edge.querySelector('.label-bg');
      if (label === null) continue;
      const box = { x: number(label, 'x'), y: number(label, 'y'), width: number(label, 'width'), height: number(label, 'height') };
      const covered = boxes.find(
        (other) => box.x < other.x + other.width && other.x < box.x + box.width && box.y < other.y + other.height && other.y < box.y + box.height,
      );
      expect(covered?.id, `${edge.dataset.edgeId}'s label covers`).to.equal(undefined);
    }
    expect(segments).to.be.greaterThan(50);
  });

  it('shows the main path of each activation route, from the path choice to activated, without scrolling', async () => {
    const { app, graph } = await renderInspector();
    const routes = [await trace('activated-self-applied'), await trace('activated-registration-bundled')];
    const mainPaths = routes.map((run) => {
      const choice = run.steps.findIndex((step) => step.state === 'session.awaitingPathChoice');
      expect(choice).to.be.greaterThan(0);
      return run.steps.slice(choice).map((step) => step.state!);
    });
    // the kiosk, followed live from its first state, arrives at the path choice
    app.loadTrace(routes[0]!);
    const choice = routes[0]!.steps.findIndex((step) => step.state === 'session.awaitingPathChoice');
    for (let index = 0; index < choice; index++) {
      app.stepTrace(1);
      await settled(app, graph);
    }
    const area = visibleArea(graph);
    for (const state of new Set(mainPaths.flat())) {
      const box = stateElement(graph, state).querySelector('rect')!.getBoundingClientRect();
      expect(isInside(box, area), `${state} at ${JSON.stringify(box)} in ${JSON.stringify(area)}`).to.equal(true);
    }
  });

  it('stops following once the person pans, and the follow button brings the current state back', async () => {
    const { app, graph } = await renderInspector();
    const run = await trace('activated-self-applied');
    app.loadTrace(run);
    app.stepTrace(3);
    await settled(app, graph);
    const stage = graph.shadowRoot!.querySelector<HTMLElement>('.stage')!;
    stage.focus();
    for (let press = 0; press < 30; press++) stage.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    await graph.updateComplete;
    expect(graph.following).to.equal(false);
    const followButton = graph.shadowRoot!.querySelector<HTMLButtonElement>('[data-follow]')!;
    expect(followButton.getAttribute('aria-pressed')).to.equal('false');
    const current = () => svg(graph).querySelector('[aria-current="true"] rect')!.getBoundingClientRect();
    expect(isInside(current(), visibleArea(graph))).to.equal(false);
    // the kiosk moves on: the view stays where the person put it
    app.stepTrace(1);
    await settled(app, graph);
    expect(isInside(current(), visibleArea(graph))).to.equal(false);
    followButton.click();
    await graph.updateComplete;
    expect(followButton.getAttribute('aria-pressed')).to.equal('true');
    expect(isInside(current(), visibleArea(graph))).to.equal(true);
  });
});
