// The one reading of a statechart's structure that everything else draws from: docs/states.md
// (kiosk/tools/states-describe.ts), the machine description the engine serves to the inspector, the drawing (nodes
// and edges for the layout) and docs/states.svg. Built from the machine definition, so a new
// state, transition, timer or actor shows everywhere the moment it exists; nothing here lists
// states by name. Pure and browser-safe: the inspector imports the graph part.
import type { AnyStateMachine, StateNodeDefinition } from 'xstate';

export interface DescribedTransition {
  /** The event type, or `after <delay>` for a timer, or `done` / `error` for an invoked actor. */
  event: string;
  /** Target state ids; empty for a transition that stays (actions only) or swallows the event. */
  targets: string[];
  guard?: string;
}

export interface DescribedState {
  id: string;
  key: string;
  type: string;
  screen?: string;
  tags: string[];
  description?: string;
  invokes: string[];
  /** The named delay this state waits on (`meta.timer`), if any. */
  timer?: string;
  /** The error code this state stands for (`meta.error`): a failure or out-of-service state. */
  error?: string;
  transitions: DescribedTransition[];
  states: DescribedState[];
}

type Definition = StateNodeDefinition<never, never>;

/** `after idleTimeout`, `done verifyIdentity`, `error verifyIdentity`, or the event type as is. */
export function eventLabel(eventType: string, delay?: unknown): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after !== null) return `after ${typeof delay === 'string' ? delay : after[1]}`;
  if (eventType.startsWith('xstate.done.actor.')) return `done ${eventType.slice('xstate.done.actor.'.length)}`;
  if (eventType.startsWith('xstate.error.actor.')) return `error ${eventType.slice('xstate.error.actor.'.length)}`;
  return eventType;
}

/**
 * A guard as people read it: its name, a combinator with its operands (`not(isPinWellFormed)`),
 * a parameterised guard with its parameters (`isResumingAt(awaitingPin)`).
 */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  // XState's guard combinators (not, and, or) are functions that keep their operands in `guards`.
  if (typeof guard === 'function') {
    const operands = (guard as { guards?: unknown[] }).guards;
    const name = guard.name || 'guard';
    return Array.isArray(operands) ? `${name}(${operands.map((operand) => guardLabel(operand) ?? '?').join(', ')})` : name;
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string') {
    const { params } = guard as { params?: unknown };
    if (typeof params !== 'object' || params === null) return guard.type;
    const shown = Object.entries(params)
      .filter(([key]) => key !== 'fallback')
      .map(([, value]) => (Array.isArray(value) ? value.join('|') : String(value)));
    return `${guard.type}(${shown.join(', ')})`;
  }
  return 'guard';
}

/** A state's `always` transitions (its definition leaves them out). */
type AlwaysOf = (id: string) => readonly unknown[];

function describeNode(node: Definition, alwaysOf: AlwaysOf): DescribedState {
  const meta = (node.meta ?? {}) as { screen?: unknown; timer?: unknown; error?: unknown };
  const transitions: DescribedTransition[] = [];
  // `always` (taken at once, e.g. failed.routing and resuming) is drawn as an edge like any other.
  const always = alwaysOf(node.id);
  const on = { ...(node.on ?? {}), ...(always.length > 0 ? { always } : {}) };
  for (const [eventType, list] of Object.entries(on)) {
    if (eventType === 'xstate.route') continue;
    for (const transition of list as unknown as { target?: (string | { id: string })[]; guard?: unknown; delay?: unknown }[]) {
      const guard = guardLabel(transition.guard);
      transitions.push({
        event: eventLabel(eventType, transition.delay),
        targets: (transition.target ?? []).map((target) => (typeof target === 'string' ? target.replace(/^#/, '') : target.id)),
        ...(guard === undefined ? {} : { guard }),
      });
    }
  }
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    ...(typeof meta.screen === 'string' ? { screen: meta.screen } : {}),
    tags: [...(node.tags ?? [])].map(String),
    ...(typeof node.description === 'string' ? { description: node.description } : {}),
    invokes: (node.invoke ?? []).map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id)),
    ...(typeof meta.timer === 'string' ? { timer: meta.timer } : {}),
    ...(typeof meta.error === 'string' ? { error: meta.error } : {}),
    transitions,
    states: Object.values(node.states ?? {}).map((child) => describeNode(child as Definition, alwaysOf)),
  };
}

