// The statechart drawn as a graph (elkjs layout, SVG) from the real machine's description: a node
// for every state, every transition target drawn (in an edge) or written (in a box); the
// highlight and the animated edge follow a committed trace stepped forwards and backwards;
// axe-core on the page with the drawing.
import { expect, fixture, html } from '@open-wc/testing';
import { KaInspectorApp } from '../../kiosk/inspector/app/ka-inspector-app.ts';
import { fixtureMachine } from '../../kiosk/inspector/fixtures.ts';
import type { KaStatechartGraph } from '../../kiosk/inspector/graph/ka-statechart-graph.ts';
import { parseTrace } from '../../kiosk/inspector/trace.ts';
import { statechartGraph, type DescribedState } from '../../machines/session/introspect.ts';
import { fixtureKiosks } from '../../kiosk/consoles/fixtures.ts';
import { axeViolations, deepAll, describeViolations } from './support/helpers.ts';

const machine = fixtureMachine();

function allStates(state: DescribedState): DescribedState[] {
  return [state, ...state.states.flatMap(allStates)];
}

async function renderInspector(): Promise<{ app: KaInspectorApp; graph: KaStatechartGraph }> {
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

const svg = (graph: KaStatechartGraph) => graph.shadowRoot!.querySelector('svg')!;

describe('the statechart graph', () => {
  it('draws a node for every state and shows every transition target of the machine, drawn or written', async () => {
    const { graph } = await renderInspector();
    const states = allStates(machine);
    const nodeIds = [...svg(graph).querySelectorAll<SVGGElement>('[data-state-id]')].map((node) => node.dataset.stateId);
    expect(nodeIds.sort()).to.deep.equal(states.map((state) => state.id).sort());
    const transitions = statechartGraph(machine).edges;
    expect(transitions.length).to.be.greaterThan(50);
    const edges = [...svg(graph).querySelectorAll<SVGGElement>('[data-edge-id]')];
    const drawn = new Map(edges.flatMap((edge) => (edge.dataset.members ?? '').split(' ').map((member) => [member, edge] as const)));
    const stateText = (id: string) => svg(graph).querySelector(`[data-state-id="${id}"]`)!.textContent!;
    const keyOf = (id: string) => id.split('.').at(-1)!;
    for (const transition of transitions) {
      const edge = drawn.get(transition.id);
      if (edge !== undefined) {
        // drawn: a path per line, the tooltip naming the transition
        expect(edge.querySelector('path')!.getAttribute('d'), transition.id).to.match(/^M[\d.-]+,[\d.-]+ L/);
        expect(edge.querySelector('title')!.textContent, transition.id).to.contain(`${transition.source} → ${transition.target}`);
        continue;
      }
      // else written: in its state's box or tooltip (a state's own handling of a session-wide
      // event, a self-transition ↺, a dispatcher's fan), or at its target (⇠ one event from many)
      const written =
        stateText(transition.source).includes(`→ ${keyOf(transition.target)}`) ||
        (transition.source === transition.target && stateText(transition.source).includes(`↺ ${transition.label}`)) ||
        (transition.event === 'always' && /always → \d+ states/.test(stateText(transition.source))) ||
        stateText(transition.target).includes(`⇠ ${transition.event}`);
      expect(written, `${transition.id} (${transition.label})`).to.equal(true);
    }
    // most of the drawing's edges carry a label with their event
    expect(edges.filter((edge) => edge.querySelector('text') !== null).length).to.be.greaterThan(edges.length / 2);
    // error states are set apart; timers and actors are marked on their states
    expect(svg(graph).querySelectorAll('.state.error').length).to.be.greaterThan(5);
    expect(svg(graph).querySelector(`[data-state-id="${machine.id}.session.verifying"]`)!.textContent).to.contain('▶ verifyIdentity');
    expect(svg(graph).querySelector(`[data-state-id="${machine.id}.session.awaitingPin"]`)!.textContent).to.contain('◷ idleTimeout');
  });

  it('follows a replayed trace forwards and backwards: the active state and the edge taken', async () => {
    const { app, graph } = await renderInspector();
    const trace = parseTrace(await (await fetch('/tests/traces/activated-self-applied.json')).text());
    app.loadTrace(trace);
    await settled(app, graph);
    const activeLeaf = () => svg(graph).querySelector<SVGGElement>('.state.atomic.active')?.dataset.stateId;
    const taken = () => svg(graph).querySelectorAll<SVGGElement>('.edge.taken');
    expect(activeLeaf()).to.equal(`${machine.id}.${trace.steps[0]!.state}`);
    for (let index = 1; index < trace.steps.length; index++) {
      app.stepTrace(1);
      await settled(app, graph);
      const step = trace.steps[index]!;
      expect(activeLeaf(), `step ${index}`).to.equal(`${machine.id}.${step.state}`);
      if (step.state !== trace.steps[index - 1]!.state) {
        expect(taken().length, `edge at step ${index}`).to.equal(1);
        // the transition taken is one the animated edge stands for, and it ends in the state entered
        const members = taken()[0]!.dataset.members!.split(' ');
        expect(members, `members at step ${index}`).to.include(app.takenEdgeId!);
        expect(`${machine.id}.${step.state}`.startsWith(app.takenEdgeId!.split('>')[1]!), app.takenEdgeId).to.equal(true);
      }
    }
    expect(activeLeaf()).to.equal(`${machine.id}.session.activated`);
    app.stepTrace(-1);
    await settled(app, graph);
    expect(activeLeaf()).to.equal(`${machine.id}.${trace.steps.at(-2)!.state}`);
    expect(svg(graph).querySelector('.state.previous')).to.not.equal(null);
  });

  it('records what it receives as a trace that can be exported', async () => {
    const { app } = await renderInspector();
    app.recordInspection({ seq: 1, at: new Date().toISOString(), kind: 'snapshot', state: 'awaitingCard', actor: 'x:0' });
    app.recordInspection({ seq: 2, at: new Date().toISOString(), kind: 'event', event: { type: 'card.inserted', reader: 'r0' }, actor: 'x:0' });
    app.recordInspection({ seq: 3, at: new Date().toISOString(), kind: 'snapshot', state: { session: 'checkingCard' }, actor: 'x:0' });
    const trace = app.exportTrace();
    expect(trace.steps.map((step) => [step.event.type, step.state])).to.deep.equal([
      ['xstate.init', 'awaitingCard'],
      ['card.inserted', 'session.checkingCard'],
    ]);
  });

  it('has no axe-core violations with the drawing and a trace loaded', async () => {
    const { app, graph } = await renderInspector();
    app.loadTrace(parseTrace(await (await fetch('/tests/traces/error-correctInput.json')).text()));
    app.stepTrace(3);
    await settled(app, graph);
    const violations = await axeViolations(app);
    expect(violations, describeViolations(violations)).to.have.length(0);
  });
});
