// Writes the committed traces: `npx tsx tests/traces/record.ts` (run it again after the machine
// changes; docs/inspector.md says when). Each is a real path through the machine found by the
// graph model (xstate/graph over kiosk/tools/states-graph-model.ts), recorded exactly as the
// inspector records a live session: redacted events, the state after each, the screen and code.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS, type ErrorCode, type Remedy } from '../../machines/contract/index.ts';
import {
  exploreSessionGraph,
  serializeForTraversal,
  TRAVERSAL_NOW,
  type SessionGraph,
  type SessionPath,
} from '../../kiosk/tools/states-graph-model.ts';
import { redactEvent } from '../../machines/session/redact.ts';
import { deriveView, statePathOf } from '../../machines/session/view.ts';
import { sessionMachine } from '../../machines/session/session.machine.ts';
import { TRACE_FORMAT, type SessionTrace } from '../../kiosk/inspector/trace.ts';

const here = dirname(fileURLToPath(import.meta.url));

function traceOf(path: SessionPath, title: string): SessionTrace {
  return {
    format: TRACE_FORMAT,
    version: 1,
    machine: sessionMachine.root.id,
    title,
    steps: path.steps.map((step, index) => {
      const view = deriveView(step.state, { kioskId: 'trace', seq: index });
      return {
        at: new Date(TRAVERSAL_NOW + index * 1000).toISOString(),
        event: redactEvent(step.event),
        state: statePathOf(step.state.value),
        screen: view.screen,
        ...(view.error ? { code: view.error.code } : {}),
      };
    }),
  };
}

const byLength = (a: SessionPath, b: SessionPath) => a.steps.length - b.steps.length;

/**
 * The whole activation of one route: the shortest way to the card data screen, then the shortest
 * way on from there to `activated` (breadth-first over the model's adjacency map), so the trace
 * goes through acceptance rather than the already-accepted shortcut.
 */
function fullActivation(graph: SessionGraph, route: string): SessionPath | undefined {
  const toCardData = graph.shortestPaths
    .filter((path) => statePathOf(path.state.value).endsWith('.awaitingCardDataConfirmation') && path.state.context.chosenPath === route)
    .sort(byLength)[0];
  if (toCardData === undefined) return undefined;
  const start = serializeForTraversal(toCardData.state);
  const cameFrom = new Map<string, { from: string; step: SessionPath['steps'][number] }>();
  type Node = { state: SessionPath['state']; transitions: Record<string, SessionPath['steps'][number]> };
  const adjacency = graph.adjacency as unknown as Record<string, Node>;
  const queue = [start];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const key = queue.shift()!;
    const node = adjacency[key]!;
    if (statePathOf(node.state.value).endsWith('.activated')) {
      const tail: SessionPath['steps'] = [];
      for (let at = key; at !== start; at = cameFrom.get(at)!.from) tail.unshift(cameFrom.get(at)!.step);
      return { ...toCardData, state: node.state, steps: [...toCardData.steps, ...tail] };
    }
    for (const { event, state } of Object.values(node.transitions)) {
      const next = serializeForTraversal(state);
      if (seen.has(next)) continue;
      seen.add(next);
      cameFrom.set(next, { from: key, step: { event, state } });
      queue.push(next);
    }
  }
  return undefined;
}

export function chooseTraces(graph: SessionGraph): Record<string, SessionTrace> {
  const paths = graph.shortestPaths;
  const traces: Record<string, SessionTrace> = {};
  for (const route of ['self-applied', 'registration-bundled'] as const) {
    const full = fullActivation(graph, route);
    if (full) traces[`activated-${route}`] = traceOf(full, `${route}: card inserted to activated`);
  }
  const families = new Set(Object.values(ERRORS).map((info) => info.remedy));
  for (const family of families as Set<Remedy>) {
    const shortest = paths
      .filter((path) => {
        const code = deriveView(path.state, { kioskId: 'trace', seq: 0 }).error?.code as ErrorCode | undefined;
        return code !== undefined && ERRORS[code].remedy === family && statePathOf(path.state.value).startsWith('session.');
      })
      .sort(byLength)[0];
    if (shortest) {
      const code = deriveView(shortest.state, { kioskId: 'trace', seq: 0 }).error?.code;
      traces[`error-${family}`] = traceOf(shortest, `error family "${family}": ${code}`);
    }
  }
  return traces;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const traces = chooseTraces(exploreSessionGraph());
  for (const [name, trace] of Object.entries(traces)) {
    await writeFile(join(here, `${name}.json`), `${JSON.stringify(trace, null, 2)}\n`);
    console.log(`${name}.json: ${trace.steps.length} steps, ${trace.title}`);
  }
}