/** The machine's structure as plain JSON (what `kiosk.<kiosk>.inspect.machine` answers). */
export function describeMachine(machine: AnyStateMachine): DescribedState {
  const alwaysOf: AlwaysOf = (id) => machine.getStateNodeById(id).always ?? [];
  return describeNode(machine.root.definition as unknown as Definition, alwaysOf);
}

// ---------------------------------------------------------------------------------------------
// The graph: what gets drawn

export interface GraphNode {
  id: string;
  /** The container it is drawn in; undefined for the root. */
  parent?: string;
  state: DescribedState;
  compound: boolean;
  /** Set apart in the drawing: it shows an error (a failure tag or an error code). */
  isError: boolean;
}

export interface GraphEdge {
  /** Stable within one machine: `<source id>#<transition index>><target id>`. */
  id: string;
  source: string;
  target: string;
  event: string;
  guard?: string;
  /** What the drawing writes on the edge: the event, and the guard in brackets. */
  label: string;
  /** A timer (`after …`) or an actor outcome (`done …` / `error …`). */
  kind: 'event' | 'timer' | 'actor';
}

export interface StatechartGraph {
  root: DescribedState;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Transitions with no target (they stay, or swallow the event): listed on their state, not drawn. */
  internal: { state: string; transition: DescribedTransition }[];
}

function kindOf(event: string): GraphEdge['kind'] {
  if (event.startsWith('after ')) return 'timer';
  if (event.startsWith('done ') || event.startsWith('error ')) return 'actor';
  return 'event';
}

/** Every state a node, every targeted transition an edge per target. */
export function statechartGraph(root: DescribedState): StatechartGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const internal: StatechartGraph['internal'] = [];
  const visit = (state: DescribedState, parent: string | undefined) => {
    nodes.push({
      id: state.id,
      ...(parent === undefined ? {} : { parent }),
      state,
      compound: state.states.length > 0,
      isError: state.error !== undefined || state.tags.includes('failure'),
    });
    state.transitions.forEach((transition, index) => {
      if (transition.targets.length === 0) internal.push({ state: state.id, transition });
      for (const target of transition.targets) {
        edges.push({
          id: `${state.id}#${index}>${target}`,
          source: state.id,
          target,
          event: transition.event,
          ...(transition.guard === undefined ? {} : { guard: transition.guard }),
          label: transition.guard === undefined ? transition.event : `${transition.event} [${transition.guard}]`,
          kind: kindOf(transition.event),
        });
      }
    });
    for (const child of state.states) visit(child, state.id);
  };
  visit(root, undefined);
  return { root, nodes, edges, internal };
}

/**
 * The edge a step most likely took: from the state left (or the nearest ancestor that declares
 * the event) to the state entered (or an ancestor of it whose initial state was entered), with
 * the event's label. Undefined when nothing fits (the event was handled without a drawn edge).
 */
export function edgeTaken(
  graph: StatechartGraph,
  fromIds: readonly string[],
  toIds: readonly string[],
  eventType: string | undefined,
): GraphEdge | undefined {
  const label = eventType === undefined ? undefined : eventLabel(eventType);
  const sources = [...fromIds].reverse();
  const targets = new Set(toIds);
  for (const source of sources) {
    const found = graph.edges.filter(
      (edge) => edge.source === source && targets.has(edge.target) && (label === undefined || edge.event === label),
    );
    // The deepest target wins: a transition to `session` and one to `session.awaitingPin` both fit.
    if (found.length > 0) return found.sort((a, b) => toIds.indexOf(b.target) - toIds.indexOf(a.target))[0];
  }
  return undefined;
}
