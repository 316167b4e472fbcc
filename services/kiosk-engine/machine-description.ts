// The session machine's structure as plain JSON, for the visual inspector: every state with its
// screen, tags and the ways out of it. Built from the machine definition, so a new state or
// transition shows in the inspector the moment it exists. Names only: no context, no values.
import type { AnyStateMachine, StateNodeDefinition } from 'xstate';

export interface DescribedTransition {
  /** The event type, or `after <delay>` for a timer, or `done` / `error` for an invoked actor. */
  event: string;
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
  transitions: DescribedTransition[];
  states: DescribedState[];
}

type Definition = StateNodeDefinition<never, never>;

function eventLabel(eventType: string, delay: unknown): string {
  if (eventType.startsWith('xstate.after.')) return `after ${typeof delay === 'string' ? delay : String(delay)}`;
  if (eventType.startsWith('xstate.done.actor.')) return `done ${eventType.slice('xstate.done.actor.'.length)}`;
  if (eventType.startsWith('xstate.error.actor.')) return `error ${eventType.slice('xstate.error.actor.'.length)}`;
  return eventType;
}

function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  // XState's guard combinators (not, and, or) are functions that keep their operands in `guards`.
  if (typeof guard === 'function') {
    const operands = (guard as { guards?: unknown[] }).guards;
    const name = guard.name || 'guard';
    return Array.isArray(operands) ? `${name}(${operands.map((operand) => guardLabel(operand) ?? '?').join(', ')})` : name;
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string') return guard.type;
  return 'guard';
}

function describeNode(node: Definition): DescribedState {
  const meta = (node.meta ?? {}) as { screen?: unknown };
  const transitions: DescribedTransition[] = [];
  for (const [eventType, list] of Object.entries(node.on ?? {})) {
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
    transitions,
    states: Object.values(node.states ?? {}).map((child) => describeNode(child as Definition)),
  };
}

export function describeMachine(machine: AnyStateMachine): DescribedState {
  return describeNode(machine.root.definition as unknown as Definition);
}
