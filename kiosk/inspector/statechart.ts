// The inspector's reading of a machine description (`kiosk.<kiosk>.inspect.machine`, built by
// machines/session/introspect.ts) and of what the engine streams: which states are
// active for a view's state path or a snapshot's state value, the transitions out of a state, and
// the event log. Pure functions; the browser tests call them directly.
import * as v from 'valibot';
import type { InspectionEvent, View } from '../../machines/contract/messages.ts';
import type { DescribedState, DescribedTransition } from '../../machines/session/introspect.ts';

export type { DescribedState, DescribedTransition };

export const DescribedStateSchema: v.GenericSchema<DescribedState> = v.lazy(() =>
  v.object({
    id: v.string(),
    key: v.string(),
    type: v.string(),
    screen: v.optional(v.string()),
    tags: v.array(v.string()),
    description: v.optional(v.string()),
    invokes: v.array(v.string()),
    timer: v.optional(v.string()),
    error: v.optional(v.string()),
    transitions: v.array(v.object({ event: v.string(), targets: v.array(v.string()), guard: v.optional(v.string()) })),
    states: v.array(DescribedStateSchema),
  }),
);

/** `kiosk.<kiosk>.engine.stats`: counters and flags, shown as they come. */
export const EngineStatsSchema = v.record(v.string(), v.union([v.number(), v.boolean()]));
export type EngineStatsReply = v.InferOutput<typeof EngineStatsSchema>;

export interface MachineIndex {
  readonly root: DescribedState;
  readonly byId: ReadonlyMap<string, DescribedState>;
  readonly parentOf: ReadonlyMap<string, DescribedState>;
  /** Each state's key path below the root, as a view's `state` names it ('session.awaitingPin'). */
  readonly pathOf: ReadonlyMap<string, string>;
}

export function indexMachine(root: DescribedState): MachineIndex {
  const byId = new Map<string, DescribedState>();
  const parentOf = new Map<string, DescribedState>();
  const pathOf = new Map<string, string>();
  const visit = (node: DescribedState, path: string) => {
    byId.set(node.id, node);
    pathOf.set(node.id, path);
    for (const child of node.states) {
      parentOf.set(child.id, node);
      visit(child, path === '' ? child.key : `${path}.${child.key}`);
    }
  };
  visit(root, '');
  return { root, byId, parentOf, pathOf };
}

/**
 * The ids from the root down to the state a dotted path names ('session.awaitingPin' →
 * root, session, awaitingPin). Empty when a key is not in the machine: a view from an engine
 * running another version of the machine highlights nothing rather than the wrong state.
 */
export function activeIdsFromPath(root: DescribedState, path: string): string[] {
  if (path === '') return [];
  const ids = [root.id];
  let node = root;
  for (const key of path.split('.')) {
    const child = node.states.find((candidate) => candidate.key === key);
    if (!child) return [];
    ids.push(child.id);
    node = child;
  }
  return ids;
}

/**
 * The active ids for an XState state value: a string names an atomic child, an object maps each
 * active child to its own value (several entries for parallel regions). Empty when it does not
 * fit the machine.
 */
export function activeIdsFromValue(root: DescribedState, value: unknown): string[] {
  const ids: string[] = [];
  const visit = (node: DescribedState, sub: unknown): boolean => {
    if (typeof sub === 'string') {
      const child = node.states.find((candidate) => candidate.key === sub);
      if (!child) return false;
      ids.push(child.id);
      return true;
    }
    if (typeof sub !== 'object' || sub === null) return false;
    const entries = Object.entries(sub);
    if (entries.length === 0) return false;
    return entries.every(([key, inner]) => {
      const child = node.states.find((candidate) => candidate.key === key);
      if (!child) return false;
      ids.push(child.id);
      return visit(child, inner);
    });
  };
  if (!visit(root, value)) return [];
  return [root.id, ...ids];
}

/** A state value as a dotted path; parallel regions are listed with ' + '. */
export function statePathOfValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  return Object.entries(value)
    .map(([key, inner]) => {
      const rest = statePathOfValue(inner);
      return rest === '' ? key : `${key}.${rest}`;
    })
    .join(' + ');
}

/** The active states with no active child: what the machine is "in". */
export function activeLeaves(index: MachineIndex, activeIds: Iterable<string>): string[] {
  const active = new Set(activeIds);
  return [...active].filter((id) => !(index.byId.get(id)?.states ?? []).some((child) => active.has(child.id)));
}

export interface OutgoingTransitions {
  /** The state that declares them: the state itself, or an ancestor whose transitions apply too. */
  readonly from: DescribedState;
  /** 0 for the state itself, 1 for its parent, … */
  readonly depth: number;
  readonly transitions: readonly DescribedTransition[];
}

/** The transitions that can leave `stateId`: its own first, then each ancestor's. */
export function transitionsOut(index: MachineIndex, stateId: string): OutgoingTransitions[] {
  const groups: OutgoingTransitions[] = [];
  let node = index.byId.get(stateId);
  let depth = 0;
  while (node) {
    if (node.transitions.length > 0) groups.push({ from: node, depth, transitions: node.transitions });
    node = index.parentOf.get(node.id);
    depth++;
  }
  return groups;
}

/** A transition target as staff read it: its key path ('session.awaitingPin'), or the id as given. */
export function targetLabel(index: MachineIndex, targetId: string): string {
  const path = index.pathOf.get(targetId);
  return path === undefined || path === '' ? targetId : path;
}

// ---------------------------------------------------------------------------------------------
// The event log

export type LogKind = InspectionEvent['kind'] | 'view';

export interface LogEntry {
  /** Increases by one per entry: unique within a log even when the engine's `seq` starts again. */
  readonly key: number;
  readonly at: string;
  readonly kind: LogKind;
  /** The event type, the state path, the actor id, or the view's screen. */
  readonly label: string;
  readonly detail?: string;
}

export const LOG_LIMIT = 200;

export type NewLogEntry = Omit<LogEntry, 'key'>;

export function logEntryOfInspection(event: InspectionEvent): NewLogEntry {
  const { at } = event;
  switch (event.kind) {
    case 'event':
      return { at, kind: 'event', label: event.event?.type ?? '?', ...(event.actor ? { detail: event.actor } : {}) };
    case 'snapshot':
      return { at, kind: 'snapshot', label: statePathOfValue(event.state), ...(event.actor ? { detail: event.actor } : {}) };
    case 'actor':
      return { at, kind: 'actor', label: event.actor ?? '?' };
  }
}

export function logEntryOfView(view: View, at: string): NewLogEntry {
  return {
    at,
    kind: 'view',
    label: view.screen,
    detail: `#${view.seq}${view.error ? ` ${view.error.code}` : ''}${view.busy ? ' busy' : ''}`,
  };
}

/** Newest first, at most `limit` entries. */
export function prependBounded(log: readonly LogEntry[], entry: NewLogEntry, limit = LOG_LIMIT): LogEntry[] {
  const key = (log[0]?.key ?? 0) + 1;
  return [{ ...entry, key }, ...log.slice(0, Math.max(0, limit - 1))];
}
