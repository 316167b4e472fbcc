// The statechart laid out for drawing: the introspection graph handed to elkjs (the layered
// algorithm, compound states as containers holding their children), and its answer turned into
// absolute boxes and edge polylines. Runs the same in the browser (the inspector) and in Node
// (`npm run states` writes docs/states.svg from it).
import * as elkBundle from 'elkjs/lib/elk.bundled.js';
import type ElkApi from 'elkjs/lib/elk-api';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

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
import { statechartGraph, type DescribedState, type GraphEdge, type GraphNode, type StatechartGraph } from '../../../machines/session/introspect.ts';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutNode extends Box {
  node: GraphNode;
  /** The lines written in the box: the key, then the screen, timer and actor. */
  lines: string[];
}

export interface LaidOutEdge {
  edge: GraphEdge;
  /** Absolute points from source to target. */
  points: { x: number; y: number }[];
  label?: Box;
}

export interface StatechartLayout {
  graph: StatechartGraph;
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

/** Text metrics for the drawing's font (12 px for states, 10 px for edge labels), generous. */
const STATE_CHAR_WIDTH = 7.4;
const LABEL_CHAR_WIDTH = 6.2;
const LINE_HEIGHT = 15;
const LABEL_HEIGHT = 13;
const PADDING = 10;

function linesOf(state: DescribedState): string[] {
  const lines = [state.key];
  if (state.states.length > 0) return lines;
  if (state.screen !== undefined) lines.push(`▭ ${state.screen}`);
  if (state.timer !== undefined) lines.push(`⏱ ${state.timer}`);
  for (const actor of state.invokes) lines.push(`▶ ${actor}`);
  if (state.error !== undefined) lines.push(`✖ ${state.error}`);
  return lines;
}

function textWidth(text: string, perChar: number): number {
  // CJK and symbols are wider than Latin; count them double.
  let units = 0;
  for (const char of text) units += char.charCodeAt(0) > 0x2000 ? 1.8 : 1;
  return Math.ceil(units * perChar);
}

function elkNodeOf(node: GraphNode, childrenOf: Map<string, GraphNode[]>): ElkNode {
  const lines = linesOf(node.state);
  const children = childrenOf.get(node.id) ?? [];
  if (children.length > 0) {
    return {
      id: node.id,
      labels: [{ text: node.state.key, width: textWidth(node.state.key, STATE_CHAR_WIDTH), height: LINE_HEIGHT }],
      layoutOptions: {
        'elk.padding': `[top=${LINE_HEIGHT + 2 * PADDING},left=${PADDING},bottom=${PADDING},right=${PADDING}]`,
        'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
      },
      children: children.map((child) => elkNodeOf(child, childrenOf)),
    };
  }
  return {
    id: node.id,
    width: Math.max(90, ...lines.map((line) => textWidth(line, STATE_CHAR_WIDTH))) + 2 * PADDING,
    height: lines.length * LINE_HEIGHT + PADDING,
  };
}

/**
 * Where an edge's label goes: centred on the middle of its polyline. Labels are left out of the
 * layout itself: with ~150 labelled edges ELK's label dummies made the drawing tens of thousands
 * of pixels wide.
 */
function labelBox(points: { x: number; y: number }[], text: string): Box {
  const lengths = points.slice(1).map((point, index) => Math.hypot(point.x - points[index]!.x, point.y - points[index]!.y));
  let remaining = lengths.reduce((sum, length) => sum + length, 0) / 2;
  let at = points[0]!;
  for (const [index, length] of lengths.entries()) {
    const from = points[index]!;
    const to = points[index + 1]!;
    if (remaining <= length && length > 0) {
      at = { x: from.x + ((to.x - from.x) * remaining) / length, y: from.y + ((to.y - from.y) * remaining) / length };
      break;
    }
    remaining -= length;
    at = to;
  }
  const width = textWidth(text, LABEL_CHAR_WIDTH);
  return { x: at.x - width / 2, y: at.y - LABEL_HEIGHT / 2, width, height: LABEL_HEIGHT };
}

let engine: InstanceType<ElkConstructor> | undefined;

/** Lays the machine out; the same description always gives the same drawing. */
export async function layoutStatechart(root: DescribedState): Promise<StatechartLayout> {
  const graph = statechartGraph(root);
  const childrenOf = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    if (node.parent !== undefined) childrenOf.set(node.parent, [...(childrenOf.get(node.parent) ?? []), node]);
  }
  const rootNode = graph.nodes[0]!;
  const known = new Set(graph.nodes.map((node) => node.id));
  const edges: ElkExtendedEdge[] = graph.edges
    .filter((edge) => known.has(edge.target))
    .map((edge) => ({
      id: edge.id,
      sources: [edge.source],
      targets: [edge.target],
    }));
  const elkRoot: ElkNode = {
    ...elkNodeOf(rootNode, childrenOf),
    edges,
  };
  elkRoot.layoutOptions = {
    ...elkRoot.layoutOptions,
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'ORTHOGONAL',
    // A state's `error <actor>` fans out to every failure state: merged, the fan reads as one bundle.
    'elk.layered.mergeEdges': 'true',
    'elk.layered.spacing.nodeNodeBetweenLayers': '40',
    'elk.spacing.nodeNode': '24',
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
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
    nodes.push({ node, lines: linesOf(node.state), x, y, width: elkNode.width ?? 0, height: elkNode.height ?? 0 });
    for (const child of elkNode.children ?? []) visit(child, x, y);
  };
  visit(laid, 0, 0);

  const edgeById = new Map(graph.edges.map((edge) => [edge.id, edge]));
  const laidEdges: LaidOutEdge[] = (laid.edges ?? []).map((elkEdge) => {
    // Coordinates are relative to the edge's container (set by ELK for hierarchical edges).
    const container = (elkEdge as ElkExtendedEdge & { container?: string }).container;
    const offset = offsets.get(container ?? laid.id) ?? { x: 0, y: 0 };
    const points = (elkEdge.sections ?? []).flatMap((section) => [
      section.startPoint,
      ...(section.bendPoints ?? []),
      section.endPoint,
    ]);
    const absolute = points.map((point) => ({ x: point.x + offset.x, y: point.y + offset.y }));
    const edge = edgeById.get(elkEdge.id)!;
    return { edge, points: absolute, ...(absolute.length === 0 ? {} : { label: labelBox(absolute, edge.label) }) };
  });
  return { graph, width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: laidEdges };
}
