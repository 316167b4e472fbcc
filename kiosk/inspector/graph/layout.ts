// The statechart laid out for drawing: the folded drawing model (drawing-model.ts) handed to
// elkjs (the layered algorithm across the hierarchy, compound states as containers holding their
// children, orthogonal edges routed around the boxes), and its answer turned into absolute boxes
// and edge polylines. Runs the same in the browser (the inspector) and in Node (`npm run states`
// writes docs/states.svg from it).
import * as elkBundle from 'elkjs/lib/elk.bundled.js';
import type ElkApi from 'elkjs/lib/elk-api';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { statechartGraph, type DescribedState, type GraphNode, type StatechartGraph } from '../../../machines/session/introspect.ts';
import { drawingModel, type DrawingModel, type DrawnEdge } from './drawing-model.ts';

type ElkConstructor = typeof ElkApi;

/**
 * elkjs ships one UMD file. Bundlers and Node hand it over as the default export; served
 * unbundled as an ES module (the component tests) it runs as a script and sets `window.ELK`.
 */
function elkConstructor(): ElkConstructor {
  const fromModule = (elkBundle as unknown as { default?: ElkConstructor }).default;
  const fromGlobal = (globalThis as { ELK?: ElkConstructor }).ELK;
  const found = fromModule ?? fromGlobal;
  if (found === undefined) throw new Error('elkjs did not load');
  return found;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutNode extends Box {
  node: GraphNode;
  /** The lines written in the box: the name, then what it shows or runs, then its notes. */
  lines: string[];
  /** What the tooltip says beyond the lines (self-transitions, the full description). */
  tooltip: string[];
}

export interface LaidOutEdge {
  edge: DrawnEdge;
  /** Absolute points of each link, from source to target. */
  paths: { x: number; y: number }[][];
  label?: Box;
}

export interface StatechartLayout {
  graph: StatechartGraph;
  model: DrawingModel;
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

/**
 * Text metrics of the drawing's fonts at scale 1 (render-svg.ts: 13 px bold names, 12 px for the
 * rest), generous so no text leaves its box. Readable at the inspector's default zoom, 1.
 */
export const FONT = { name: 13, text: 12 } as const;
const NAME_CHAR_WIDTH = 8.2;
const TEXT_CHAR_WIDTH = 7.3;
export const LINE_HEIGHT = 15;
const LABEL_HEIGHT = 15;
export const PADDING = 5;

/** The box's lines: name (↺ when it has self-transitions), what it shows/runs/means, its notes. */
function linesOf(state: DescribedState, model: DrawingModel): string[] {
  const name = model.selfLoops.has(state.id) ? `${state.key} ↺` : state.key;
  const notes = model.notes.get(state.id) ?? [];
  if (state.states.length > 0) return [name, ...notes.map((note) => note.replace(/^after /, '◷ '))];
  // The timer's own transition, when written rather than drawn, goes on the timer's line.
  const timerNote = state.timer === undefined ? undefined : notes.find((note) => note.startsWith(`after ${state.timer} → `));
  // A failure state is its error code: the screen and the timer are its frame's, in the tooltip.
  if (state.error !== undefined) return [name, `✖ ${state.error}`, ...notes];
  const what = [
    state.invokes.length > 0 ? `▶ ${state.invokes.join(', ')}` : state.screen === undefined ? '' : `▭ ${state.screen}`,
    state.timer === undefined ? '' : timerNote === undefined ? `◷ ${state.timer}` : `◷ ${timerNote.slice('after '.length)}`,
  ].filter(Boolean);
  return [name, ...(what.length > 0 ? [what.join(' ')] : []), ...notes.filter((note) => note !== timerNote)];
}

function tooltipOf(state: DescribedState, model: DrawingModel): string[] {
  return [
    state.id,
    ...(state.description === undefined ? [] : [state.description]),
    ...(state.screen === undefined ? [] : [`▭ ${state.screen}`]),
    ...state.invokes.map((actor) => `▶ ${actor}`),
    ...(state.timer === undefined ? [] : [`◷ ${state.timer}`]),
    ...(model.written.get(state.id) ?? []),
    ...(state.tags.length === 0 ? [] : [state.tags.join(', ')]),
    ...(model.selfLoops.get(state.id) ?? []).map((label) => `↺ ${label}`),
  ];
}

export function textWidth(text: string, perChar: number): number {
  // CJK and symbols are wider than Latin; count them double.
  let units = 0;
  for (const char of text) units += char.charCodeAt(0) > 0x2000 ? 1.8 : 1;
  return Math.ceil(units * perChar);
}

function boxWidth(lines: string[]): number {
  return Math.max(...lines.map((line, index) => textWidth(line, index === 0 ? NAME_CHAR_WIDTH : TEXT_CHAR_WIDTH))) + 2 * PADDING;
}

/**
 * The failure frame's states have no edges among them once folded: laid out on their own, packed
 * as a block, rather than as one long layer.
 */
const PACKED_FRAME = {
  'elk.hierarchyHandling': 'SEPARATE_CHILDREN',
  'elk.portConstraints': 'FIXED_SIDE',
  'elk.algorithm': 'rectpacking',
  'elk.aspectRatio': '1.6',
  // Below the steps: a session's failures come after the steps they end.
  'elk.layered.layering.layerConstraint': 'LAST',
  'elk.spacing.nodeNode': '8',
};

const failurePort = (frame: string) => `${frame}:in`;

/**
 * Tight, as the drawing must show a whole route at 12 px text. Set on every frame: with the
 * hierarchy laid out as one, each frame's own spacing applies inside it.
 */
const SPACING = {
  'elk.layered.spacing.nodeNodeBetweenLayers': '17',
  'elk.layered.spacing.edgeNodeBetweenLayers': '6',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '4',
  'elk.spacing.nodeNode': '16',
  'elk.spacing.edgeNode': '8',
  'elk.spacing.edgeEdge': '5',
};

function elkNodeOf(node: GraphNode, childrenOf: Map<string, GraphNode[]>, model: DrawingModel): ElkNode {
  const lines = linesOf(node.state, model);
  const children = childrenOf.get(node.id) ?? [];
  if (children.length > 0) {
    const header = lines.length * LINE_HEIGHT + PADDING;
    return {
      id: node.id,
      labels: [{ text: lines.join('\n'), width: boxWidth(lines), height: header }],
      layoutOptions: {
        'elk.padding': `[top=${header + PADDING},left=${PADDING * 2},bottom=${PADDING * 2},right=${PADDING * 2}]`,
        'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
        ...(node.id === model.failureFrame ? PACKED_FRAME : SPACING),
      },
      // The failure bundle enters its frame at one point on top, so its lines join into one.
      ...(node.id === model.failureFrame
        ? { ports: [{ id: failurePort(node.id), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'NORTH' } }] }
        : {}),
      children: children.map((child) => elkNodeOf(child, childrenOf, model)),
    };
  }
  return { id: node.id, width: boxWidth(lines), height: lines.length * LINE_HEIGHT + PADDING };
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Where a label goes: on the middle of one of its lines' segments, the longest first, the first
 * place that covers no state and no label already placed (else the longest segment's middle).
 */
/** `bounds`: the drawing; a label outside it would be cut off. */
function labelBox(paths: { x: number; y: number }[][], text: string, states: readonly Box[], labels: Box[], bounds: Box): Box {
  const lines = text.split('\n');
  const width = Math.max(...lines.map((line) => textWidth(line, TEXT_CHAR_WIDTH))) + 4;
  const height = lines.length * LABEL_HEIGHT;
  const segments = paths
    .flatMap((points) => points.slice(1).map((to, index) => ({ from: points[index]!, to })))
    .map(({ from, to }) => ({ from, to, length: Math.hypot(to.x - from.x, to.y - from.y) }))
    .sort((a, b) => b.length - a.length);
  const boxAt = (at: { x: number; y: number }): Box => ({ x: at.x - width / 2, y: at.y - height / 2, width, height });
  // Along each segment (middle, then towards either end), on it or just beside it.
  const candidates = segments.flatMap(({ from, to }) =>
    [0.5, 0.3, 0.7, 0.15, 0.85, 0.4, 0.6, 0.2, 0.8, 0.1, 0.9].flatMap((along) => {
      const at = { x: from.x + (to.x - from.x) * along, y: from.y + (to.y - from.y) * along };
      const beside =
        from.x === to.x
          ? [1, -1].flatMap((side) => [0, -1, 1, -2, 2].map((down) => ({ x: at.x + side * (width / 2 + 2), y: at.y + down * height })))
          : [1, -1, 2, -2].map((side) => ({ x: at.x, y: at.y + side * (height / 2 + 1) }));
      return [at, ...beside].map(boxAt);
    }),
  );
  // The first place that covers nothing, else the one that covers least (a state's box weighs
  // more than another label: a hidden name is worse than two labels touching).
  const covered = (box: Box) =>
    [...states.map((other) => ({ other, weight: 10 })), ...labels.map((other) => ({ other, weight: 1 }))].reduce((sum, { other, weight }) => {
      const w = Math.min(box.x + box.width, other.x + other.width) - Math.max(box.x, other.x);
      const h = Math.min(box.y + box.height, other.y + other.height) - Math.max(box.y, other.y);
      return sum + (w > 0 && h > 0 ? w * h * weight : 0);
    }, 0);
  // Then a wider search around each segment's middle, should the places on the line all be taken.
  for (const { from, to } of segments.slice(0, 3)) {
    const at = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
    for (const dy of [0, 1, -1, 2, -2, 3, -3]) {
      for (const dx of [0, 0.5, -0.5, 1, -1]) candidates.push(boxAt({ x: at.x + dx * (width + 4), y: at.y + dy * height }));
    }
  }
  const inside = candidates.filter((box) => box.x >= bounds.x && box.y >= bounds.y && box.x + box.width <= bounds.x + bounds.width && box.y + box.height <= bounds.y + bounds.height);
  const free = inside.find((box) => ![...states, ...labels].some((other) => overlaps(box, other)));
  const chosen = free ?? (inside.length > 0 ? inside : candidates).map((box) => ({ box, area: covered(box) })).sort((a, b) => a.area - b.area)[0]!.box;
  labels.push(chosen);
  return chosen;
}

let engine: InstanceType<ElkConstructor> | undefined;

/** Lays the machine out; the same description always gives the same drawing. */
export async function layoutStatechart(root: DescribedState): Promise<StatechartLayout> {
  const graph = statechartGraph(root);
  const model = drawingModel(graph);
  const childrenOf = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    if (node.parent !== undefined) childrenOf.set(node.parent, [...(childrenOf.get(node.parent) ?? []), node]);
  }
  const rootNode = graph.nodes[0]!;
  const known = new Set(graph.nodes.map((node) => node.id));
  // The machine lists its states in the order a session meets them. A link back up that order (a
  // retry, a return to the start) is given to ELK turned round, so every step reads downwards and
  // the cycles do not scramble the layers; its points are turned back afterwards.
  const order = new Map(graph.nodes.map((node, index) => [node.id, index]));
  const backwards = new Set<string>();
  const edges: ElkExtendedEdge[] = model.edges.flatMap((edge) =>
    edge.links
      .filter((link) => known.has(link.source) && known.has(link.target))
      .map((link, index) => {
        const id = `${edge.id}|${index}`;
        const back = order.get(link.target)! < order.get(link.source)!;
        if (back) backwards.add(id);
        const target = edge.kind === 'failure' ? failurePort(link.target) : link.target;
        // An actor's success is the way forward: kept straight, the steps line up as a spine.
        const forward = !back && edge.event.startsWith('done ');
        return {
          id,
          sources: [back ? target : link.source],
          targets: [back ? link.source : target],
          ...(forward ? { layoutOptions: { 'elk.layered.priority.straightness': '10' } } : {}),
        };
      }),
  );
  const elkRoot: ElkNode = { ...elkNodeOf(rootNode, childrenOf, model), edges };
  elkRoot.layoutOptions = {
    ...elkRoot.layoutOptions,
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    // One layering across the frames, so an edge from a frame or into another is routed too.
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'ORTHOGONAL',
    // A bundle's lines meet where they enter their target (and leave their source) at one point.
    'elk.layered.mergeEdges': 'true',
    ...SPACING,
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  };
  engine ??= new (elkConstructor())();
  const laid = await engine.layout(elkRoot);

  const nodes: LaidOutNode[] = [];
  const offsets = new Map<string, { x: number; y: number }>();
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const visit = (elkNode: ElkNode, dx: number, dy: number) => {
    const x = dx + (elkNode.x ?? 0);
    const y = dy + (elkNode.y ?? 0);
    offsets.set(elkNode.id, { x, y });
    const node = byId.get(elkNode.id)!;
    nodes.push({
      node,
      lines: linesOf(node.state, model),
      tooltip: tooltipOf(node.state, model),
      x,
      y,
      width: elkNode.width ?? 0,
      height: elkNode.height ?? 0,
    });
    for (const child of elkNode.children ?? []) visit(child, x, y);
  };
  visit(laid, 0, 0);

  const pathsOf = new Map<string, { x: number; y: number }[][]>();
  for (const elkEdge of laid.edges ?? []) {
    // Coordinates are relative to the edge's container (set by ELK for hierarchical edges).
    const container = (elkEdge as ElkExtendedEdge & { container?: string }).container;
    const offset = offsets.get(container ?? laid.id) ?? { x: 0, y: 0 };
    const drawn = (elkEdge.sections ?? []).flatMap((section) => [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]);
    const points = backwards.has(elkEdge.id) ? drawn.reverse() : drawn;
    const groupId = elkEdge.id.slice(0, elkEdge.id.lastIndexOf('|'));
    pathsOf.set(groupId, [...(pathsOf.get(groupId) ?? []), points.map((point) => ({ x: point.x + offset.x, y: point.y + offset.y }))]);
  }
  const states: Box[] = nodes.filter((laid) => !laid.node.compound).map(({ x, y, width, height }) => ({ x, y, width, height }));
  const labels: Box[] = [];
  const laidEdges: LaidOutEdge[] = model.edges.map((edge) => {
    const paths = (pathsOf.get(edge.id) ?? []).filter((points) => points.length > 1);
    return { edge, paths, ...(paths.length === 0 || edge.label === '' ? {} : { label: labelBox(paths, edge.label, states, labels, { x: 0, y: 0, width: laid.width ?? 0, height: laid.height ?? 0 }) }) };
  });
  return { graph, model, width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: laidEdges };
}
