// What the drawing shows, decided from the machine's own structure (nothing here names a state):
// the statechart's transitions folded so the picture reads at a glance. Pure; used by layout.ts.
//
// - A transition declared on a frame (a compound state: `session`'s card.removed, user.callStaff,
//   staff.abort…) is ONE edge from the frame, whatever its number of targets. The same event
//   handled by any other state (a child overriding it, a root-level state) is written in that
//   state's box ("card.removed → awaitingCard"), not drawn again.
// - Every transition into the failure frame (a compound holding error states, `failed`) joins
//   ONE bundle: a line per source into the frame, not one per failure state.
// - A dispatcher (a state leaving at once, `always`, to many states: `resuming`, `failed.routing`)
//   says so in its box instead of fanning out.
// - A state's transitions back to itself (user.reset, input refused) are marked ↺ in its box.
// - The same event from many states into one (`after idleTimeout` → awaitingPresence from every
//   input screen) is written once in the target's box (⇠), the timers of many states into one
//   (every `after …Timeout` → awaitingCard) on each source's timer line; what is left is drawn, grouped by event and
//   target (one label for several sources).
import type { GraphEdge, GraphNode, StatechartGraph } from '../../../machines/session/introspect.ts';

/** More `always` targets than this and a state is a dispatcher: it is described, not fanned out. */
const DISPATCH_FANOUT = 4;
/** From this many states into one on the same event, and the transition is written, not drawn. */
const SHARED_SOURCES = 3;

export interface DrawnLink {
  source: string;
  target: string;
}

export interface DrawnEdge {
  /** Stable within one machine. */
  id: string;
  /** The event it is drawn for (the first, for several between the same two states). */
  event: string;
  /** Written on the drawing once, a line per event; empty for the failure bundle (its frame says it). */
  label: string;
  kind: GraphEdge['kind'] | 'failure';
  /** Each line drawn: a source and a target (several for a bundle or a frame edge with several targets). */
  links: DrawnLink[];
  /** The machine's transitions it stands for (the graph's edges). */
  members: GraphEdge[];
}

export interface DrawingModel {
  graph: StatechartGraph;
  edges: DrawnEdge[];
  /** Lines written in a state's box under its name: its own handling of a frame's event, a dispatcher. */
  notes: ReadonlyMap<string, string[]>;
  /** States with transitions back to themselves, with what they are (for the ↺ mark and the tooltip). */
  selfLoops: ReadonlyMap<string, string[]>;
  /** Transitions said at their target (`⇠ after idleTimeout ×7`), per source: for its tooltip. */
  written: ReadonlyMap<string, string[]>;
  /** Events handled by a frame for all it holds, e.g. session's card.removed: drawn once each. */
  frameEvents: ReadonlyMap<string, string>;
  /** The compound drawn as the failure frame, if the machine has one. */
  failureFrame?: string;
}

const keyOf = (id: string) => id.split('.').at(-1) ?? id;

function isInside(id: string, frame: string): boolean {
  return id === frame || id.startsWith(`${frame}.`);
}

/** The compound holding the most error states (at least two): where failures are routed. */
function findFailureFrame(graph: StatechartGraph): string | undefined {
  const errorChildren = new Map<string, number>();
  for (const node of graph.nodes) {
    if (node.isError && !node.compound && node.parent !== undefined) {
      errorChildren.set(node.parent, (errorChildren.get(node.parent) ?? 0) + 1);
    }
  }
  const best = [...errorChildren].sort((a, b) => b[1] - a[1])[0];
  return best !== undefined && best[1] >= 2 ? best[0] : undefined;
}

/** Each event a frame handles with a target, owned by the outermost frame handling it. */
function findFrameEvents(graph: StatechartGraph, byId: Map<string, GraphNode>): Map<string, string> {
  const depth = (id: string) => id.split('.').length;
  const owners = new Map<string, string>();
  for (const edge of graph.edges) {
    if (!byId.get(edge.source)?.compound || edge.event === 'always') continue;
    const owner = owners.get(edge.event);
    if (owner === undefined || depth(edge.source) < depth(owner)) owners.set(edge.event, edge.source);
  }
  return owners;
}

/**
 * Several events between the same two states (outOfService → checkingReader on a reader, a card,
 * staff or its timer) are one edge with a label line per event: side by side, their labels would
 * cover each other.
 */
