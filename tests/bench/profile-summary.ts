// Where a V8 CPU profile's time went: `node --import tsx tests/bench/profile-summary.ts <file>...`
// prints, over all the given profiles, the share of busy time (samples that are not idle) spent
// in each function itself (self time) and in each source file, the top entries first. Used with
// the registry benchmark's REGISTRY_BENCH_CPU_PROF (docs/benchmarks.md).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP = Number(process.env.PROFILE_TOP || 30);
const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
/** Time with the function anywhere on the stack (counted once per sample). */
const totalByFunction = new Map<string, number>();
let busy = 0;
let idle = 0;

/** A file's path from the project or node_modules on, so the table reads the same on any machine. */
function shortFile(url: string): string {
  if (url === '') return '(native / V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  for (const root of ['/services/', '/platform/', '/machines/', '/tests/', '/card/', '/kiosk/']) {
    const at = url.lastIndexOf(root);
    if (at >= 0) return url.slice(at + 1);
  }
  return url.replace(/^file:\/\//, '');
}

function frameName({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  return `${functionName || '(anonymous)'} ${shortFile(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Writing the profile itself (the inspector's Profiler.stop) is not the program's work.
  const profilerOwn = new Set<number>();
  const markProfiler = (node: ProfileNode | undefined, inside: boolean): void => {
    if (!node) return;
    const mine = inside || node.callFrame.url === 'node:inspector';
    if (mine) profilerOwn.add(node.id);
    for (const child of node.children ?? []) markProfiler(byId.get(child), mine);
  };
  markProfiler(profile.nodes[0], false);
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node || profilerOwn.has(id)) return;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      return;
    }
    busy += micros;
    const where = shortFile(url);
    const name = frameName(node);
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (frame) onStack.add(frameName(frame));
    }
    for (const frame of onStack) totalByFunction.set(frame, (totalByFunction.get(frame) ?? 0) + micros);
    selfByFile.set(where, (selfByFile.get(where) ?? 0) + micros);
  });
}

const share = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
const top = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP);
console.log(`busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (${((100 * busy) / (busy + idle)).toFixed(0)} % busy)`);
console.log('\nself time by function:');
for (const [name, micros] of top(selfByFunction)) console.log(`${share(micros)}  ${name}`);
console.log('\ntotal time (the function or what it called) by function:');
for (const [name, micros] of top(totalByFunction)) console.log(`${share(micros)}  ${name}`);
console.log('\nself time by file:');
for (const [name, micros] of top(selfByFile)) console.log(`${share(micros)}  ${name}`);