function mergeParallel(edges: DrawnEdge[]): DrawnEdge[] {
  const single = (edge: DrawnEdge) => edge.kind !== 'failure' && !edge.id.startsWith('frame:') && edge.links.length === 1;
  const byPair = new Map<string, DrawnEdge>();
  const merged: DrawnEdge[] = [];
  for (const edge of edges) {
    const link = edge.links[0]!;
    const pair = `${link.source}>${link.target}`;
    const known = single(edge) ? byPair.get(pair) : undefined;
    if (known === undefined) {
      const copy = { ...edge, links: [...edge.links], members: [...edge.members] };
      if (single(edge)) byPair.set(pair, copy);
      merged.push(copy);
      continue;
    }
    known.id = `${known.id}+${edge.event}`;
    known.label = `${known.label}\n${edge.label}`;
    known.members.push(...edge.members);
    // A pair with both a timer and an event reads as an event.
    if (known.kind !== edge.kind) known.kind = 'event';
  }
  return merged;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/** Folds the statechart's edges into what is drawn (see the file's head). */
export function drawingModel(graph: StatechartGraph): DrawingModel {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const failureFrame = findFailureFrame(graph);
  const frameEvents = findFrameEvents(graph, byId);
  const notes = new Map<string, string[]>();
  const selfLoops = new Map<string, string[]>();
  const arrivals = new Map<string, string[]>();
  const groups = new Map<string, DrawnEdge>();

  const alwaysTargets = new Map<string, Set<string>>();
  for (const edge of graph.edges) {
    if (edge.event === 'always') alwaysTargets.set(edge.source, (alwaysTargets.get(edge.source) ?? new Set()).add(edge.target));
  }
  for (const [source, targets] of alwaysTargets) {
    if (targets.size > DISPATCH_FANOUT) push(notes, source, `always → ${targets.size} states, by guard`);
  }

  const join = (id: string, label: string, kind: DrawnEdge['kind'], link: DrawnLink, member: GraphEdge) => {
    const group = groups.get(id) ?? { id, event: member.event, label, kind, links: [], members: [] };
    if (!group.links.some((known) => known.source === link.source && known.target === link.target)) group.links.push(link);
    group.members.push(member);
    groups.set(id, group);
  };

  for (const edge of graph.edges) {
    if ((alwaysTargets.get(edge.source)?.size ?? 0) > DISPATCH_FANOUT && edge.event === 'always') continue;
    const owner = frameEvents.get(edge.event);
    const intoFailures =
      failureFrame !== undefined && isInside(edge.target, failureFrame) && !isInside(edge.source, failureFrame);
    if (owner === edge.source) {
      // The frame's own handling: one edge per event, a line per target.
      const target = intoFailures ? failureFrame : edge.target;
      join(`frame:${edge.source}:${edge.event}`, edge.event, edge.kind, { source: edge.source, target }, edge);
    } else if (owner !== undefined) {
      push(notes, edge.source, `${edge.label} → ${keyOf(edge.target)}`);
    } else if (intoFailures) {
      join(`failures:${failureFrame}`, '', 'failure', { source: edge.source, target: failureFrame }, edge);
    } else if (edge.source === edge.target) {
      push(selfLoops, edge.source, edge.label);
    } else if (failureFrame !== undefined && isInside(edge.source, failureFrame) && edge.source !== failureFrame) {
      // A failure state's own way out (retry, choose again): written in its box, so the frame
      // packs its states as a block and only the frame's own edges leave it.
      push(notes, edge.source, `${edge.label} → ${keyOf(edge.target)}`);
    } else {
      join(`${edge.event}>${edge.target}`, edge.event, edge.kind, { source: edge.source, target: edge.target }, edge);
    }
  }
  // One event from many states into one (every input screen's `after idleTimeout` → the
  // are-you-there screen) is said in each source's box: as lines it would cross the whole drawing.
  // Timers that end a wait by going back to one state (every `after …Timeout` → awaitingCard) alike.
  const timersInto = new Map<string, Set<string>>();
  for (const group of groups.values()) {
    if (group.kind !== 'timer') continue;
    for (const link of group.links) timersInto.set(link.target, (timersInto.get(link.target) ?? new Set()).add(link.source));
  }
  for (const [id, group] of groups) {
    if (group.kind === 'failure') continue;
    const sources = new Set(group.links.map((link) => link.source));
    const oneEventFromMany = !id.startsWith('frame:') && sources.size >= SHARED_SOURCES;
    const timersBackToOne =
      group.kind === 'timer' && group.links.every((link) => (timersInto.get(link.target)?.size ?? 0) >= SHARED_SOURCES);
    if (oneEventFromMany) {
      // Said once, where they all arrive; each source's tooltip says it too.
      const target = group.links[0]!.target;
      push(notes, target, `⇠ ${group.label} ×${sources.size}`);
      for (const member of group.members) push(arrivals, member.source, `${member.label} → ${keyOf(member.target)}`);
    } else if (timersBackToOne) {
      for (const member of group.members) push(notes, member.source, `${member.label} → ${keyOf(member.target)}`);
    } else continue;
    groups.delete(id);
  }
  return {
    graph,
    edges: mergeParallel([...groups.values()]),
    notes,
    selfLoops,
    written: arrivals,
    frameEvents,
    ...(failureFrame === undefined ? {} : { failureFrame }),
  };
}
